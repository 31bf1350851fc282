from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


def client_ip(request) -> str | None:
    """The reader's address: REMOTE_ADDR, or with PROXY_COUNT=n the n-th address from the right
    of X-Forwarded-For (the one our own proxies saw). Addresses further left are client-made."""
    hops = settings.NEWSROOM_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR")


# --- Content-Security-Policy -------------------------------------------------------------------

# What a view can set on a response to change its policy (csp.decorators).
_CSP_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_plain_policy: dict = {}


@receiver(setting_changed)
def _forget_policy(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _plain_policy.clear()


def _excludes_paths() -> bool:
    """django-csp leaves some paths without a policy when told to: then the header depends on
    the path, so it is not remembered."""
    return any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, with the plain policy built once per process.

    django-csp builds the header string for every response (dataclass copies of the settings,
    twice: policy and report-only), which cost a page-cache hit about a fifth of its time. A
    response with no nonce used and no per-view policy change gets the same string every
    time, so it is remembered; anything else goes through django-csp unchanged.
    """

    def process_response(self, request, response):
        plain = (
            getattr(request, "_csp_nonce", None) is None
            and not any(hasattr(response, name) for name in _CSP_OVERRIDES)
            and HEADER not in response
            and HEADER_REPORT_ONLY not in response
            and response.status_code == 200
            and not _excludes_paths()
        )
        if not plain:
            return super().process_response(request, response)
        headers = _plain_policy.get("headers")
        if headers is None:
            response = super().process_response(request, response)
            _plain_policy["headers"] = {
                name: response[name] for name in (HEADER, HEADER_REPORT_ONLY) if name in response
            }
            return response
        for name, value in headers.items():
            response[name] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

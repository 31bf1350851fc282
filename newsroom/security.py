from django.conf import settings


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

"""Error pages that depend on where they happen.

A refusal inside the admin (``PermissionDenied``: the workflow's rules, the admin's
permission checks) is answered with the admin's own page, in its chrome, saying what is not
allowed and why, with ways back. Everywhere else Django's default 403 stands.
"""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

# Said when the refusal carries no reason of its own (Django's admin raises a bare
# PermissionDenied for a page a role lacks).
GENERIC_REASON = (
    "Your account’s role does not include this. If you need it for your work, ask an editor "
    "or the newsroom’s administrator."
)


def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    in_admin = request.path.startswith(reverse("admin:index"))
    if not (in_admin and user is not None and user.is_active and user.is_staff):
        return defaults.permission_denied(request, exception)
    reason = str(exception or "").strip() or GENERIC_REASON
    back = request.META.get("HTTP_REFERER", "")
    if back == request.build_absolute_uri() or not url_has_allowed_host_and_scheme(
        back, {request.get_host()}, request.is_secure()
    ):
        back = ""
    context = {
        **admin.site.each_context(request),
        "title": "Not allowed",
        "reason": reason,
        "back": back,
        "can_list_stories": user.has_perm("articles.view_article"),
    }
    response = TemplateResponse(request, "admin/403.html", context, status=403)
    response.render()
    add_never_cache_headers(response)
    return response

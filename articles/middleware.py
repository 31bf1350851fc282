from django.http import HttpResponsePermanentRedirect

from .models import LegacyRedirect


class LegacyRedirectMiddleware:
    """Old addresses from the previous CMS (WordPress permalinks, ``/?p=123``) answer 301.

    Looked up only where they can be: on a 404, and on the front page when it carries the
    ``p`` parameter WordPress uses for short links. Normal pages pay nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/" and request.GET.get("p", "").isdigit():
            redirect = self._lookup(request.get_full_path())
            if redirect:
                return redirect
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            return self._lookup(request.get_full_path()) or self._lookup(request.path) or response
        return response

    @staticmethod
    def _lookup(path):
        if "\x00" in path:  # PostgreSQL text cannot hold NUL; no stored address has one.
            return None
        found = LegacyRedirect.objects.filter(old_path=path[:500]).select_related("article").first()
        if found and found.article.is_live:
            return HttpResponsePermanentRedirect(found.article.get_absolute_url())
        return None

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.navigation import navigation_sections


def site(request):
    """The outlet's name, links and navigation, for the site chrome on every page."""
    page = request.GET.get("page", "")
    canonical = request.build_absolute_uri(request.path)
    before = request.GET.get("before", "")
    if page.isdigit() and page != "1" and len(page) < 7:
        canonical += f"?page={page}"
    elif before and len(before) < 40 and before.replace("-", "").isdigit():
        canonical += f"?before={before}"
    return {
        "canonical_url": canonical,
        "site_name": settings.NEWSROOM_SITE_NAME,
        "site_tagline": settings.NEWSROOM_SITE_TAGLINE,
        "social_links": settings.NEWSROOM_SOCIAL_LINKS,
        "navigation": SimpleLazyObject(lambda: navigation_sections(request)),
    }

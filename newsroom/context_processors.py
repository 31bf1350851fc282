from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.functional import SimpleLazyObject

from articles.reading.navigation import navigation_sections


def site(request):
    """The outlet's name, links and navigation, for the site chrome on every page."""
    try:
        canonical = request.build_absolute_uri(request.path)
    except DisallowedHost:
        # The 400 page for a Host not in ALLOWED_HOSTS: this site's own address, not a 500.
        canonical = settings.NEWSROOM_SITE_URL.rstrip("/") + request.path
    # Only the parameter this page is paged by, as the view read it (a number it served, or
    # an archive cursor it accepted): "?page=7" on an archive paged by cursor is page one, and
    # naming it canonical would make every such address a copy for search engines.
    paged_by = getattr(request, "canonical_page", None)
    if paged_by:
        canonical += f"?{paged_by}"
    return {
        "canonical_url": canonical,
        "site_name": settings.NEWSROOM_SITE_NAME,
        "site_tagline": settings.NEWSROOM_SITE_TAGLINE,
        "social_links": settings.NEWSROOM_SOCIAL_LINKS,
        "navigation": SimpleLazyObject(lambda: navigation_sections(request)),
    }

from .models import Section


def navigation_sections(request) -> list[Section]:
    """Sections in the site navigation, loaded once per request (views and chrome share it)."""
    if not hasattr(request, "_navigation_sections"):
        request._navigation_sections = list(Section.objects.filter(in_navigation=True))
    return request._navigation_sections

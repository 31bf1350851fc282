from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

import pagecache
from articles.models import Section

CACHE_KEY = "navigation-sections:v1"


def navigation_sections(request) -> list[Section]:
    """Sections in the site navigation: the same on every page, so kept in the shared cache
    (emptied whenever a section changes) and loaded at most once per request."""
    pagecache.depends_on(request, "nav")
    if not hasattr(request, "_navigation_sections"):
        sections = pagecache.tolerant()(cache.get)(CACHE_KEY)
        if sections is None:
            sections = list(Section.objects.filter(in_navigation=True))
            pagecache.tolerant()(cache.set)(CACHE_KEY, sections, 60 * 60)
        request._navigation_sections = sections
    return request._navigation_sections


def use_navigation(request, sections: list[Section]) -> None:
    """For a page whose own query loaded the navigation's sections (``in_navigation``, in
    their order): the shared cache is not asked."""
    request._navigation_sections = sections


def forget_navigation(sender=None, instance=None, **kwargs):
    # Now, and again once the change is committed: a reader between the two would otherwise
    # put the sections as they were before the commit back for an hour.
    forget = pagecache.tolerant()(cache.delete)
    forget(CACHE_KEY)
    transaction.on_commit(lambda: forget(CACHE_KEY))
    pagecache.purge("nav", f"section:{instance.pk}" if isinstance(instance, Section) else None)


def connect_signals():
    for signal in (post_save, post_delete):
        signal.connect(forget_navigation, sender=Section, dispatch_uid=f"nav-{signal}")
    m2m_changed.connect(forget_navigation, sender=Section.editors.through, dispatch_uid="nav-m2m")

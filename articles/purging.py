"""What the page cache (the ``pagecache`` app) needs to know about news: the surrogate keys of a
story and of the pages that show it, the purges made on edits outside the workflow, and when the
clock alone next changes what readers see.

Keys: "article:<pk>" (a story's own page and its card wherever shown), "section:<pk>",
"author:<pk>", "tag:<pk>", "image:<pk>", "nav" (the section navigation), "listings" (every
listing page), and the site-wide pages below.
"""

from django.db.models.signals import post_delete, post_save

import pagecache

from . import publication

# Pages (and the schedule) that any public change to any story can change. The schedule: a
# story scheduled, published or taken down changes the next scheduled change, which each web
# process remembers until NEXT_CHANGE_KEY is purged.
SITE_WIDE = ("front", "feeds", "sitemaps", "search", "corrections", pagecache.NEXT_CHANGE_KEY)


def story_keys(article, *, bylines=(), tags=()) -> list[str]:
    """Everything a change to ``article`` can change: its page and every listing it is on."""
    return [
        f"article:{article.pk}",
        f"section:{article.section_id}",
        *(f"author:{author_id}" for author_id in bylines),
        *(f"tag:{tag_id}" for tag_id in tags),
        *SITE_WIDE,
    ]


def depends_on_cards(request, stories):
    """Story cards on an article page (related stories, the next story): headline, section,
    picture. No bylines are shown on them."""
    keys = []
    for story in stories:
        keys.append(f"article:{story.pk}")
        if story.hero_image_id:
            keys.append(f"image:{story.hero_image_id}")
    pagecache.depends_on(request, *keys)


def next_scheduled_change(since):
    """When the clock alone next changes what readers see after ``since`` (an aware datetime):
    a scheduled publication or unpublication. The page cache's NEWSROOM_PAGE_CACHE_NEXT_CHANGE
    hook; every workflow step that moves either time purges SITE_WIDE, NEXT_CHANGE_KEY with it."""
    from .models import Article

    # The rule's own parts (articles/publication.py): where its answer next changes by the clock.
    upcoming = [
        Article.objects.filter(rows).order_by(column).values_list(column, flat=True).first()
        for column, rows in publication.upcoming_changes(since)
    ]
    moments = [moment for moment in upcoming if moment]
    return min(moments) if moments else None


def connect_signals():
    """Profile, tag and picture edits change pages without going through the workflow."""
    from taggit.models import Tag

    from authors.models import Author

    from .models import Image

    def purge_for(prefix):
        def handler(sender, instance, **kwargs):
            # Tags are not shown on cards; authors' names and pictures are.
            pagecache.purge(f"{prefix}:{instance.pk}", None if prefix == "tag" else "listings")

        return handler

    for model, prefix in ((Author, "author"), (Tag, "tag"), (Image, "image")):
        for signal in (post_save, post_delete):
            signal.connect(
                purge_for(prefix), sender=model, weak=False, dispatch_uid=f"pc-{prefix}-{signal}"
            )

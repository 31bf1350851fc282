"""Previews: a story as one of its revisions holds it, shown with the reader's template."""

import copy

from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Byline, Image, Section
from articles.workflow import FIELDS, FK_FIELDS
from authors.models import Author


def story_from_revision(article, data):
    """An unsaved copy of ``article`` as revision ``data`` holds it, with its bylines and tags."""
    story = copy.copy(article)
    for name in FIELDS:
        setattr(story, f"{name}_id" if name in FK_FIELDS else name, data.get(name))
    # Every field a save derives, derived from this version (the template marks the body safe:
    # a revision was cleaned when it was saved, but perhaps under an older allowlist, so it is
    # cleaned again with today's before anyone sees it).
    story.body = story.body or ""
    story.derive_fields()
    story.section = Section.objects.get(pk=data["section"])
    story.hero_image = Image.objects.filter(pk=data.get("hero_image")).first()
    authors = Author.objects.in_bulk([b["author"] for b in data.get("bylines", [])])
    bylines = [
        Byline(article=article, author=authors[b["author"]], role=b["role"], position=i)
        for i, b in enumerate(data.get("bylines", []))
        if b["author"] in authors
    ]
    known = {tag.name: tag for tag in Tag.objects.filter(name__in=data.get("tags", []))}
    tags = [
        known.get(name) or Tag(name=name, slug=slugify(name, allow_unicode=True))
        for name in data.get("tags", [])
    ]
    return story, bylines, tags

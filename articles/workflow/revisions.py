"""Revisions: a story's content as one dict, written to the row and kept as a revision."""

import logging

from django.utils.text import slugify

from articles import purging
from articles.models import (
    Article,
    AuditEntry,
    Byline,
    RelatedLink,
    Revision,
    SlugRedirect,
    TaggedArticle,
)
from articles.sanitize import clean_body
from articles.search import update_search_vector
from articles.workflow.rules import FIELDS, FK_FIELDS, Status
from common.slugs import unique_slug

log = logging.getLogger(__name__)


def snapshot(article: Article) -> dict:
    """The story's editorial content as stored in the row, bylines, tags and picks."""
    data = row_content(article)
    data["bylines"] = [
        {"author": b.author_id, "role": b.role}
        for b in Byline.objects.filter(article=article).order_by("position", "pk")
    ]
    data["tags"] = sorted(article.tags.names())
    data["related"] = list(
        RelatedLink.objects.filter(from_article=article)
        .order_by("position", "pk")
        .values_list("to_article_id", flat=True)
    )
    return data


def row_content(article: Article) -> dict:
    """The revision fields of the row (not bylines, tags, picks): shared with the bulk entry
    point, which builds the same snapshot without asking the database."""
    return {name: getattr(article, f"{name}_id" if name in FK_FIELDS else name) for name in FIELDS}


def assign_content(article: Article, data: dict) -> None:
    """Put ``data``'s revision fields on the row (unsaved)."""
    for name in FIELDS:
        setattr(article, f"{name}_id" if name in FK_FIELDS else name, data.get(name))


def normalise(data: dict, article: Article) -> dict:
    """Clean submitted content the same way whichever path it came by."""
    data = dict(data)
    for name in FIELDS:
        if name not in FK_FIELDS and data.get(name) is None:
            data[name] = False if name == "is_lead" else ""
        elif name in FK_FIELDS:
            data.setdefault(name, None)
    data["body"] = clean_body(data.get("body", ""))
    data["headline"] = (data.get("headline") or "").strip()
    if not data.get("slug"):
        data["slug"] = article.slug or unique_slug(
            data["headline"], Article, article.pk, max_length=200
        )
    seen, bylines = set(), []
    for byline in data.get("bylines", []):
        if byline["author"] not in seen:
            seen.add(byline["author"])
            bylines.append({"author": byline["author"], "role": byline.get("role") or "writer"})
    data["bylines"] = bylines
    # A tag needs a letter or digit to have an address ("???" has none).
    data["tags"] = sorted(
        {t.strip() for t in data.get("tags", []) if t and slugify(t, allow_unicode=True)}
    )
    data["related"] = [pk for pk in dict.fromkeys(data.get("related", [])) if pk != article.pk]
    return data


def _apply(article: Article, data: dict):
    """Make the row (and its bylines, tags, picks) hold ``data``."""
    old_slug = article.slug
    assign_content(article, data)
    if article.slug != old_slug and article.published_at and article.status != Status.NOT_PUBLISHED:
        # Readers and search engines know the old address: keep it working with a 301.
        SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})
        SlugRedirect.objects.filter(old_slug=article.slug).delete()
    article.save()
    Byline.objects.filter(article=article).delete()
    Byline.objects.bulk_create(
        Byline(article=article, author_id=b["author"], role=b["role"], position=i)
        for i, b in enumerate(data.get("bylines", []))
    )
    article.tags.set(data.get("tags", []))
    RelatedLink.objects.filter(from_article=article).delete()
    RelatedLink.objects.bulk_create(
        RelatedLink(from_article=article, to_article_id=pk, position=i)
        for i, pk in enumerate(data.get("related", []))
    )
    update_search_vector(article)


def _public_keys(article: Article) -> list[str]:
    """The page-cache keys of every page this story is on, as the row stands now."""
    return purging.story_keys(
        article,
        bylines=Byline.objects.filter(article=article).values_list("author_id", flat=True),
        tags=TaggedArticle.objects.filter(content_object=article).values_list("tag_id", flat=True),
    )


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _audit(article, action, by, note="", notified=(), revision=None) -> AuditEntry:
    return AuditEntry.objects.create(
        article=article,
        article_headline=article.headline[:200],
        action=action,
        user=by if getattr(by, "pk", None) else None,
        revision_number=revision if revision is not None else article.revision_number,
        note=note,
        notified=", ".join(notified),
    )


def _new_revision(article, data, by, *, substantive=False, note="") -> Revision:
    number = article.revision_number + 1
    revision = Revision.objects.create(
        article=article,
        number=number,
        data=data,
        created_by=by if getattr(by, "pk", None) else None,
        substantive=substantive,
        note=note[:300],
    )
    article.revision_number = number
    return revision


def latest_data(article: Article) -> dict:
    """The newest version's content: the pending revision for a live story, else the row."""
    if article.has_pending_changes:
        return Revision.objects.get(article=article, number=article.revision_number).data
    return snapshot(article)

"""What the workflow allows: who may do what, and the errors a wrong move raises."""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from articles.models import (
    Article,
    AuditEntry,
    Byline,
)
from common.qeval import holds

log = logging.getLogger(__name__)


Status, Stage, Action = Article.Status, Article.Stage, AuditEntry.Action

# The fields a revision carries besides bylines, tags and related picks.
FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "section",
    "hero_image",
    "hero_caption",
    "seo_title",
    "seo_description",
    "is_lead",
]
FK_FIELDS = {"section", "hero_image"}
# How far ahead a publication or unpublish time may be: near year 9999 date arithmetic (the
# related-stories window) overflows, and a story due in 2226 is a mistyped year.
LATEST_SCHEDULE = timedelta(days=100 * 366)


class WorkflowError(Exception):
    """A move the story's current state does not allow."""


class StaleRevision(WorkflowError):
    """The story was saved by someone else since this editor loaded it."""


# --- Who may do what -------------------------------------------------------------------------


def can_publish(user) -> bool:
    """Publish, schedule, unpublish, correct and restore: editors."""
    return bool(user and user.is_active and user.has_perm("articles.publish_article"))


def can_review(user) -> bool:
    """Approve or send back: editors."""
    return bool(user and user.is_active and user.has_perm("articles.review_article"))


# Who may edit and who may see which stories, each written once as a query filter: the admin's
# lists (story list, its filters and counts, search, date hierarchy, autocompletes, the desk)
# filter with it, and ``can_edit`` / ``can_view`` ask the same ``Q`` of one story in Python
# (common.qeval), so a list never shows a story whose own page refuses the user.
EVERY_STORY = Q()
NO_STORY = Q(pk__in=[])


def _own_or_bylined(user) -> Q:
    """Stories ``user`` wrote or is a byline on (through the author profile linked to the
    login), as one ``id IN (SELECT ... UNION ALL SELECT ...)``: two index lookups, then the
    few stories by their primary key. Written as ``created_by = X OR id IN (...)`` PostgreSQL
    walked the whole table with the subquery as a filter (65 ms at 100,000 stories)."""
    own = Article.objects.filter(created_by_id=user.pk).order_by().values("pk")
    bylined = Byline.objects.filter(author__user_id=user.pk).order_by().values("article_id")
    return Q(pk__in=own.union(bylined, all=True))


def editable_by(user) -> Q:
    """Editors edit any story; writers their own and those they are a byline on; contributors
    their own until it is published."""
    if not (user and user.is_active and user.has_perm("articles.change_article")):
        return NO_STORY
    if user.has_perm("articles.edit_any_article"):
        return EVERY_STORY
    if user.has_perm("articles.edit_bylined_article"):
        return _own_or_bylined(user)
    return Q(created_by_id=user.pk, status=Status.NOT_PUBLISHED)


def viewable_by(user) -> Q:
    """Editors see every story; contributors and writers their own, those they are a byline
    on, and any they may edit (for them always one of the first two: ``editable_by``)."""
    if not (user and user.is_active and user.has_perm("articles.view_article")):
        return NO_STORY
    if user.has_perm("articles.edit_any_article"):
        return EVERY_STORY
    return _own_or_bylined(user)


def can_edit(user, article: Article | None = None) -> bool:
    """May ``user`` edit ``article`` (``editable_by``)? Without a saved story: may they edit
    stories at all (the add form, the list's buttons)."""
    rule = editable_by(user)
    if article is None or article.pk is None:
        return rule is not NO_STORY
    return holds(rule, article)


def can_view(user, article: Article | None = None) -> bool:
    """May ``user`` open ``article`` in the admin (``viewable_by``)? Without a saved story: may
    they open the story list at all."""
    rule = viewable_by(user)
    if article is None or article.pk is None:
        return rule is not NO_STORY
    return holds(rule, article)


def can_delete(user, article: Article) -> bool:
    """Superusers may delete anything; others only drafts never published, and only their own
    (or any, for editors). A story readers have seen is unpublished instead."""
    if not (user and user.is_active):
        return False
    if user.is_superuser:
        return True
    never_published = article.status == Status.NOT_PUBLISHED
    return never_published and user.has_perm("articles.delete_article") and can_edit(user, article)


def _require(allowed: bool, message: str):
    if not allowed:
        raise PermissionDenied(message)


def _plain_text(value, what: str) -> str:
    """A note or correction text, stripped; a NUL character (which PostgreSQL cannot store)
    is refused rather than failing the request."""
    text = (value or "").strip()
    if "\x00" in text:
        raise WorkflowError(
            f"The {what} contains a null character, which cannot be stored. Retype it."
        )
    return text

"""What the workflow allows: who may do what, and the errors a wrong move raises."""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied

from articles.models import (
    Article,
    AuditEntry,
)

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


def can_edit(user, article: Article | None = None) -> bool:
    """Editors edit any story; writers their own and those they are a byline on; contributors
    their own until it is published."""
    if not (user and user.is_active and user.has_perm("articles.change_article")):
        return False
    if article is None or article.pk is None or user.has_perm("articles.edit_any_article"):
        return True
    own = article.created_by_id == user.pk
    if user.has_perm("articles.edit_bylined_article"):
        return own or article.bylines.filter(author__user=user).exists()
    return own and article.status == Status.NOT_PUBLISHED


def can_view(user, article: Article | None = None) -> bool:
    """Editors see every story; contributors and writers their own, those they are a byline
    on, and any they may edit."""
    if not (user and user.is_active and user.has_perm("articles.view_article")):
        return False
    if article is None or article.pk is None or user.has_perm("articles.edit_any_article"):
        return True
    if article.created_by_id == user.pk:
        return True
    return article.bylines.filter(author__user=user).exists() or can_edit(user, article)


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

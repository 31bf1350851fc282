"""The one place that changes a story's editorial state.

Admin buttons, admin actions, management commands and tests call these functions; nothing else
assigns ``Article.status``. Each checks permission on the server, refuses a wrong move with
``WorkflowError`` and makes its change in one transaction.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import Article


class WorkflowError(Exception):
    """A move the story's current state does not allow."""


def can_publish(user) -> bool:
    return bool(user and user.has_perm("articles.publish_article"))


def _require_publisher(user):
    if not can_publish(user):
        raise PermissionDenied("Only editors may publish or unpublish stories.")


@transaction.atomic
def publish(article: Article, *, by, at=None) -> Article:
    """Publish ``article`` now, or at ``at`` (a future time makes it appear then, by the clock).

    A story that was published before keeps its first publication time unless ``at`` is given.
    """
    _require_publisher(by)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status == Article.Status.PUBLISHED and at is None:
        raise WorkflowError("This story is already published.")
    if not article.headline.strip() or not article.body.strip():
        raise WorkflowError("A story needs a headline and a body before it can be published.")
    now = timezone.now()
    article.status = Article.Status.PUBLISHED
    if at is not None:
        article.published_at = at
    elif article.published_at is None or article.published_at > now:
        article.published_at = now
    article.updated_at = article.updated_at or article.published_at
    article.save(update_fields=["status", "published_at", "updated_at", "modified_at"])
    return article


@transaction.atomic
def unpublish(article: Article, *, by) -> Article:
    """Take ``article`` off the public site; it goes back to being a draft."""
    _require_publisher(by)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status != Article.Status.PUBLISHED:
        raise WorkflowError("This story is not published.")
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "modified_at"])
    return article

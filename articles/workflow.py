"""The one place that changes a story's editorial state.

Admin buttons, admin actions, management commands and tests call these functions; nothing else
assigns ``Article.status``. Each checks permission on the server, refuses a wrong move with
``WorkflowError`` and makes its change in one transaction.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import Article

log = logging.getLogger(__name__)


class WorkflowError(Exception):
    """A move the story's current state does not allow."""


def can_publish(user) -> bool:
    return bool(user and user.has_perm("articles.publish_article"))


def _require_publisher(user):
    if not can_publish(user):
        raise PermissionDenied("Only editors may publish, schedule or unpublish stories.")


@transaction.atomic
def publish(article: Article, *, by, at=None) -> Article:
    """Publish ``article`` now, or schedule it for ``at``.

    A scheduled story is visible to readers from ``at`` by the clock (the visibility rule),
    whether or not ``publish_due`` has run yet. A story published before keeps its first
    publication time when published again without ``at``.
    """
    _require_publisher(by)
    article = Article.objects.select_for_update().get(pk=article.pk)
    now = timezone.now()
    if article.status == Article.Status.PUBLISHED and at is None:
        raise WorkflowError("This story is already published.")
    if not article.headline.strip() or not article.body.strip():
        raise WorkflowError("A story needs a headline and a body before it can be published.")
    first_time = article.status == Article.Status.SCHEDULED or article.updated_at is None
    if at is not None and at > now:
        article.status = Article.Status.SCHEDULED
        article.published_at = at
    else:
        article.status = Article.Status.PUBLISHED
        if at is not None:
            article.published_at = at
        elif article.published_at is None or article.published_at > now:
            article.published_at = now
    if first_time or article.updated_at < article.published_at:
        # Not yet seen by readers: nothing was updated, whatever the schedule was before.
        article.updated_at = article.published_at
    article.save(update_fields=["status", "published_at", "updated_at", "modified_at"])
    return article


@transaction.atomic
def unpublish(article: Article, *, by) -> Article:
    """Take ``article`` off the public site (or cancel its schedule); it becomes a draft."""
    _require_publisher(by)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status not in Article.VISIBLE_STATES:
        raise WorkflowError("This story is not published or scheduled.")
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "modified_at"])
    return article


def publish_due(now=None) -> list[int]:
    """Mark scheduled stories whose time has come as published; return their ids.

    Readers already see them (the rule compares with the clock); this records the change of
    state. Each story is claimed with a conditional UPDATE, so when two workers run at once
    every story is marked by exactly one of them.
    """
    now = now or timezone.now()
    due = Article.objects.filter(status=Article.Status.SCHEDULED, published_at__lte=now)
    done = []
    for pk in due.values_list("pk", flat=True):
        claimed = Article.objects.filter(pk=pk, status=Article.Status.SCHEDULED).update(
            status=Article.Status.PUBLISHED, modified_at=now
        )
        if claimed == 1:
            done.append(pk)
            log.info("Scheduled story %s is now published", pk)
    return done

"""What readers get: a story's publication state, and the one rule that says what they see.

A story is visible when its state is one readers can get (scheduled or published), its
publication time has come, and its unpublish time, if it has one, has not. Comparing with the
clock (not only the state) is what makes a scheduled story appear on time even if no worker
ran. Every other question about visibility is built from the parts below, never restated:
``Article.objects.published()`` and ``gone()``, ``Article.is_live`` (the same ``Q``,
evaluated in Python), ``publish_due``, the page cache's next change, the admin's publication
filter, and the partial indexes (whose condition is the state part, ``in_visible_state()``).
"""

from django.db import models
from django.db.models import Q


class Status(models.TextChoices):
    """Publication state: what readers get. Separate from the workflow stage."""

    NOT_PUBLISHED = "not_published", "Not published"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


# A scheduled story is visible from its time by the clock alone; publish_due only records
# that it went live. Both states therefore count for readers.
VISIBLE_STATES = (Status.SCHEDULED, Status.PUBLISHED)


def in_visible_state() -> Q:
    """The state part of the rule: the condition of the partial indexes reader queries use."""
    return Q(status__in=list(VISIBLE_STATES))


def started(now) -> Q:
    return Q(published_at__lte=now)


def visible(now) -> Q:
    """The rule. ``now`` may be a marker a compiled query fills in when it runs."""
    return (
        in_visible_state() & started(now) & (Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now))
    )


def ended(now) -> Q:
    """Visible once by the rule, and its unpublish time has passed (publish_due records it)."""
    return in_visible_state() & started(now) & Q(unpublish_at__lte=now)


def gone(now) -> Q:
    """Readers could see it once and no longer can: its address answers 410, not 404."""
    return started(now) & (Q(status=Status.UNPUBLISHED) | ended(now))


def due(now) -> Q:
    """Scheduled, and its time has come: visible already, for publish_due to record."""
    return Q(status=Status.SCHEDULED) & started(now)


def not_yet(now) -> Q:
    """Set to be visible at a later time (the admin's "Scheduled")."""
    return in_visible_state() & Q(published_at__gt=now)


def upcoming_changes(now) -> list[tuple[str, Q]]:
    """Where the clock alone next changes what the rule says: for each time column, the rows
    whose time in it is still ahead (the earliest of them is the next change)."""
    return [
        ("published_at", not_yet(now)),
        ("unpublish_at", in_visible_state() & Q(unpublish_at__gt=now)),
    ]

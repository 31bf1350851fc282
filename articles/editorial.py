"""Editorial records around a story: revisions, audit entries, corrections, locks, previews.

Rows here are written by ``articles.workflow`` only (and read by the admin and public pages).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.times import shown


class Revision(models.Model):
    """A complete copy of a story's editorial content (fields, bylines, tags, picks)."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    data = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    substantive = models.BooleanField(
        default=False, help_text="Readers are told the story was updated when this goes live."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number_once"),
        ]

    def __str__(self):
        return f"Revision {self.number}"


class AuditEntry(models.Model):
    """Who did what to which story, when, and at which revision. Kept when a story is deleted."""

    class Action(models.TextChoices):
        CREATE = "create", "created"
        EDIT = "edit", "edited"
        SUBMIT = "submit", "submitted for review"
        APPROVE = "approve", "approved"
        SEND_BACK = "send_back", "sent back"
        PUBLISH = "publish", "published"
        PUBLISH_CHANGES = "publish_changes", "published changes"
        SCHEDULE = "schedule", "scheduled"
        WENT_LIVE = "went_live", "went live as scheduled"
        UNPUBLISH = "unpublish", "unpublished"
        CORRECT = "correct", "added a correction"
        RESTORE = "restore", "restored a revision"
        DELETE = "delete", "deleted"
        TAKE_OVER = "take_over", "took over editing"
        PREVIEW_LINK = "preview_link", "shared a preview link"
        REVOKE_LINK = "revoke_link", "revoked a preview link"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, related_name="audit_entries"
    )
    article_headline = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    notified = models.TextField(blank=True, help_text="Who was told by email.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        who = self.user or "the scheduler"
        return f"{who} {self.get_action_display()} “{self.article_headline}”"


class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.PROTECT, related_name="corrections"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(help_text="What was wrong and what is right now. Plain text.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} to “{self.article}”"


class EditLock(models.Model):
    """A soft lock: who has the story open in the admin. Advisory only; the revision check is
    what actually prevents lost work.

    The open page keeps it alive with a heartbeat every ``HEARTBEAT``; it lapses ``TTL`` after
    the last one (a crashed browser, a lost connection) and is released at once when the tab
    closes. ``token`` names the page view that holds it, so the release sent by a page being
    left cannot drop the lock the next page (the same story after a save) has just taken.
    """

    TTL = timedelta(minutes=2)
    HEARTBEAT = timedelta(seconds=30)

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="lock"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(default=timezone.now)
    token = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.user} editing until {shown(self.expires_at, 'TIME_FORMAT')}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()

    @property
    def holder_name(self) -> str:
        """The person, as colleagues know them: full name, else the login name."""
        return self.user.get_full_name().strip() or self.user.get_username()


class Autosave(models.Model):
    """One person's unsaved form, kept every few seconds while they edit: private to them (no
    revision, never shown to anyone else or to readers), offered back when they reopen the
    story after a crash, a closed tab or a lost connection, and deleted when they save.

    ``article`` is empty for the add page: a new story not saved yet (one per person).
    ``data`` is the form as the browser would post it (field name to list of values); it is
    validated and sanitised like a save when it is restored, not when it is kept.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="autosaves",
    )
    data = models.JSONField()
    base_revision = models.PositiveIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=models.Q(article__isnull=False),
                name="autosave_once_per_story",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(article__isnull=True),
                name="autosave_once_per_new_story",
            ),
        ]

    def __str__(self):
        return f"Autosave by {self.user} at {self.saved_at:%H:%M}"


def _preview_token() -> str:
    return secrets.token_urlsafe(24)


def _preview_expiry():
    return timezone.now() + timedelta(hours=48)


class PreviewLink(models.Model):
    """A read-only link to one revision of a story, for someone without an account."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="preview_links"
    )
    revision_number = models.PositiveIntegerField()
    token = models.CharField(max_length=64, unique=True, default=_preview_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_preview_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview of “{self.article}” (revision {self.revision_number})"

    def get_absolute_url(self):
        # The token is signed so a tampered or guessed address is refused before the database
        # is asked; revocation and expiry are checked against the row.
        return reverse(
            "articles:shared-preview",
            kwargs={"token": signing.Signer(salt="preview").sign(self.token)},
        )

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class SlugRedirect(models.Model):
    """An address a published story had before its slug changed: answered with a 301."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="old_slugs"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"


class LegacyRedirect(models.Model):
    """An address a story had on the site Newsroom replaced (e.g. a WordPress permalink):
    answered with a 301 to the story, as long as readers may see it."""

    old_path = models.CharField(
        max_length=500,
        unique=True,
        help_text="Path and query, e.g. /2019/05/03/my-post/ or /?p=123",
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="legacy_paths"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.old_path} → {self.article}"

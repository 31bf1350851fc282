"""The purge outbox: one row per purge and cache tier, written in the same transaction as the
change that needs it, deleted once that tier has confirmed it (pagecache/outbox.py)."""

from django.db import models
from django.utils import timezone


class PendingPurge(models.Model):
    """Surrogate keys a cache tier has not yet confirmed purging."""

    tier = models.CharField(max_length=300, help_text="pagecache.tiers.Tier.name")
    # " key key ... ": space-separated and space-framed, so that a story's rows are found by a
    # plain LIKE on any database (``keys__contains=" article:12 "``).
    keys = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    # When the tier first confirmed this purge; set while its repeat is due (outbox.REPEAT).
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tier", "next_attempt_at"], name="pendingpurge_due")]
        verbose_name = "pending purge"

    def __str__(self):
        return f"{self.tier}: {self.keys.strip()}"

    @staticmethod
    def pack(keys) -> str:
        return " " + " ".join(keys) + " "

    @property
    def key_list(self) -> list[str]:
        return self.keys.split()

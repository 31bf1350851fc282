import re

from django.conf import settings
from django.db import models

from common.images import normalise_image_name, validate_image_file
from common.slugs import unique_slug
from common.urls import cached_reverse

# Profile links readers may follow. The admin form only takes http(s) URLs, but a row written
# another way (a shell, an import, an older form) is checked again here, where it becomes a link.
_WEB_URL = re.compile(r"https?://[^\s]", re.IGNORECASE)


class AuthorQuerySet(models.QuerySet):
    def active(self):
        """Profiles readers may see: inactive ones (people who left) keep their bylines only."""
        return self.filter(is_active=True)


class Author(models.Model):
    """A byline: a public profile, separate from a login account and optionally linked to one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The staff login of this person, if they have one.",
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    short_bio = models.CharField(
        max_length=280, blank=True, help_text="One or two sentences, shown under each story."
    )
    bio = models.TextField(blank=True, help_text="The full biography on the author page.")
    photo = models.ImageField(
        upload_to="authors/",
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        validators=[validate_image_file],
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    email = models.EmailField(blank=True, help_text="Shown publicly on the author page.")
    website = models.URLField(blank=True)
    x_url = models.URLField("X (Twitter) profile", blank=True)
    bluesky_url = models.URLField("Bluesky profile", blank=True)
    mastodon_url = models.URLField("Mastodon profile", blank=True)
    linkedin_url = models.URLField("LinkedIn profile", blank=True)
    instagram_url = models.URLField("Instagram profile", blank=True)
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive authors keep their bylines but lose their page."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name, Author, self.pk, max_length=140)
        normalise_image_name(self.photo)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return cached_reverse("authors:detail", slug=self.slug)

    @property
    def social_links(self) -> list[tuple[str, str]]:
        """(label, url) for every public profile link, website first; anything that is not a
        plain http(s) address (``javascript:``, ``data:``...) is left out, never linked."""
        pairs = [
            ("Website", self.website),
            ("X", self.x_url),
            ("Bluesky", self.bluesky_url),
            ("Mastodon", self.mastodon_url),
            ("LinkedIn", self.linkedin_url),
            ("Instagram", self.instagram_url),
        ]
        return [(label, url) for label, url in pairs if url and _WEB_URL.match(url)]

    @property
    def same_as(self) -> list[str]:
        """The profile URLs schema.org calls ``sameAs``."""
        return [url for _label, url in self.social_links]

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()

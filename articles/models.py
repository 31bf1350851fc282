import math
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from common.images import normalise_image_name, validate_image_file
from common.qeval import holds
from common.slugs import unique_slug

from . import publication
from .links import section_url, story_url
from .sanitize import clean_body

# What the body editor offers; articles.sanitize.ALLOWED_TAGS is the server-side allowlist that
# every save applies, whatever the editor sent.
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Figure": True,
    "Caption": True,
    "Image": True,
    "History": True,
}


# An adult reading news on a screen: about 230 words a minute.
WORDS_PER_MINUTE = 230
_TAG = re.compile(r"<[^>]*>")


def reading_minutes(body: str) -> int:
    """Minutes to read a sanitised body, rounded up; 0 for a body without words."""
    words = len(_TAG.sub(" ", body or "").split())
    return math.ceil(words / WORDS_PER_MINUTE)


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="Shown at the top of the section page.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the navigation: lower comes first."
    )
    in_navigation = models.BooleanField(default=True)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="edited_sections",
        help_text="Told by email when a story in this section is submitted, approved or published.",
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return section_url(self.slug)


class Image(models.Model):
    """An uploaded picture with the metadata every use of it needs (alt text, credit)."""

    file = models.ImageField(
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        help_text="JPEG, PNG, WebP or GIF. The file's content is checked, not its name.",
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt_text = models.CharField(
        max_length=300,
        help_text="What the picture shows, for readers who cannot see it. Required.",
    )
    caption = models.CharField(max_length=400, blank=True)
    credit = models.CharField(max_length=150, help_text="Photographer / agency. Required.")
    focal_x = models.FloatField(
        "focal point, across",
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 is the left edge, 1 the right: crops keep this point in view.",
    )
    focal_y = models.FloatField(
        "focal point, down",
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 is the top edge, 1 the bottom.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    # What a story card's picture needs (articles/renditions.py): the file, its size and focal
    # point. Every loader of cards reads this list (articles/reading/cards.py).
    CARD_FIELDS = ["id", "file", "width", "height", "alt_text", "focal_x", "focal_y"]

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.alt_text[:80]

    def save(self, *args, **kwargs):
        normalise_image_name(self.file)
        super().save(*args, **kwargs)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Visible to readers now: published, and its publication time has come.

        The single visibility rule: every reader-facing query starts here. Comparing with the
        clock (not only the status) is what makes a scheduled story appear on time even if no
        background job ran. ``now`` is for a query compiled once and run later
        (common.prepared): the moment it is run.
        """
        return self.filter(publication.visible(now or timezone.now()))

    def overdue(self):
        """Scheduled stories whose time passed without publish_due recording them: the admin
        flags these (is the worker running?)."""
        return self.filter(publication.due(timezone.now() - Article.OVERDUE_AFTER))

    def gone(self):
        """Stories readers could see once and can no longer: they answer 410, not 404."""
        return self.filter(publication.gone(timezone.now()))

    def with_bylines(self):
        """Bylines in order with just what a story card or a feed item names of their authors
        (not the profile: bio, photo, links)."""
        bylines = (
            Byline.objects.select_related("author")
            .order_by("position", "pk")
            .only("article_id", "author_id", "role", "position", "author__name", "author__slug")
        )
        # Into a plain list (``byline_list``): Django builds a related manager's queryset for
        # every story otherwise, about 50 µs each, which on the front page's sixty cards cost
        # more than the query.
        return self.prefetch_related(
            Prefetch("bylines", queryset=bylines, to_attr="prefetched_bylines")
        )

    def cards(self):
        """Story cards: the columns a card shows (``Article.CARD_FIELDS``), with its section and
        picture; not the body or the search vector (kilobytes a story that no card shows)."""
        return self.select_related("section", "hero_image").only(
            *Article.CARD_FIELDS,
            *(f"section__{f.attname}" for f in Section._meta.concrete_fields),
            *(f"hero_image__{name}" for name in Image.CARD_FIELDS),
        )

    def for_listing(self):
        """What a story card needs: section, hero image and bylines, in three queries total."""
        return self.cards().with_bylines().order_by("-published_at", "-pk")

    def newest_and_lead(self, count: int) -> Q:
        """A filter for the newest ``count`` stories and the newest lead pick (front page).

        Two LIMITed index scans joined by UNION ALL; the OR of two IN-subqueries that SQLite
        needs (it cannot limit the parts of a compound query) would make PostgreSQL walk every
        published story."""
        ordered = self.order_by("-published_at", "-pk")
        newest = ordered.values("pk")[:count]
        lead = ordered.filter(is_lead=True).values("pk")[:1]
        if connection.features.supports_slicing_ordering_in_compound:
            return Q(pk__in=newest.union(lead, all=True))
        return Q(pk__in=newest) | Q(pk__in=lead)


class Article(models.Model):
    Status = publication.Status

    class Stage(models.TextChoices):
        """Workflow stage: where the newest version is in review."""

        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back"

    VISIBLE_STATES = publication.VISIBLE_STATES
    # What a story card shows, and what its address and page-cache keys need: every loader of
    # cards (a queryset, a row, a JSON object built by the database) reads this one list
    # (articles/reading/cards.py), and the card's template (includes/story_card.html) shows it.
    CARD_FIELDS = ["id", "headline", "slug", "standfirst", "section_id", "hero_image_id",
                   "published_at", "created_at", "status", "unpublish_at", "is_lead",
                   "reading_time"]  # fmt: skip
    # publish_due runs every minute; a scheduled story still unrecorded after this is overdue.
    OVERDUE_AFTER = timedelta(minutes=2)

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="The last part of the story's web address. Made from the headline if empty.",
    )
    standfirst = models.CharField(
        "standfirst",
        max_length=600,
        blank=True,
        help_text="The summary under the headline (the dek).",
    )
    body = ProseEditorField(
        config={"extensions": BODY_EDITOR_EXTENSIONS},
        sanitize=True,
        blank=True,
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    authors = models.ManyToManyField(
        "authors.Author", through="Byline", related_name="articles", blank=True
    )
    tags = TaggableManager(through="TaggedArticle", blank=True)
    hero_image = models.ForeignKey(
        Image, on_delete=models.PROTECT, null=True, blank=True, related_name="hero_of"
    )
    hero_caption = models.CharField(
        max_length=400, blank=True, help_text="Caption for this story; the image's own if empty."
    )
    related = models.ManyToManyField(
        "self",
        through="RelatedLink",
        symmetrical=False,
        related_name="picked_by",
        blank=True,
    )
    seo_title = models.CharField(
        "SEO title",
        max_length=120,
        blank=True,
        help_text="For search engines; the headline if empty.",
    )
    seo_description = models.CharField(
        "SEO description",
        max_length=300,
        blank=True,
        help_text="For search results; the standfirst if empty.",
    )
    is_lead = models.BooleanField(
        "lead story",
        default=False,
        help_text="Lead the front page. The newest lead story wins; without one, the newest story.",
    )
    status = models.CharField(
        "publication",
        max_length=20,
        choices=Status.choices,
        default=Status.NOT_PUBLISHED,
        editable=False,
    )
    stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.DRAFT, editable=False
    )
    published_at = models.DateTimeField(
        null=True, blank=True, db_index=True, editable=False, help_text="First publication time."
    )
    unpublish_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The newest revision, and the one the row holds while the story is published or
    # scheduled. Newer revisions of such a story are pending changes until an editor publishes
    # them; a story readers do not get has its newest revision in the row.
    revision_number = models.PositiveIntegerField(default=0, editable=False)
    live_revision_number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="articles_created",
    )
    updated_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Time of the last update readers are told about.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    reading_time = models.PositiveSmallIntegerField(
        "reading time",
        default=0,
        editable=False,
        help_text="Minutes to read the body, shown as “N min read”; worked out at every save.",
    )
    # Weighted full-text vector (headline, standfirst, body, tags, authors), kept by
    # articles.search whenever the row's content changes; GIN-indexed on PostgreSQL.
    search_vector = SearchVectorField(null=True, editable=False)
    # When the links under the story (StoryLink) were last worked out; empty means "work them
    # out when the story is next shown" (imported stories, or a neighbour changed).
    links_computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            # The live version is one of the story's revisions (never one not yet written).
            models.CheckConstraint(
                condition=Q(live_revision_number__isnull=True)
                | Q(live_revision_number__lte=F("revision_number")),
                name="article_live_revision_exists",
            ),
            # A story readers can get (or will, at its time) has a publication time.
            models.CheckConstraint(
                condition=~publication.in_visible_state() | Q(published_at__isnull=False),
                name="article_visible_has_time",
            ),
        ]
        permissions = [
            ("publish_article", "Can publish, schedule, unpublish, correct and restore stories"),
            ("review_article", "Can approve stories or send them back"),
            ("edit_any_article", "Can edit any story"),
            ("edit_bylined_article", "Can edit stories they are a byline on"),
        ]
        indexes = [
            # Listings: newest published first, overall and per section.
            models.Index(
                fields=["-published_at", "-id"],
                name="article_pub_idx",
                condition=publication.in_visible_state(),
            ),
            models.Index(
                fields=["section", "-published_at"],
                name="article_section_pub_idx",
                condition=publication.in_visible_state(),
            ),
            # The admin story list's publication and stage filters: an archive is almost all
            # published and approved, and these look for the few stories that are not
            # (drafts, in review, unpublished, overdue), newest first.
            models.Index(fields=["status", "-published_at"], name="article_status_idx"),
            models.Index(fields=["stage", "-published_at"], name="article_stage_idx"),
            # The admin story list sorted by its Publication column (status, then the newest
            # row first), either way: a sort of the whole table without them (0.5 s at a
            # million stories).
            models.Index(fields=["status", "-id"], name="article_status_sort_idx"),
            models.Index(fields=["-status", "-id"], name="article_status_rsort_idx"),
            # The admin story list sorted by headline, either way: the first page is one step
            # down this index instead of a sort of the whole table (43 ms at 100,000 stories).
            models.Index(fields=["headline"], name="article_headline_idx"),
            # "Live with pending changes": the few stories whose newest revision is not the
            # live one (a seq scan of the table, 16 ms at 100,000, without it).
            models.Index(
                fields=["-published_at", "-id"],
                name="article_pending_idx",
                condition=Q(
                    live_revision_number__isnull=False,
                    revision_number__gt=F("live_revision_number"),
                ),
            ),
            # The newest change readers were told of (sitemaps' lastmod): a step down this
            # index instead of a MAX over every published story (a sequential scan, 0.5 s at
            # a million stories).
            models.Index(
                Coalesce("updated_at", "published_at").desc(),
                name="article_change_idx",
                condition=publication.in_visible_state(),
            ),
            # The front page's lead: a handful of rows, found without walking the archive.
            models.Index(
                fields=["-published_at"],
                name="article_lead_idx",
                condition=Q(is_lead=True) & publication.in_visible_state(),
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        # save() only derives fields; changes of state belong to articles.workflow.
        self.derive_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        local = timezone.localtime(self.published_at or self.created_at or timezone.now())
        return story_url(self.slug, local)

    def derive_fields(self) -> None:
        """Fields worked out from the story's content: what every save applies, and what the
        workflow's bulk entry point applies to rows it writes without ``save()``."""
        self.body = clean_body(self.body)
        self.reading_time = reading_minutes(self.body)
        if not self.slug:
            self.slug = unique_slug(self.headline, Article, self.pk, max_length=200)

    @property
    def is_live(self) -> bool:
        """Would ``published()`` give this row now? The same rule, evaluated in Python."""
        return holds(publication.visible(timezone.now()), self)

    @property
    def is_gone(self) -> bool:
        """Would ``gone()`` give this row now (readers saw it; it was taken down)?"""
        return holds(publication.gone(timezone.now()), self)

    @property
    def has_pending_changes(self) -> bool:
        """Edits saved since the version readers get (or will get at the scheduled time),
        waiting for an editor to publish them."""
        return (
            self.status in self.VISIBLE_STATES
            and self.live_revision_number is not None
            and self.revision_number > self.live_revision_number
        )

    @property
    def is_overdue(self) -> bool:
        """Scheduled, its time passed, and publish_due has not recorded it (is the worker up?)."""
        return holds(publication.due(timezone.now() - self.OVERDUE_AFTER), self)

    @property
    def byline_list(self) -> list["Byline"]:
        """Bylines in order (uses the prefetch of for_listing, or articles.reading.story_page's)."""
        prefetched = getattr(self, "prefetched_bylines", None)
        return prefetched if prefetched is not None else list(self.bylines.all())

    @property
    def display_caption(self) -> str:
        if self.hero_caption:
            return self.hero_caption
        return self.hero_image.caption if self.hero_image_id else ""

    @property
    def meta_description(self) -> str:
        return self.seo_description or self.standfirst

    @property
    def shows_updated(self) -> bool:
        """Readers are told of an update only when it came well after publication."""
        if not (self.updated_at and self.published_at):
            return False
        return (self.updated_at - self.published_at).total_seconds() > 60


class Byline(models.Model):
    """One author on one story, in order, with the part they played."""

    class Role(models.TextChoices):
        WRITER = "writer", "Writer"
        REPORTER = "reporter", "Reporter"
        CORRESPONDENT = "correspondent", "Correspondent"
        PHOTOGRAPHER = "photographer", "Photographer"
        EDITOR = "editor", "Editor"
        ANALYSIS = "analysis", "Analysis"
        ADDITIONAL_REPORTING = "additional", "Additional reporting"
        CONTRIBUTOR = "contributor", "Contributor"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT, related_name="bylines")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.WRITER)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_author_once"),
            # The byline order is one order: no two bylines of a story share a place.
            models.UniqueConstraint(fields=["article", "position"], name="byline_position_once"),
        ]

    def __str__(self):
        return f"{self.author} ({self.get_role_display()})"

    @property
    def role_note(self) -> str:
        """The role, when it says something the byline does not already ("photographer")."""
        if self.role in {self.Role.WRITER, self.Role.REPORTER}:
            return ""
        label = self.get_role_display().lower()
        return "" if label in self.author.job_title.lower() else label


class TaggedArticle(TaggedItemBase):
    """Tag links with a real foreign key, so tag pages and related stories join on an index."""

    content_object = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tagged")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_article_once"),
        ]


class RelatedLink(models.Model):
    """An editor's pick: a story shown first among "Related stories", in order."""

    from_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="picks")
    to_article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", verbose_name="related story"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "related story pick"
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article"], name="pick_once"),
            models.CheckConstraint(
                condition=~Q(from_article=F("to_article")), name="pick_not_itself"
            ),
        ]

    def __str__(self):
        return str(self.to_article)


class StoryLink(models.Model):
    """A story shown under another one: "Related stories" (the editor's picks, then automatic
    ones) and "Next in the section". Worked out when the story is published (or first shown)
    by articles.related, not on every view, so a story page costs one indexed query for them
    however large the archive. Readers still only see links to stories that are live now."""

    class Kind(models.TextChoices):
        RELATED = "related", "related story"
        NEXT = "next", "next in the section"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="story_links")
    story = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="linked_from")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["article", "kind", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "kind", "position"], name="story_link_position_once"
            ),
            models.CheckConstraint(condition=~Q(article=F("story")), name="story_link_not_itself"),
        ]

    def __str__(self):
        return f"{self.article_id} → {self.story_id} ({self.kind} {self.position})"


from .editorial import (  # noqa: E402  (models Django must find; they refer back to Article)
    AuditEntry,
    Autosave,
    Correction,
    EditLock,
    LegacyRedirect,
    PreviewLink,
    Revision,
    SlugRedirect,
)

__all__ = [
    "Article",
    "AuditEntry",
    "Autosave",
    "Byline",
    "Correction",
    "EditLock",
    "Image",
    "LegacyRedirect",
    "PreviewLink",
    "RelatedLink",
    "Revision",
    "Section",
    "SlugRedirect",
    "TaggedArticle",
]

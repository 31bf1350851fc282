"""Reading an import in JSON Lines (the format the benchmark corpus generator writes).

The file is UTF-8, one JSON object per line, each with a ``kind``; blank lines are ignored::

  {"kind": "section", "slug": "world", "name": "World"}
  {"kind": "author", "slug": "jane-doe", "name": "Jane Doe", "title": "Reporter", "bio": "..."}
  {"kind": "tag", "slug": "elections", "name": "Elections"}
  {"kind": "article", "slug": "polls-close", "title": "Polls close", "dek": "A summary.",
   "body_html": "<p>...</p>", "section": "world", "authors": ["jane-doe"],
   "tags": ["elections"], "published_at": "2024-05-03T09:30:00+00:00"}

Required: ``slug`` and ``name`` for sections, authors and tags; ``slug``, ``title``,
``body_html``, ``section`` and ``published_at`` for articles. Optional: an author's ``title``
(job title) and ``bio``; an article's ``dek`` (the standfirst), ``authors`` (the bylines, in
order) and ``tags``. An article may refer to sections, authors and tags defined anywhere in the
file or already in the database. ``published_at`` is ISO-8601; without an offset it is UTC.

Every line is read and checked before anything is written: invalid JSON, an unknown kind, a
missing or wrong field, a bad date, a slug used twice in the file, or a reference to a section,
author or tag that exists nowhere is reported with its line number (``BadImport``), and nothing
is written. The whole file is therefore held in memory: about 300 MB for 10,000 stories (a 50 MB
file). Rows whose slug is already in the database are skipped, so a second run adds nothing.
Stories are published (scheduled when ``published_at`` is still to come) through the workflow's
bulk entry point; an author's short bio is the first sentence of the bio.
"""

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug, validate_unicode_slug
from django.db import connection, transaction
from django.utils import timezone

from articles.importing.rows import (
    ARTICLE_SLUG,
    AUTHOR_NAME,
    AUTHOR_SLUG,
    AUTHOR_TITLE,
    HEADLINE,
    SECTION_NAME,
    SECTION_SLUG,
    STANDFIRST,
    TAG_NAME,
    TAG_SLUG,
    AuthorIn,
    BadImport,
    Result,
    SectionIn,
    Stage,
    Status,
    StoryIn,
    TagIn,
    short_bio_from,
)
from articles.importing.writer import BulkWriter
from articles.sanitize import clean_body
from articles.workflow import LATEST_SCHEDULE

MAX_ERRORS = 20  # Reported at once; a file with more has a systematic problem.


class Problems:
    """Errors found while reading, each naming its line; the first MAX_ERRORS are kept."""

    def __init__(self):
        self.messages: list[tuple[int, str]] = []
        self.count = 0

    def add(self, line: int, message: str):
        self.count += 1
        if len(self.messages) < MAX_ERRORS:
            self.messages.append((line, message))

    def raise_if_any(self, source: str):
        if not self.count:
            return
        lines = [f"  line {line}: {message}" for line, message in sorted(self.messages)]
        more = self.count - len(self.messages)
        if more:
            lines.append(f"  ... and {more} more")
        raise BadImport(
            f"{source} has {self.count} problem{'s' if self.count != 1 else ''}; "
            "nothing was imported:\n" + "\n".join(lines)
        )


class Invalid(Exception):
    """One field of one line is wrong (the message says which and why)."""


def text(obj: dict, name: str, *, required=True, max_length=None, strip=True) -> str:
    if name not in obj or obj[name] is None:
        if required:
            raise Invalid(f"missing field “{name}”")
        return ""
    value = obj[name]
    if not isinstance(value, str):
        raise Invalid(f"field “{name}” must be a string, not {type(value).__name__}")
    value = value.replace("\x00", "")  # PostgreSQL stores no NUL characters.
    if strip:
        value = value.strip()
    if required and not value:
        raise Invalid(f"field “{name}” is empty")
    if max_length and len(value) > max_length:
        raise Invalid(f"field “{name}” is longer than {max_length} characters")
    return value


def slug_field(obj: dict, *, max_length: int, unicode=False) -> str:
    value = text(obj, "slug", max_length=max_length)
    try:
        (validate_unicode_slug if unicode else validate_slug)(value)
    except ValidationError:
        kind = "letters" if unicode else "ASCII letters"
        raise Invalid(
            f"slug “{value}” may contain only {kind}, digits, hyphens and underscores"
        ) from None
    return value


def slug_list(obj: dict, name: str) -> list[str]:
    value = obj.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"field “{name}” must be a list of slugs (strings)")
    return value


def parse_time(obj: dict, name: str) -> datetime:
    raw = obj.get(name)
    if raw is None:
        raise Invalid(f"missing field “{name}”")
    try:
        if not isinstance(raw, str):
            raise ValueError
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(
            f"bad date in “{name}”: {json.dumps(raw)} (use ISO-8601, e.g. 2024-05-03T09:30:00Z)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class JsonLinesReader:
    """Reads and checks the whole file; keeps the rows to write, or the problems found."""

    KINDS = ("section", "author", "tag", "article")

    def __init__(self, now: datetime):
        self.now = now
        self.problems = Problems()
        self.sections: list[SectionIn] = []
        self.authors: list[AuthorIn] = []
        self.tags: list[TagIn] = []
        self.stories: list[StoryIn] = []
        self.first_line: dict[tuple[str, str], int] = {}

    def read(self, lines: Iterable[bytes | str]):
        for number, raw in enumerate(lines, 1):
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self.problems.add(number, f"not valid UTF-8 (byte {exc.start + 1})")
                    continue
            if number == 1:
                raw = raw.removeprefix("\ufeff")
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                self.problems.add(number, f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(obj, dict):
                self.problems.add(number, "expected a JSON object ({...})")
                continue
            kind = obj.get("kind")
            if kind not in self.KINDS:
                if kind is None:
                    message = "missing field “kind”"
                else:
                    message = f"unknown kind {json.dumps(kind)}"
                self.problems.add(number, f"{message} (expected one of {', '.join(self.KINDS)})")
                continue
            try:
                getattr(self, f"_{kind}")(number, obj)
            except Invalid as exc:
                self.problems.add(number, f"{kind}: {exc}")

    def _unique(self, kind: str, number: int, value: str):
        first = self.first_line.setdefault((kind, value), number)
        if first != number:
            raise Invalid(f"duplicate slug “{value}” (first used on line {first})")

    def _section(self, number, obj):
        row = SectionIn(
            number,
            slug_field(obj, max_length=SECTION_SLUG),
            text(obj, "name", max_length=SECTION_NAME),
        )
        self._unique("section", number, row.slug)
        self.sections.append(row)

    def _author(self, number, obj):
        bio = text(obj, "bio", required=False)
        row = AuthorIn(
            number,
            slug_field(obj, max_length=AUTHOR_SLUG),
            text(obj, "name", max_length=AUTHOR_NAME),
            job_title=text(obj, "title", required=False, max_length=AUTHOR_TITLE),
            bio=bio,
            short_bio=short_bio_from(bio),
        )
        self._unique("author", number, row.slug)
        self.authors.append(row)

    def _tag(self, number, obj):
        row = TagIn(
            number,
            slug_field(obj, max_length=TAG_SLUG, unicode=True),
            text(obj, "name", max_length=TAG_NAME),
        )
        self._unique("tag", number, row.slug)
        self.tags.append(row)

    def _article(self, number, obj):
        story_slug = slug_field(obj, max_length=ARTICLE_SLUG)
        headline = text(obj, "title", max_length=HEADLINE)
        standfirst = text(obj, "dek", required=False, max_length=STANDFIRST)
        body = clean_body(text(obj, "body_html", strip=False))
        if not body:
            raise Invalid("field “body_html” has no content once cleaned")
        section = text(obj, "section")
        authors = slug_list(obj, "authors")
        tags = slug_list(obj, "tags")
        published_at = parse_time(obj, "published_at")
        if published_at > self.now + LATEST_SCHEDULE:
            # The workflow refuses to schedule that far ahead: refused here, before any write.
            raise Invalid("“published_at” is more than a hundred years away: check the year")
        self._unique("article", number, story_slug)
        self.stories.append(
            StoryIn(
                line=number,
                slug=story_slug,
                headline=headline,
                standfirst=standfirst,
                body=body,
                section=section,
                authors=authors,
                tags=tags,
                published_at=published_at,
                status=Status.PUBLISHED if published_at <= self.now else Status.SCHEDULED,
                stage=Stage.APPROVED,
            )
        )

    def check_references(self, sections: set, authors: set, tags: set):
        for story in self.stories:
            missing = []
            if story.section not in sections:
                missing.append(f"section “{story.section}”")
            missing += [f"author “{a}”" for a in story.authors if a not in authors]
            missing += [f"tag “{t}”" for t in story.tags if t not in tags]
            if missing:
                self.problems.add(
                    story.line,
                    f"article refers to unknown {', '.join(missing)} "
                    "(defined neither in the file nor in the database)",
                )


def import_lines(lines: Iterable[bytes | str], source: str, *, warn, progress=None) -> Result:
    """Check every line of ``lines``, then write them all in one transaction. Raises
    ``BadImport`` naming each bad line (nothing written). ``source`` names the file in the
    audit trail ("Imported from ...") and in messages."""
    reader = JsonLinesReader(timezone.now())
    reader.read(lines)
    writer = BulkWriter(note=f"Imported from {source}", warn=warn, progress=progress)
    writer.plan(reader.sections, reader.authors, reader.tags, reader.stories)
    reader.check_references(*writer.known())
    reader.problems.raise_if_any(source)
    with transaction.atomic():
        result = writer.write()
    if connection.vendor == "postgresql" and result.articles.created:
        # A bulk load leaves the planner's statistics describing the table before it: without
        # this, the first queries after an import can pick sorts over the indexes for minutes.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE articles_article, articles_byline, articles_taggedarticle, taggit_tag"
            )
    return result


def import_file(path: str, *, warn, progress=None) -> Result:
    try:
        handle = open(path, "rb")  # noqa: SIM115  (closed below, after the import)
    except OSError as exc:
        raise BadImport(f"Cannot read {path}: {exc.strerror}") from exc
    with handle:
        return import_lines(handle, path, warn=warn, progress=progress)

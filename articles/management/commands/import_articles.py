"""``manage.py import_articles FILE.jsonl``: load sections, authors, tags and stories in bulk.

The file is JSON Lines in UTF-8: one JSON object per line, each with a ``kind``; blank lines are
ignored. ``-`` reads standard input. The format (the one the benchmark corpus generator writes)::

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

What it does:

* Every line is read and checked before anything is written: invalid JSON, an unknown kind, a
  missing or wrong field, a bad date, a slug used twice in the file, or a reference to a
  section, author or tag that exists nowhere is reported with its line number, the command
  fails, and the database is unchanged. The writing itself is one transaction.
* Rows are matched by slug. A section, author, tag or article whose slug is already in the
  database is left exactly as it is and counted as skipped, so a second run adds nothing.
  A new section or tag whose *name* another one already has gets " (2)", " (3)"... added (names
  are unique; slugs, the addresses, are kept), with a warning.
* Stories end up as ``articles.workflow`` would leave them, done in bulk (batches of 1,000):
  body sanitised with the site's allowlist; published (scheduled when ``published_at`` is still
  to come), approved, revision 1 live; bylines in order; tags; one revision holding the same
  snapshot ``workflow.snapshot()`` gives; an audit entry "created", noting the file; and, on
  PostgreSQL, the weighted search vector of ``articles.search`` (headline A; standfirst, tags
  and authors B; body C). On PostgreSQL rows go in with COPY and the vectors of each batch are
  computed by a second connection while this one inserts the batch before (see PostgresRows);
  elsewhere ``bulk_create`` (SQLite search does not use vectors). An author's short bio is the
  first sentence of the bio. Cached pages the new stories appear on are purged.
* A progress line on stderr, then a summary (created and skipped per kind, seconds, articles
  per second) on stdout.

The whole file is read and checked before anything is written, so it is held in memory:
about 300 MB for 10,000 stories (a 50 MB file).
"""

import io
import json
import re
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug, validate_unicode_slug
from django.db import connection, transaction
from django.db.models import JSONField
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.models import Tag

import pagecache
from articles import purging
from articles.models import Article, AuditEntry, Byline, Revision, Section, TaggedArticle
from articles.sanitize import clean_body
from articles.search import config as search_config
from authors.models import Author

BATCH_SIZE = 1000
MAX_ERRORS = 20  # Reported at once; a file with more has a systematic problem.

Status, Stage, Action = Article.Status, Article.Stage, AuditEntry.Action

# Field limits of the models, checked up front so PostgreSQL never refuses a row half-way.
SECTION_NAME, SECTION_SLUG = 80, 80
AUTHOR_NAME, AUTHOR_SLUG, AUTHOR_TITLE, AUTHOR_SHORT_BIO = 120, 140, 120, 280
TAG_NAME, TAG_SLUG = 100, 100
HEADLINE, ARTICLE_SLUG, STANDFIRST = 200, 200, 600


# --- What is imported ------------------------------------------------------------------------


@dataclass
class SectionIn:
    line: int
    slug: str
    name: str


@dataclass
class AuthorIn:
    line: int
    slug: str
    name: str
    job_title: str = ""
    bio: str = ""
    short_bio: str = ""
    email: str = ""


@dataclass
class TagIn:
    line: int
    slug: str
    name: str


@dataclass
class StoryIn:
    """One story to create. ``section``, ``authors`` and ``tags`` are slugs."""

    line: int
    slug: str
    headline: str
    body: str  # Already sanitised.
    section: str
    published_at: datetime | None
    status: str
    stage: str = Stage.APPROVED
    standfirst: str = ""
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # Called when the story is created (not when it is skipped): returns its hero Image or None.
    hero: Callable[[], object] | None = None
    # Old addresses (path and query) that should answer 301 to the story (LegacyRedirect).
    legacy_paths: list[str] = field(default_factory=list)


@dataclass
class Tally:
    created: int = 0
    skipped: int = 0


@dataclass
class Result:
    sections: Tally = field(default_factory=Tally)
    authors: Tally = field(default_factory=Tally)
    tags: Tally = field(default_factory=Tally)
    articles: Tally = field(default_factory=Tally)
    states: dict = field(default_factory=lambda: defaultdict(int))


def legacy_redirect_model():
    """The model old WordPress addresses are stored in, if this installation has it."""
    try:
        return apps.get_model("articles", "LegacyRedirect")
    except LookupError:
        return None


def rows_where(model, field_name: str, values, *columns):
    """``values_list(*columns)`` of the rows whose ``field_name`` is in ``values``, asked in
    chunks (SQLite limits the parameters of one query)."""
    values = list(dict.fromkeys(values))
    for start in range(0, len(values), 900):
        chunk = values[start : start + 900]
        yield from model._default_manager.filter(**{f"{field_name}__in": chunk}).values_list(
            *columns
        )


def short_bio_from(bio: str) -> str:
    """The first sentence of a biography, if it fits the one-line field."""
    first = re.split(r"(?<=[.!?])\s", bio.strip(), maxsplit=1)[0].strip()
    return first if len(first) <= AUTHOR_SHORT_BIO else ""


# --- Writing ---------------------------------------------------------------------------------


class BulkWriter:
    """Writes checked rows the way ``articles.workflow`` would, a batch of stories at a time.

    ``plan()`` reads what is already there (a handful of queries, no writes) and tells which
    slugs an article may refer to; ``write()`` does the inserts and must run inside a
    transaction. Used by import_articles and import_wordpress.
    """

    def __init__(
        self,
        *,
        note: str,
        warn: Callable[[str], None],
        progress: Callable[[int, int], None] | None = None,
        audit_states: bool = False,
        batch_size: int = BATCH_SIZE,
    ):
        self.note = note
        self.warn = warn
        self.progress = progress
        # import_wordpress also records "published"/"scheduled"/"submitted", as the workflow
        # would for a story made and then published through it.
        self.audit_states = audit_states
        self.batch_size = batch_size
        self.result = Result()
        self.seen_paths = set()
        self.redirects_written = 0

    # Reading what exists.

    def plan(self, sections, authors, tags, stories):
        self.sections, self.authors, self.tags, self.stories = sections, authors, tags, stories
        section_slugs = {s.slug for s in sections} | {s.section for s in stories}
        author_slugs = {a.slug for a in authors} | {a for s in stories for a in s.authors}
        tag_slugs = {t.slug for t in tags} | {t for s in stories for t in s.tags}
        self.section_ids = dict(rows_where(Section, "slug", section_slugs, "slug", "pk"))
        self.author_ids, self.author_names = {}, {}
        for key, pk, name in rows_where(Author, "slug", author_slugs, "slug", "pk", "name"):
            self.author_ids[key], self.author_names[key] = pk, name
        self.tag_ids, self.tag_names = {}, {}
        for key, pk, name in rows_where(Tag, "slug", tag_slugs, "slug", "pk", "name"):
            self.tag_ids[key], self.tag_names[key] = pk, name
        # Rows that were there before: their pages may be cached.
        self.old_sections = {s.section for s in stories} & set(self.section_ids)
        self.old_authors, self.old_tags = set(self.author_ids), set(self.tag_ids)
        existing = {
            row[0] for row in rows_where(Article, "slug", [s.slug for s in stories], "slug")
        }
        legacy = legacy_redirect_model()
        paths = [p for s in stories for p in s.legacy_paths]
        self.taken_paths = taken_paths = set()
        if legacy is not None and paths:
            self.taken_paths = taken_paths = {
                row[0] for row in rows_where(legacy, "old_path", paths, "old_path")
            }
        self.new_stories = []
        for story in stories:
            # Imported before: same slug, or its old address (the first, its permalink) is
            # already redirected (stories whose slug was made up on import).
            permalink = story.legacy_paths[0] if story.legacy_paths else None
            if story.slug in existing or permalink in taken_paths:
                self.result.articles.skipped += 1
            else:
                self.new_stories.append(story)

    def known(self):
        """Slugs an article may refer to: (sections, authors, tags)."""
        return (
            set(self.section_ids) | {s.slug for s in self.sections},
            set(self.author_ids) | {a.slug for a in self.authors},
            set(self.tag_ids) | {t.slug for t in self.tags},
        )

    # Writing.

    def write(self) -> Result:
        self._write_sections()
        self._write_authors()
        self._write_tags()
        stories = self.new_stories
        batches = [
            stories[start : start + self.batch_size]
            for start in range(0, len(stories), self.batch_size)
        ]
        done = 0
        if self.progress:
            self.progress(done, len(stories))
        if batches:
            rows = PostgresRows() if connection.vendor == "postgresql" else OrmRows()
            upcoming = iter(batches)
            queued = deque()

            def queue_next():
                batch = next(upcoming, None)
                if batch is not None:
                    queued.append((batch, rows.vectors([self._search_text(s) for s in batch])))

            try:
                # On PostgreSQL a second connection computes the vectors of the next batches
                # while this one inserts the current one (two batches ahead at most).
                queue_next()
                queue_next()
                while queued:
                    batch, batch_vectors = queued.popleft()
                    queue_next()
                    self._write_stories(batch, rows, batch_vectors)
                    done += len(batch)
                    if self.progress:
                        self.progress(done, len(stories))
            finally:
                rows.close()
        self._purge()
        return self.result

    def _unique_names(self, rows, model, *, max_length: int, fold_case=False) -> dict:
        """{slug: name}, giving a row whose name another row has (in the database or earlier in
        the file) a " (2)"-style suffix: names are unique, the slugs are what must be kept."""
        norm = str.lower if fold_case else str

        def taken_in_database(names) -> set:
            names = {norm(n) for n in names}
            rows = model.objects.annotate(key=Lower("name")) if fold_case else model.objects
            found = rows.filter(**{"key__in" if fold_case else "name__in": names})
            return {norm(n) for n in found.values_list("name", flat=True)}

        taken = taken_in_database(r.name for r in rows)
        result = {}
        for row in rows:
            name, n = row.name, 2
            while norm(name) in taken:
                suffix = f" ({n})"
                name = row.name[: max_length - len(suffix)] + suffix
                n += 1
                taken |= taken_in_database([name])  # Rare: only for a name already taken.
            if name != row.name:
                where = f"line {row.line}: " if row.line else ""
                self.warn(
                    f"{where}the name “{row.name}” is taken; “{row.slug}” is called “{name}”."
                )
            taken.add(norm(name))
            result[row.slug] = name
        return result

    def _write_sections(self):
        new = [s for s in self.sections if s.slug not in self.section_ids]
        self.result.sections.skipped += len(self.sections) - len(new)
        if not new:
            return
        names = self._unique_names(new, Section, max_length=SECTION_NAME)
        last = Section.objects.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
        rows = [
            Section(slug=s.slug, name=names[s.slug], position=min(position + i, 32767))
            for i, s in enumerate(new)
        ]
        Section.objects.bulk_create(rows)
        self.section_ids.update({r.slug: r.pk for r in rows})
        self.result.sections.created += len(rows)

    def _write_authors(self):
        new = [a for a in self.authors if a.slug not in self.author_ids]
        self.result.authors.skipped += len(self.authors) - len(new)
        if not new:
            return
        rows = [
            Author(
                slug=a.slug,
                name=a.name,
                job_title=a.job_title,
                bio=a.bio,
                short_bio=a.short_bio,
                email=a.email,
            )
            for a in new
        ]
        Author.objects.bulk_create(rows)
        self.author_ids.update({r.slug: r.pk for r in rows})
        self.author_names.update({r.slug: r.name for r in rows})
        self.result.authors.created += len(rows)

    def _write_tags(self):
        new = [t for t in self.tags if t.slug not in self.tag_ids]
        self.result.tags.skipped += len(self.tags) - len(new)
        if not new:
            return
        names = self._unique_names(new, Tag, max_length=TAG_NAME, fold_case=True)
        rows = [Tag(slug=t.slug, name=names[t.slug]) for t in new]
        Tag.objects.bulk_create(rows)
        self.tag_ids.update({r.slug: r.pk for r in rows})
        self.tag_names.update({r.slug: r.name for r in rows})
        self.result.tags.created += len(rows)

    def _search_text(self, story: StoryIn) -> tuple[str, str, str, str]:
        """What the search vector is made of, as ``articles.search.update_search_vector`` has
        it: (headline, standfirst, tag names and author names, body)."""
        tags = sorted({self.tag_names[slug] for slug in story.tags})
        names = [self.author_names[slug] for slug in dict.fromkeys(story.authors)]
        return story.headline, story.standfirst, " ".join([*tags, *names]), story.body

    # Columns given for each new row; the rest of each model's fields take their defaults.
    ARTICLE_COLUMNS = (
        "headline", "slug", "standfirst", "body", "section_id", "hero_image_id", "status",
        "stage", "published_at", "updated_at", "revision_number", "live_revision_number",
    )  # fmt: skip
    BYLINE_COLUMNS = ("article_id", "author_id", "role", "position")
    TAGGED_COLUMNS = ("content_object_id", "tag_id")
    REVISION_COLUMNS = ("article_id", "number", "data")
    AUDIT_COLUMNS = ("article_id", "article_headline", "action", "revision_number", "note")

    def _write_stories(self, batch: list[StoryIn], rows: "OrmRows", vectors):
        """One batch: the rows ``workflow.create`` + ``publish`` would leave, in bulk (plain
        tuples, not model instances: this loop is most of the import's own CPU time)."""
        articles = []
        for story in batch:
            image = story.hero() if story.hero else None
            live = story.status in Article.VISIBLE_STATES
            articles.append(
                (
                    story.headline,
                    story.slug,
                    story.standfirst,
                    story.body,
                    self.section_ids[story.section],
                    image.pk if image else None,
                    story.status,
                    story.stage,
                    story.published_at,
                    story.published_at,
                    1,
                    1 if live else None,
                )
            )
        ids = rows.insert_articles(self.ARTICLE_COLUMNS, articles, vectors)

        bylines, tagged, revisions, audits, redirects = [], [], [], [], []
        legacy = legacy_redirect_model()
        writer = Byline.Role.WRITER.value
        for story, row, pk in zip(batch, articles, ids, strict=True):
            authors = list(dict.fromkeys(self.author_ids[slug] for slug in story.authors))
            bylines += [(pk, author, writer, i) for i, author in enumerate(authors)]
            tagged += [(pk, tag) for tag in dict.fromkeys(self.tag_ids[t] for t in story.tags)]
            snapshot = {
                # What workflow.snapshot() returns for the row just made.
                "headline": story.headline,
                "slug": story.slug,
                "standfirst": story.standfirst,
                "body": story.body,
                "section": row[4],
                "hero_image": row[5],
                "hero_caption": "",
                "seo_title": "",
                "seo_description": "",
                "is_lead": False,
                "bylines": [{"author": author, "role": writer} for author in authors],
                "tags": sorted({self.tag_names[slug] for slug in story.tags}),
                "related": [],
            }
            revisions.append((pk, 1, snapshot))
            headline = story.headline[:200]
            audits += [(pk, headline, action, 1, note) for action, note in self._audits(story)]
            if legacy is not None:
                for path in story.legacy_paths:
                    if path not in self.seen_paths and path not in self.taken_paths:
                        self.seen_paths.add(path)
                        redirects.append(legacy(old_path=path, article_id=pk))
            self.result.states[story.status] += 1
        rows.insert(Byline, self.BYLINE_COLUMNS, bylines)
        rows.insert(TaggedArticle, self.TAGGED_COLUMNS, tagged)
        rows.insert(Revision, self.REVISION_COLUMNS, revisions)
        rows.insert(AuditEntry, self.AUDIT_COLUMNS, audits)
        if redirects:
            # An address another story has (e.g. the same /?p=ID from another site) keeps
            # pointing there.
            legacy.objects.bulk_create(redirects, ignore_conflicts=True)
            self.redirects_written += len(redirects)
        self.result.articles.created += len(articles)

    def _audits(self, story: StoryIn) -> list[tuple[str, str]]:
        """(action, note) of the audit entries of a new story."""
        entries = [(Action.CREATE.value, self.note)]
        if self.audit_states:
            if story.status == Status.PUBLISHED:
                entries.append((Action.PUBLISH.value, ""))
            elif story.status == Status.SCHEDULED:
                entries.append((Action.SCHEDULE.value, ""))
            elif story.stage == Stage.IN_REVIEW:
                entries.append((Action.SUBMIT.value, ""))
        return entries

    def _purge(self):
        """Make the cached pages the new stories appear on stale (after the commit).

        Pages of sections, authors and tags made by this import cannot be cached yet; those
        that existed before get a new story on their pages, like every site-wide listing.
        """
        if not self.result.articles.created and not self.result.sections.created:
            return
        keys = [*purging.SITE_WIDE]
        if self.result.sections.created:
            keys.append("nav")
        new_stories = self.new_stories
        keys += [f"section:{self.section_ids[slug]}" for slug in self.old_sections]
        touched = {a for s in new_stories for a in s.authors} & self.old_authors
        keys += [f"author:{self.author_ids[slug]}" for slug in touched]
        touched = {t for s in new_stories for t in s.tags} & self.old_tags
        keys += [f"tag:{self.tag_ids[slug]}" for slug in touched]
        pagecache.purge(*keys)


class OrmRows:
    """Inserts with ``bulk_create`` (SQLite, and anything else that is not PostgreSQL). No
    search vectors: search there reads the text columns."""

    def vectors(self, texts):
        return None

    def insert_articles(self, columns, rows, vectors) -> list[int]:
        objs = self.insert(Article, columns, rows)
        return [obj.pk for obj in objs]  # Set by bulk_create (RETURNING).

    def insert(self, model, columns, rows):
        return model.objects.bulk_create(
            model(**dict(zip(columns, row, strict=True))) for row in rows
        )

    def close(self):
        pass


# The vector articles.search.update_search_vector makes (same config, weights and order),
# computed from the values about to be inserted.
VECTORS_SQL = """
SELECT setweight(to_tsvector(%(cfg)s::regconfig, COALESCE(h, '')), 'A')
    || setweight(to_tsvector(%(cfg)s::regconfig, COALESCE(s, '')), 'B')
    || setweight(to_tsvector(%(cfg)s::regconfig, COALESCE(e, '')), 'B')
    || setweight(to_tsvector(%(cfg)s::regconfig, COALESCE(b, '')), 'C')
FROM unnest(%(h)s::text[], %(s)s::text[], %(e)s::text[], %(b)s::text[])
    WITH ORDINALITY AS t(h, s, e, b, n)
ORDER BY n
"""


def copy_value(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        # Backslash escapes for the separators (str.replace is far faster than str.translate).
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class PostgresRows:
    """Inserts with COPY, and search vectors computed in parallel on a second connection.

    Making the vectors (to_tsvector over every body) is most of the database's work in an
    import; a second connection does it, on the machine's other core, while this one inserts.
    That connection only evaluates functions of the values sent to it: it reads and writes no
    table, so everything written still happens in the one transaction of the main connection.
    Without a second connection (no free slot) the vectors are computed on the main one.
    """

    def __init__(self):
        self.cfg = search_config()
        self.helper, self.pool = None, None
        try:
            connection.ensure_connection()
            self.helper = connection.get_new_connection(connection.get_connection_params())
            self.helper.autocommit = True
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-vectors")
        except Exception:  # Any failure: fall back to the main connection.
            self.helper = None
        with connection.cursor() as cursor:
            # Bodies and revisions compress several times faster with lz4, where the server
            # has it; this transaction only, and readers do not see the difference.
            cursor.execute(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL default_toast_compression = 'lz4'")

    def _compute(self, conn, texts) -> list[str]:
        columns = [list(column) for column in zip(*texts, strict=True)]
        with conn.cursor() as cursor:
            cursor.execute(
                VECTORS_SQL, {"cfg": self.cfg, **dict(zip("hseb", columns, strict=True))}
            )
            return [row[0] for row in cursor.fetchall()]

    def vectors(self, texts):
        if self.pool is not None:
            return self.pool.submit(self._compute, self.helper, texts)
        return texts  # Computed on the main connection when the batch is written.

    def _vectors(self, pending) -> list[str]:
        if isinstance(pending, Future):
            return pending.result()
        return self._compute(connection.connection, pending)

    def insert_articles(self, columns, rows, pending) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Article._meta.db_table, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        vectors = self._vectors(pending)
        self.insert(
            Article,
            ("id", *columns, "search_vector"),
            [(pk, *row, vector) for pk, row, vector in zip(ids, rows, vectors, strict=True)],
        )
        return ids

    def insert(self, model, columns, rows):
        """COPY ``rows`` (tuples of ``columns``, attribute names) into ``model``'s table; every
        other field gets its default, as a new instance would."""
        if not rows:
            return
        given = set(columns)
        now = timezone.now()
        defaults = []
        for f in model._meta.concrete_fields:
            if f.attname in given or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
            defaults.append((f.column, copy_value(value)))
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[name] for name in columns]
        json_at = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
        tail = "".join("\t" + value for _column, value in defaults)
        lines = []
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = json.dumps(row[i], cls=fields[i].encoder)
            lines.append("\t".join([copy_value(value) for value in row]) + tail)
        names = [f.column for f in fields] + [column for column, _value in defaults]
        table = connection.ops.quote_name(model._meta.db_table)
        columns_sql = ", ".join(connection.ops.quote_name(name) for name in names)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} ({columns_sql}) FROM STDIN", io.StringIO("\n".join(lines) + "\n")
            )

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.helper is not None:
            self.helper.close()


# --- Reading JSON Lines ----------------------------------------------------------------------


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
        raise CommandError(
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


# --- The command -----------------------------------------------------------------------------


class Progress:
    """``\\r  4,000/10,000 articles  40%`` on stderr, one update per batch (no queries)."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled, self.shown = stream, enabled, False

    def __call__(self, done: int, total: int):
        if not self.enabled or not total:
            return
        percent = 100 * done // total
        self.stream.write(f"\r  {done:,}/{total:,} articles  {percent:3d}%", ending="")
        self.stream.flush()
        self.shown = True

    def finish(self):
        if self.shown:
            self.stream.write("", ending="\n")
            self.stream.flush()
            self.shown = False


def summary(result: Result, seconds: float, source: str) -> list[str]:
    rate = result.articles.created / seconds if seconds > 0 else 0.0
    lines = [f"Imported {source} in {seconds:.1f} s ({rate:,.0f} articles/s):"]
    for kind in ("sections", "authors", "tags", "articles"):
        tally = getattr(result, kind)
        lines.append(
            f"  {kind:<9} {tally.created:>7,} created, {tally.skipped:>7,} skipped (already there)"
        )
    states = ", ".join(
        f"{count:,} {Status(state).label.lower()}" for state, count in sorted(result.states.items())
    )
    if states:
        lines.append(f"  new stories: {states}")
    return lines


class Command(BaseCommand):
    help = (
        "Import sections, authors, tags and stories from a JSON Lines file (- for stdin). "
        "Rows whose slug exists are skipped; a bad line imports nothing."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .jsonl file, or - for standard input.")

    def handle(self, *args, file, verbosity, **options):
        started = time.perf_counter()
        source = "standard input" if file == "-" else file
        reader = JsonLinesReader(timezone.now())
        if file == "-":
            stream = options.get("stdin") or sys.stdin
            reader.read(getattr(stream, "buffer", stream))
        else:
            try:
                with open(file, "rb") as handle:
                    reader.read(handle)
            except OSError as exc:
                raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc

        writer = BulkWriter(
            note=f"Imported from {source}",
            warn=lambda message: self.stderr.write(f"Warning: {message}"),
            progress=Progress(self.stderr, verbosity >= 1),
            batch_size=BATCH_SIZE,
        )
        writer.plan(reader.sections, reader.authors, reader.tags, reader.stories)
        reader.check_references(*writer.known())
        reader.problems.raise_if_any(source)

        try:
            with transaction.atomic():
                result = writer.write()
        finally:
            writer.progress.finish()
        if connection.vendor == "postgresql" and result.articles.created:
            # A bulk load leaves the planner's statistics describing the table before it: without
            # this, the first queries after an import can pick sorts over the indexes for minutes.
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE articles_article, articles_byline, articles_taggedarticle, taggit_tag"
                )
        if verbosity >= 1:
            seconds = time.perf_counter() - started
            for line in summary(result, seconds, source):
                self.stdout.write(line)

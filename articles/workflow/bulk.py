"""The workflow's bulk entry point: many new stories, as ``create`` then ``publish`` leave them.

Importers (``articles.importing``) call ``create_many`` instead of writing editorial state
themselves. Each story comes out as one ``create(data, by=...)`` followed by ``publish(at=...)``
(or ``submit``, or nothing: a draft) leaves it through the admin: the same Article row (the
workflow's ``normalise``, then ``Article.derive_fields``), bylines, tags and picks, revision 1
holding ``snapshot()`` of that row, the audit entries, stage, status and live revision, the
search vector ``articles.search`` computes, and the page-cache purge. Only the speed differs:
rows go in a batch at a time (COPY on PostgreSQL, ``bulk_create`` elsewhere), and no e-mail is
sent (nobody is told of an import).

The Article columns written are the model's concrete fields, read off instances the workflow's
own helpers filled in: a new field with a default or a derived value is imported with no change
here (``article_columns()``; a test pins it).
"""

import io
import json
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import connection, transaction
from django.db.models import JSONField
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.models import Tag

import pagecache
from articles import purging, related
from articles.models import Article, AuditEntry, Byline, RelatedLink, Revision, TaggedArticle
from articles.search import config as search_config
from articles.workflow.revisions import assign_content, normalise, row_content
from articles.workflow.rules import (
    LATEST_SCHEDULE,
    Action,
    Stage,
    Status,
    WorkflowError,
    _require,
    can_edit,
    can_publish,
)
from authors.models import Author

BATCH_SIZE = 1000


class SystemActor:
    """Who a management command acts as: allowed what an editor is, recorded as no one (an
    audit entry, a revision or a story with no user), as imports have always been."""

    pk = None
    is_active = True
    is_superuser = False

    def has_perm(self, perm: str) -> bool:
        return True

    def __str__(self):
        return "the importer"


SYSTEM = SystemActor()


@dataclass
class NewStory:
    """One story for ``create_many``: ``data`` as ``workflow.create`` takes it (the revision
    fields, ``bylines`` [{"author": id, "role": ...}], ``tags`` [names], ``related`` [ids]),
    then published at ``at`` (now when None; scheduled when still to come), or submitted for
    review, or left a draft."""

    data: dict
    publish: bool = False
    at: datetime | None = None
    submit: bool = False


@dataclass
class Created:
    pk: int
    status: str


def article_columns() -> list[str]:
    """The Article attributes a bulk write gives each row: every concrete field but the key
    and the search vector (computed by the database from the same row)."""
    return [
        f.attname
        for f in Article._meta.concrete_fields
        if not f.primary_key and f.attname != "search_vector"
    ]


@transaction.atomic
def create_many(
    stories: Iterable[NewStory],
    *,
    by,
    note: str = "",
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    unseen: Iterable[str] = (),
) -> list[Created]:
    """Create ``stories`` (any iterable, consumed a batch at a time) as ``by`` would through
    the admin; ``by`` a user, or ``SYSTEM`` for a command. Returns each story's id and status
    in order. ``note`` goes on each of their audit entries (which file they came from).

    ``progress(n)`` is told after each batch how many stories are written. ``unseen``: page
    cache keys of rows made in this same transaction (a new section, author or tag), which no
    cached page can show: they are left out of the purge, which costs a cache write a key.
    """
    _require(
        by and by.is_active and by.has_perm("articles.add_article"), "You may not write stories."
    )
    writer = _Writer(by, note)
    # Read at call time, so a test can make batches small.
    size = batch_size or BATCH_SIZE
    pending = iter(stories)
    batches = iter(lambda: list(islice(pending, size)), [])
    rows = PostgresRows() if connection.vendor == "postgresql" else OrmRows()
    queued = deque()

    def queue_next():
        batch = next(batches, None)
        if batch is not None:
            prepared = writer.prepare(batch)
            queued.append((prepared, rows.vectors([p.search_text for p in prepared])))

    created = []
    try:
        # On PostgreSQL a second connection computes the vectors of the next batches while
        # this one inserts the current one (two batches ahead at most).
        queue_next()
        queue_next()
        while queued:
            prepared, vectors = queued.popleft()
            queue_next()
            created += writer.write(prepared, rows, vectors)
            if progress:
                progress(len(created))
    finally:
        rows.close()
    writer.purge(set(unseen))
    return created


@dataclass
class _Prepared:
    article: Article
    data: dict
    actions: list[str]
    tag_ids: list[int]
    search_text: tuple[str, str, str, str]


class _Writer:
    def __init__(self, by, note: str):
        self.by, self.note = by, note
        self.user_id = getattr(by, "pk", None)
        self.may_publish = self.may_submit = None
        self.author_names: dict[int, str] = {}
        self.tags: dict[str, tuple[int, str]] = {}  # name, and lower-case name -> (id, name)
        self.purge_keys: set[str] = set()
        self.picked: set[int] = set()

    def _resolve(self, datas: list[dict]):
        """Author names and tag rows of a batch: two queries for names not seen before. A
        tag no row has yet is made, as ``article.tags.set()`` makes it."""
        ids = sorted({b["author"] for d in datas for b in d["bylines"]} - set(self.author_names))
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            self.author_names.update(Author.objects.filter(pk__in=chunk).values_list("pk", "name"))
        names = {t for d in datas for t in d["tags"]}
        # Tag names are matched without regard to case (TAGGIT_CASE_INSENSITIVE), the exact
        # spelling first.
        wanted = sorted({n.lower() for n in names if n not in self.tags} - set(self.tags))
        for start in range(0, len(wanted), 900):
            found = Tag.objects.annotate(key=Lower("name")).filter(
                key__in=wanted[start : start + 900]
            )
            for key, pk, name in found.order_by("pk").values_list("key", "pk", "name"):
                self.tags.setdefault(key, (pk, name))
                self.tags[name] = (pk, name)
        for name in sorted(names):
            if name not in self.tags and name.lower() not in self.tags:
                tag = Tag.objects.create(name=name)
                self.tags[name] = self.tags[name.lower()] = (tag.pk, tag.name)

    def _tag(self, name: str) -> tuple[int, str]:
        return self.tags.get(name) or self.tags[name.lower()]

    def prepare(self, batch: list[NewStory]) -> list[_Prepared]:
        """The rows of a batch as ``create`` + ``publish`` leave them, not yet written."""
        now = timezone.now()
        articles, datas = [], []
        for story in batch:
            article = Article(
                created_by_id=self.user_id, headline=(story.data.get("headline") or "").strip()
            )
            articles.append(article)
            datas.append(normalise(story.data, article))
        self._resolve(datas)
        prepared = []
        for story, article, data in zip(batch, articles, datas, strict=True):
            assign_content(article, data)
            article.revision_number = 1
            actions = [Action.CREATE.value]
            if story.publish:
                self._publish(article, data, story.at, now)
                scheduled = article.status == Status.SCHEDULED
                actions.append((Action.SCHEDULE if scheduled else Action.PUBLISH).value)
            elif story.submit:
                if self.may_submit is None:
                    self.may_submit = can_edit(self.by)
                _require(self.may_submit, "You may not submit this story.")
                article.stage = Stage.IN_REVIEW
                actions.append(Action.SUBMIT.value)
            article.derive_fields()
            tags = [self._tag(name) for name in data["tags"]]
            data["tags"] = sorted({name for _pk, name in tags})  # As the rows will hold them.
            names = [self.author_names[b["author"]] for b in data["bylines"]]
            prepared.append(
                _Prepared(
                    article,
                    data,
                    actions,
                    list(dict.fromkeys(pk for pk, _name in tags)),
                    # What articles.search.update_search_vector makes the vector of.
                    (
                        article.headline,
                        article.standfirst,
                        " ".join([*data["tags"], *names]),
                        article.body,
                    ),
                )
            )
        return prepared

    def _publish(self, article: Article, data: dict, at, now):
        """What ``publish(article, at=at)`` does to a new story's row, with its checks."""
        if self.may_publish is None:
            self.may_publish = can_publish(self.by)
        _require(self.may_publish, "Only editors may publish or schedule stories.")
        if at is not None and at > now + LATEST_SCHEDULE:
            raise WorkflowError("That time is more than a hundred years away: check the year.")
        if not data["headline"].strip() or not data["body"].strip():
            raise WorkflowError("A story needs a headline and a body before it can be published.")
        if at is not None and at > now:
            article.status = Status.SCHEDULED
        else:
            article.status = Status.PUBLISHED
        article.published_at = article.updated_at = at or now
        article.live_revision_number = article.revision_number
        article.stage = Stage.APPROVED

    def write(self, prepared: list[_Prepared], rows, vectors) -> list[Created]:
        ids = rows.insert_articles([p.article for p in prepared], vectors)
        bylines, tagged, picks, revisions, audits = [], [], [], [], []
        for p, pk in zip(prepared, ids, strict=True):
            article, data = p.article, p.data
            article.pk = pk
            bylines += [(pk, b["author"], b["role"], i) for i, b in enumerate(data["bylines"])]
            tagged += [(pk, tag) for tag in p.tag_ids]
            picks += [(pk, to, i) for i, to in enumerate(data["related"])]
            snapshot = {
                **row_content(article),
                "bylines": data["bylines"],
                "tags": data["tags"],
                "related": data["related"],
            }
            revisions.append((pk, 1, snapshot, self.user_id))
            headline = article.headline[:200]
            audits += [(pk, headline, action, self.user_id, 1, self.note) for action in p.actions]
            if article.status in Article.VISIBLE_STATES:
                keys = purging.story_keys(
                    article, bylines=[b["author"] for b in data["bylines"]], tags=p.tag_ids
                )
                # Its own page was never shown (a new id): only the listings it joins.
                self.purge_keys.update(k for k in keys if k != f"article:{pk}")
                self.picked.update(data["related"])
        rows.insert(Byline, ("article_id", "author_id", "role", "position"), bylines)
        rows.insert(TaggedArticle, ("content_object_id", "tag_id"), tagged)
        rows.insert(RelatedLink, ("from_article_id", "to_article_id", "position"), picks)
        rows.insert(Revision, ("article_id", "number", "data", "created_by_id"), revisions)
        audit_columns = (
            "article_id", "article_headline", "action", "user_id", "revision_number", "note",
        )  # fmt: skip
        rows.insert(AuditEntry, audit_columns, audits)
        return [Created(p.article.pk, p.article.status) for p in prepared]

    def purge(self, unseen: set[str]):
        pagecache.purge(*(self.purge_keys - unseen))
        if self.picked:
            # As publish() does: stories picked by a new live one work their links out again
            # on their next view, so they can link back. The new stories' own links are worked
            # out on their first view (links_computed_at is empty).
            picked = sorted(self.picked)
            transaction.on_commit(lambda: related.forget(picked))


# --- Inserting rows --------------------------------------------------------------------------


def _defaults(model, given: set[str], now) -> list[tuple[str, object]]:
    """(column, value) of every field of ``model`` not in ``given``, as a new instance has it."""
    defaults = []
    for f in model._meta.concrete_fields:
        if f.attname in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()
        defaults.append((f.column, value))
    return defaults


class OrmRows:
    """Inserts with ``bulk_create`` (SQLite, and anything else that is not PostgreSQL). No
    search vectors: search there reads the text columns."""

    def vectors(self, texts):
        return None

    def insert_articles(self, articles: list[Article], vectors) -> list[int]:
        return [a.pk for a in Article.objects.bulk_create(articles)]  # RETURNING sets pk.

    def insert(self, model, columns, rows):
        model.objects.bulk_create(model(**dict(zip(columns, row, strict=True))) for row in rows)

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

    def insert_articles(self, articles: list[Article], pending) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Article._meta.db_table, len(articles)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        vectors = self._vectors(pending)
        columns = article_columns()
        fields = {f.attname: f for f in Article._meta.concrete_fields}
        # What save() would put in them (auto_now times); the rest are read off the instance.
        stamped = [
            name
            for name in columns
            if getattr(fields[name], "auto_now", False)
            or getattr(fields[name], "auto_now_add", False)
        ]
        rows = []
        for pk, article, vector in zip(ids, articles, vectors, strict=True):
            for name in stamped:
                fields[name].pre_save(article, True)
            rows.append((pk, *(getattr(article, name) for name in columns), vector))
        self.insert(Article, ("id", *columns, "search_vector"), rows)
        return ids

    def insert(self, model, columns, rows):
        """COPY ``rows`` (tuples of ``columns``, attribute names) into ``model``'s table; every
        other field gets its default, as a new instance would."""
        if not rows:
            return
        defaults = [(c, copy_value(v)) for c, v in _defaults(model, set(columns), timezone.now())]
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

"""What an import is made of: the rows read from a file, before any is written."""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps

from articles.models import Article

Status, Stage = Article.Status, Article.Stage

# Field limits of the models, checked up front so PostgreSQL never refuses a row half-way.
SECTION_NAME, SECTION_SLUG = 80, 80
AUTHOR_NAME, AUTHOR_SLUG, AUTHOR_TITLE, AUTHOR_SHORT_BIO = 120, 140, 120, 280
TAG_NAME, TAG_SLUG = 100, 100
HEADLINE, ARTICLE_SLUG, STANDFIRST = 200, 200, 600


class BadImport(Exception):
    """The file cannot be imported (the message says why, naming lines); nothing was written."""


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

"""Reader search.

On PostgreSQL: a weighted full-text vector (headline A; standfirst, tags and authors B; body C)
kept in ``Article.search_vector`` (GIN-indexed), queried with ``websearch_to_tsquery`` (quotes,
``or`` and ``-word`` work; nothing a reader types is a syntax error), ranked, with highlighted
snippets. On SQLite: every word (and every quoted phrase) must appear in the headline,
standfirst or body, newest first. Both read through ``Article.objects.published()``.

The cost of a search does not grow with the archive (measured at 100,000 stories, see README):

- Only the newest ``NEWSROOM_SEARCH_RANK_LIMIT`` matches (1,000) are ranked and counted. A word
  that most stories contain is found by walking the published-date index newest first and
  stopping at the limit, instead of ranking and counting the whole archive.
- A quoted phrase is found the same way. The GIN index knows which stories hold each word, not
  in what order, so a phrase of common words matches densely and the walk stops early; a rare
  phrase of common words is the one slow case (see README).
"""

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Concat, Replace
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString

from .models import Article, Byline

MAX_QUERY = 200  # Longer input is cut, not refused: a pasted paragraph still finds something.
START, STOP = "\x02", "\x03"  # Highlight markers no reader can type into the stored text.


def config() -> str:
    return getattr(settings, "NEWSROOM_SEARCH_CONFIG", "english")


def rank_limit() -> int:
    return getattr(settings, "NEWSROOM_SEARCH_RANK_LIMIT", 1000)


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def update_search_vector(article: Article) -> None:
    """Recompute the story's vector from its row, tags and bylines (PostgreSQL only)."""
    if not uses_postgres():
        return
    names = list(Byline.objects.filter(article=article).values_list("author__name", flat=True))
    extra = " ".join([*article.tags.names(), *names])
    cfg = config()
    Article.objects.filter(pk=article.pk).update(
        search_vector=SearchVector("headline", weight="A", config=cfg)
        + SearchVector("standfirst", weight="B", config=cfg)
        + SearchVector(Value(extra), weight="B", config=cfg)
        + SearchVector("body", weight="C", config=cfg)
    )


def clean_query(raw: str) -> str:
    text = (raw or "").replace("\x00", " ")
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    return " ".join(text.split())[:MAX_QUERY]


@dataclass
class Filters:
    section: int | None = None
    date_from: object = None
    date_to: object = None


def search(q: str, filters: Filters | None = None):
    """Published stories matching ``q``, best first, each with ``snippet`` (safe HTML)."""
    q = clean_query(q)
    filters = filters or Filters()
    stories = Article.objects.published().for_listing()
    if filters.section:
        stories = stories.filter(section_id=filters.section)
    if filters.date_from:
        stories = stories.filter(published_at__date__gte=filters.date_from)
    if filters.date_to:
        stories = stories.filter(published_at__date__lte=filters.date_to)
    if not q:
        return stories.none()
    if uses_postgres():
        query = SearchQuery(q, search_type="websearch", config=config())
        matches = stories.filter(search_vector=query)
        newest = matches.order_by("-published_at", "-pk").values("pk")[: rank_limit()]
        return (
            stories.filter(pk__in=newest)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-published_at", "-pk")
        )
    words, phrases = _terms(q)
    if not words and not phrases:
        return stories.none()  # Only punctuation: nothing to look for.
    for term in words + phrases:
        stories = stories.filter(
            Q(headline__icontains=term) | Q(standfirst__icontains=term) | Q(body__icontains=term)
        )
    return stories


def _terms(q: str) -> tuple[list[str], list[str]]:
    """The SQLite fallback's words, and its quoted phrases (matched as written, spaces
    normalised)."""
    phrases = [" ".join(p.split()) for p in re.findall(r'"([^"]*)"', q)]
    rest = re.sub(r'"[^"]*"', " ", q)
    words = [w for w in re.split(r"\W+", rest) if w]
    return words[:10], [p for p in phrases if p][:5]


def add_snippets(stories, q: str) -> None:
    """Give each story of a results page its highlighted ``snippet`` and ``marked_headline``.

    On PostgreSQL ts_headline runs for this page's rows only (one query), never for every
    match: it reads whole bodies, and a common word can match most of the archive. The
    headline is marked by the same query, whole (``HighlightAll``), so a stemmed match
    ("approving" finds "approved") is marked in the headline as in the snippet.
    """
    q = clean_query(q)
    raw = {}
    if uses_postgres() and stories:
        query = SearchQuery(q, search_type="websearch", config=config())
        raw = {
            pk: (snippet_text, headline_text)
            for pk, snippet_text, headline_text in Article.objects.filter(
                pk__in=[story.pk for story in stories]
            )
            .annotate(
                raw_snippet=SearchHeadline(
                    # One HTML document: the standfirst (plain text) escaped, then the body.
                    Concat(_escaped("standfirst"), Value(" "), "body", output_field=TextField()),
                    query,
                    config=config(),
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=35,
                    min_words=15,
                ),
                raw_headline=SearchHeadline(
                    # The headline is plain text: escaped, so that ts_headline's parser sees
                    # no tag in it (a headline "<rise>" is text, not markup, to the reader).
                    _escaped("headline"),
                    query,
                    config=config(),
                    start_sel=START,
                    stop_sel=STOP,
                    highlight_all=True,
                ),
            )
            .values_list("pk", "raw_snippet", "raw_headline")
        }
    for story in stories:
        story.raw_snippet, raw_headline = raw.get(story.pk, (None, None))
        story.snippet = snippet(story, q)
        story.marked_headline = marked_headline(story, q, raw_headline)


def _escaped(field: str):
    """``field``'s plain text as HTML text (& < > escaped), in SQL."""
    expression = Replace(field, Value("&"), Value("&amp;"))
    expression = Replace(expression, Value("<"), Value("&lt;"))
    return Replace(expression, Value(">"), Value("&gt;"))


def _html_to_text(markup: str) -> str:
    return html.unescape(strip_tags(markup))


def snippet(story, q: str) -> SafeString:
    """The highlighted excerpt of a result: the reader's text as they typed it, escaped once
    (ts_headline's HTML and the body turned back into text first), matches in <mark>."""
    raw = getattr(story, "raw_snippet", None)
    if raw is None:
        text = _mark_words(story.standfirst or _html_to_text(story.body)[:300], clean_query(q))
    else:
        text = _html_to_text(raw)
    return _marked(text)


def marked_headline(story, q: str, raw: str | None = None) -> SafeString:
    """The result's headline with the words searched for in <mark>: ``raw`` is ts_headline's
    output for the escaped headline (PostgreSQL); without it, the words as typed are marked.
    Either way the text is escaped first, then marked: nothing in a headline becomes markup."""
    text = _html_to_text(raw) if raw is not None else _mark_words(story.headline, clean_query(q))
    return _marked(text)


def _marked(text: str) -> SafeString:
    """``text`` (plain, with START/STOP around matches) as HTML: every part escaped, the
    matches in <mark>."""
    segments, highlighted = [], False
    for part in re.split(f"({START}|{STOP})", text):
        if part in (START, STOP):
            highlighted = part == START
        elif part:
            segments.append(format_html("<mark>{}</mark>" if highlighted else "{}", part))
    return format_html_join("", "{}", ((segment,) for segment in segments))


def _mark_words(text: str, q: str) -> str:
    words = [re.escape(w) for w in re.split(r"\W+", q) if len(w) > 1][:10]
    if not words:
        return text
    return re.sub(
        "(" + "|".join(words) + ")", lambda m: f"{START}{m.group(0)}{STOP}", text, flags=re.I
    )

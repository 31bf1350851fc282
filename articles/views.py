import copy
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.core import signing
from django.core.paginator import InvalidPage, Paginator
from django.db.models import OuterRef, Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.utils.text import slugify
from taggit.models import Tag

from newsroom.prepared import CompiledQuery, list_marker, time_marker

from . import cache as page_cache
from . import renditions, rows, search, seo, story_page
from .models import (
    Article,
    Byline,
    Correction,
    Image,
    PreviewLink,
    Revision,
    Section,
    SlugRedirect,
)
from .navigation import use_navigation
from .related import story_links
from .sanitize import clean_body
from .workflow import FIELDS, FK_FIELDS

FRONT_LATEST = 10
FRONT_PER_SECTION = 4


def paginate(request, queryset, per_page=None):
    """The requested page of ``queryset``; a bad or out-of-range ``?page=`` is a 404, not a 500."""
    paginator = Paginator(
        queryset, per_page or settings.NEWSROOM_PAGE_SIZE, allow_empty_first_page=True
    )
    raw = request.GET.get("page", "1")
    try:
        number = int(raw) if len(raw) <= 6 else -1
    except ValueError:
        number = -1
    try:
        page = paginator.page(number)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc
    if page.number != 1:
        request.canonical_page = f"page={page.number}"
    return page


@dataclass
class ArchivePage:
    """One page of a story archive, found by where the previous page ended (keyset paging).

    Page 500 of a section costs the same as page 1: an index range scan from a cursor, never
    an OFFSET over everything newer, and no COUNT of the whole archive.
    """

    object_list: list
    older: str | None
    is_first: bool

    def __iter__(self):
        return iter(self.object_list)


CURSOR = re.compile(r"^(\d{1,17})-(\d{1,19})$")


def archive_page(request, queryset, per_page=None) -> ArchivePage:
    """Newest first; ``?before=<cursor>`` continues after a story. A bad cursor is a 404."""
    per_page = per_page or settings.NEWSROOM_PAGE_SIZE
    stories = queryset.order_by("-published_at", "-pk")
    raw = request.GET.get("before")
    if raw is not None:
        match = CURSOR.match(raw)
        if not match:
            raise Http404("No such page.")
        try:
            when = datetime.fromtimestamp(int(match[1]) / 1_000_000, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Http404("No such page.") from exc
        pk = int(match[2])
        stories = stories.filter(Q(published_at__lt=when) | Q(published_at=when, pk__lt=pk))
        request.canonical_page = f"before={raw}"
    rows = list(stories[: per_page + 1])
    if raw is not None and not rows:
        raise Http404("No such page.")
    older = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        older = f"{round(last.published_at.timestamp() * 1_000_000)}-{last.pk}"
    return ArchivePage(rows, older, raw is None)


def _front_top(now):
    # The newest stories and the newest lead pick, in one query: the lead is either among the
    # newest (then it is the first pick there) or older than all of them.
    published = Article.objects.published(now)
    return (
        published.filter(published.newest_and_lead(FRONT_LATEST + 1))
        .annotate(byline_rows=rows.byline_names())
        .order_by("-published_at", "-pk")
        .values_list(*rows.card_values())
    )


def _front_sections(now, shown):
    # Each section in the navigation with its newest few stories, not counting the ones above
    # them: per section a LIMITed scan of its published-date index, whatever the archive's size.
    newest = (
        Article.objects.published(now)
        .filter(section_id=OuterRef("pk"))
        .exclude(pk__in_array=shown)
        .order_by("-published_at", "-pk")
        .values(row=rows.card_json(bylines=True, section=False))[:FRONT_PER_SECTION]
    )
    return (
        Section.objects.filter(in_navigation=True)
        .annotate(cards=rows.JSONRows(newest))
        .values_list(*rows.attnames(Section), "cards")
    )


# Compiled once per process, prepared once per connection (newsroom/prepared.py).
FRONT_TOP = CompiledQuery(_front_top, time_marker("now"))
FRONT_SECTIONS = CompiledQuery(_front_sections, time_marker("now"), list_marker("shown"))


def front(request):
    now = timezone.now()
    stories = rows.cards_from_rows(FRONT_TOP.rows(now=now))
    lead = next((story for story in stories if story.is_lead), None)
    if lead is None and stories:
        lead = stories[0]
    latest = [story for story in stories if story.pk != lead.pk][:FRONT_LATEST]

    shown = [story.pk for story in [lead, *latest] if story]
    columns = rows.attnames(Section)
    sections, section_blocks = [], []
    for *values, cards in FRONT_SECTIONS.rows(now=now, shown=shown):
        section = rows.from_row(Section, columns, values)
        sections.append(section)
        if cards := rows.decode(cards):
            made = {section.pk: section}
            section_blocks.append((section, [rows.card_from_json(c, made) for c in cards]))
    # The navigation's sections, in its order, came with the blocks.
    use_navigation(request, sections)
    page_cache.depends_on_listing(request, "front")
    return render(
        request,
        "articles/front.html",
        {"lead": lead, "latest": latest, "section_blocks": section_blocks},
    )


def article_detail(request, year, month, day, slug):
    page = story_page.load(slug)
    if page is None:
        return _missing_article(request, slug)
    canonical = page.article.get_absolute_url()
    if request.path != canonical:
        # A story is found by its slug; a wrong date in the address gets the real one.
        return HttpResponsePermanentRedirect(canonical)
    use_navigation(request, page.navigation)
    return render_story(request, page.article, page=page)


def _missing_article(request, slug):
    """An old address of a live story redirects; a story taken down is Gone; else 404."""
    moved = SlugRedirect.objects.filter(old_slug=slug).select_related("article").first()
    if moved and moved.article.is_live:
        return HttpResponsePermanentRedirect(moved.article.get_absolute_url())
    gone = Article.objects.gone().filter(slug=slug).values_list("pk", flat=True).first()
    if gone:
        page_cache.depends_on(request, f"article:{gone}")
        return render(request, "articles/gone.html", status=410)
    raise Http404("No such story.")


def render_story(request, article, data=None, *, preview=None, page=None):
    """The reader's article page, for the live story (``page``: loaded by articles.story_page)
    or (``data``) any version of it.

    Previews render the same template as readers get, with an unsaved copy of the story built
    from the revision, and are never cached.
    """
    if page is not None:
        story, bylines, tags, corrections = article, page.bylines, page.tags, page.corrections
    elif data is None:
        bylines, tags, story = article.byline_list, list(article.tags.all()), article
    else:
        story, bylines, tags = _story_from_revision(article, data)
    links = page.links if page is not None and page.links is not None else story_links(article)
    if page is None:
        corrections = list(article.corrections.all())
    if not preview:
        page_cache.depends_on(
            request,
            # Not "section:N": that key is purged by every publish in the section (for its
            # listings), and the section's name here changes with "nav", which every page has.
            f"article:{article.pk}",
            f"image:{article.hero_image_id}" if article.hero_image_id else None,
            *(f"author:{b.author_id}" for b in bylines),
            *(f"tag:{t.pk}" for t in tags),
        )
        page_cache.depends_on_cards(
            request, [*links.related, *([links.next_story] if links.next_story else [])]
        )
    canonical = request.build_absolute_uri(article.get_absolute_url())
    social_image = None
    if story.hero_image:
        crop = renditions.structured_data_crops(story.hero_image)[0]
        social_image = {
            "url": request.build_absolute_uri(crop.url),
            "width": crop.width,
            "height": crop.height,
        }
    response = render(
        request,
        "articles/detail.html",
        {
            "article": story,
            "bylines": bylines,
            "tags": tags,
            "corrections": corrections,
            "canonical": canonical,
            "social_image": social_image,
            "structured_data": seo.news_article(
                request, story, bylines, tags, corrections, canonical
            ),
            "related": links.related,
            "next_story": links.next_story,
            "share_url": canonical,
            "current_section": story.section,
            "preview": preview,
        },
    )
    if preview:
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
    else:
        response["Last-Modified"] = http_date((story.updated_at or story.published_at).timestamp())
    return response


def _story_from_revision(article, data):
    from authors.models import Author

    story = copy.copy(article)
    for name in FIELDS:
        setattr(story, f"{name}_id" if name in FK_FIELDS else name, data.get(name))
    # The template marks the body safe. A revision was cleaned when it was saved, but perhaps
    # under an older allowlist: it is cleaned again with today's before anyone sees it.
    story.body = clean_body(story.body or "")
    story.section = Section.objects.get(pk=data["section"])
    story.hero_image = Image.objects.filter(pk=data.get("hero_image")).first()
    authors = Author.objects.in_bulk([b["author"] for b in data.get("bylines", [])])
    bylines = [
        Byline(article=article, author=authors[b["author"]], role=b["role"], position=i)
        for i, b in enumerate(data.get("bylines", []))
        if b["author"] in authors
    ]
    known = {tag.name: tag for tag in Tag.objects.filter(name__in=data.get("tags", []))}
    tags = [
        known.get(name) or Tag(name=name, slug=slugify(name, allow_unicode=True))
        for name in data.get("tags", [])
    ]
    return story, bylines, tags


def shared_preview(request, token):
    """A preview link for someone without an account: read-only, expiring, revocable."""
    try:
        raw = signing.Signer(salt="preview").unsign(token)
    except signing.BadSignature as exc:
        raise Http404("No such preview.") from exc
    link = PreviewLink.objects.select_related("article").filter(token=raw).first()
    if link is None:
        raise Http404("No such preview.")
    if not link.is_valid:
        return render(request, "articles/preview_expired.html", status=410)
    revision = get_object_or_404(Revision, article=link.article, number=link.revision_number)
    return render_story(
        request, link.article, revision.data, preview="A confidential preview: not published."
    )


def corrections(request):
    """Every correction and clarification on stories readers can see, newest first."""
    rows = (
        Correction.objects.filter(article__in=Article.objects.published())
        .select_related("article", "article__section")
        .order_by("-created_at", "-pk")
    )
    page = paginate(request, rows)
    page_cache.depends_on(request, "corrections", *(f"article:{c.article_id}" for c in page))
    return render(request, "articles/corrections.html", {"page": page})


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page = archive_page(request, Article.objects.published().filter(section=section).for_listing())
    page_cache.depends_on_listing(request, f"section:{section.pk}")
    return render(
        request,
        "articles/section.html",
        {"section": section, "current_section": section, "page": page},
    )


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = archive_page(request, Article.objects.published().filter(tags=tag).for_listing())
    page_cache.depends_on_listing(request, f"tag:{tag.pk}")
    return render(request, "articles/tag.html", {"tag": tag, "page": page})


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", required=False, strip=True)
    section = forms.ModelChoiceField(
        label="Section", queryset=Section.objects.all(), required=False, empty_label="All sections"
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_q(self):
        return search.clean_query(self.cleaned_data["q"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date comes before the start date.")
        return cleaned


def _as_quoted(q: str) -> str:
    """The search as the page quotes it back: “q”, or a search that is one quoted phrase with
    its own quotes made typographic (not “"q"”)."""
    inner = q[1:-1]
    if len(q) > 1 and q[0] == q[-1] == '"' and '"' not in inner:
        q = inner
    return f"“{q}”"


def search_view(request):
    """Full-text search over published stories, with section and date filters."""
    form = SearchForm(request.GET or None)
    q, page, capped = "", None, False
    if form.is_valid():
        q = form.cleaned_data["q"]
        results = search.search(
            q,
            search.Filters(
                section=form.cleaned_data["section"] and form.cleaned_data["section"].pk,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            ),
        )
        if q:
            page = paginate(request, results)
            search.add_snippets(list(page.object_list), q)
            # Only the newest matches are ranked (search.rank_limit): say so when it bites.
            capped = search.uses_postgres() and page.paginator.count >= search.rank_limit()
    elif form.is_bound:
        # A bad filter is shown as an error beside it; the words asked for stay in the box.
        q = form.cleaned_data.get("q", "")
    page_cache.depends_on_listing(request, "search")
    return render(
        request,
        "articles/search.html",
        {"form": form, "q": q, "q_shown": _as_quoted(q), "page": page, "capped": capped},
    )

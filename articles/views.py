from django import forms
from django.core import signing
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from taggit.models import Tag

import pagecache
from authors.models import Author

from . import purging, renditions, search, seo
from .models import (
    Article,
    Correction,
    PreviewLink,
    Revision,
    Section,
    SlugRedirect,
)
from .reading import front_page, story_page
from .reading.listings import archive_page, paginate
from .reading.navigation import use_navigation
from .reading.previews import story_from_revision
from .related import story_links


def front(request):
    page = front_page.load()
    # The navigation's sections, in its order, came with the blocks.
    use_navigation(request, page.sections)
    pagecache.depends_on_listing(request, "front")
    return render(
        request,
        "articles/front.html",
        {"lead": page.lead, "latest": page.latest, "section_blocks": page.section_blocks},
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
        pagecache.depends_on(request, f"article:{gone}")
        return render(request, "articles/gone.html", status=410)
    raise Http404("No such story.")


def render_story(request, article, data=None, *, preview=None, page=None):
    """The reader's article page, for the live story (``page``: loaded by articles.reading.story_page)
    or (``data``) any version of it.

    Previews render the same template as readers get, with an unsaved copy of the story built
    from the revision, and are never cached.
    """
    if page is not None:
        story, bylines, tags, corrections = article, page.bylines, page.tags, page.corrections
    elif data is None:
        bylines, tags, story = article.byline_list, list(article.tags.all()), article
    else:
        story, bylines, tags = story_from_revision(article, data)
    links = page.links if page is not None and page.links is not None else story_links(article)
    if page is None:
        corrections = list(article.corrections.all())
    if not preview:
        pagecache.depends_on(
            request,
            # Not "section:N": that key is purged by every publish in the section (for its
            # listings), and the section's name here changes with "nav", which every page has.
            f"article:{article.pk}",
            f"image:{article.hero_image_id}" if article.hero_image_id else None,
            *(f"author:{b.author_id}" for b in bylines),
            *(f"tag:{t.pk}" for t in tags),
        )
        purging.depends_on_cards(
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


def shared_preview(request, token):
    """A preview link for someone without an account: read-only, expiring, revocable.

    It stops as its story does: a story taken down (by an editor or its unpublish time)
    answers 410 Gone here as at its address, and a deleted story's links went with it (404).
    A draft, scheduled or live story's link shows its revision: previewing work not yet
    published is what the link is for."""
    try:
        raw = signing.Signer(salt="preview").unsign(token)
    except signing.BadSignature as exc:
        raise Http404("No such preview.") from exc
    link = PreviewLink.objects.select_related("article").filter(token=raw).first()
    if link is None:
        raise Http404("No such preview.")
    if link.article.is_gone:
        response = render(request, "articles/gone.html", status=410)
        add_never_cache_headers(response)
        return response
    if not link.is_valid:
        response = render(request, "articles/preview_expired.html", status=410)
        add_never_cache_headers(response)
        return response
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
    pagecache.depends_on(request, "corrections", *(f"article:{c.article_id}" for c in page))
    return render(request, "articles/corrections.html", {"page": page})


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page = archive_page(request, Article.objects.published().filter(section=section).for_listing())
    pagecache.depends_on_listing(request, f"section:{section.pk}")
    return render(
        request,
        "articles/section.html",
        {"section": section, "current_section": section, "page": page},
    )


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = archive_page(request, Article.objects.published().filter(tags=tag).for_listing())
    pagecache.depends_on_listing(request, f"tag:{tag.pk}")
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
    pagecache.depends_on_listing(request, "search")
    return render(
        request,
        "articles/search.html",
        {"form": form, "q": q, "q_shown": _as_quoted(q), "page": page, "capped": capped},
    )


def author_detail(request, slug):
    author = get_object_or_404(Author.objects.active(), slug=slug)
    page = archive_page(
        request, Article.objects.published().filter(bylines__author=author).for_listing()
    )
    pagecache.depends_on_listing(request, f"author:{author.pk}")
    return render(
        request,
        "authors/detail.html",
        {"author": author, "page": page, "structured_data": seo.profile_page(request, author)},
    )

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from taggit.models import Tag

from .models import Article, Section
from .navigation import navigation_sections
from .related import story_links

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
        return paginator.page(number)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc


def front(request):
    stories = list(Article.objects.published().for_listing()[: FRONT_LATEST + 1])
    lead_candidates = Article.objects.published().filter(is_lead=True).for_listing()[:1]
    lead = next(iter(lead_candidates), None) if stories else None
    if lead is None and stories:
        lead = stories[0]
    latest = [story for story in stories if lead is None or story.pk != lead.pk][:FRONT_LATEST]

    sections = navigation_sections(request)
    blocks: dict[int, list[Article]] = {}
    section_rows = (
        Article.objects.published()
        .filter(section__in=[s.pk for s in sections])
        .exclude(pk__in=[story.pk for story in [lead, *latest] if story])
        .for_listing()
        .latest_per_section(FRONT_PER_SECTION)
    )
    for story in section_rows:
        blocks.setdefault(story.section_id, []).append(story)
    section_blocks = [(section, blocks[section.pk]) for section in sections if section.pk in blocks]
    return render(
        request,
        "articles/front.html",
        {"lead": lead, "latest": latest, "section_blocks": section_blocks},
    )


def article_detail(request, year, month, day, slug):
    article = get_object_or_404(Article.objects.published().for_article_page(), slug=slug)
    canonical = article.get_absolute_url()
    if request.path != canonical:
        # A story is found by its slug; a wrong date in the address gets the real one.
        return HttpResponsePermanentRedirect(canonical)
    links = story_links(article)
    return render(
        request,
        "articles/detail.html",
        {
            "article": article,
            "bylines": article.byline_list,
            "tags": list(article.tags.all()),
            "related": links.related,
            "next_story": links.next_story,
            "share_url": request.build_absolute_uri(canonical),
            "current_section": article.section,
        },
    )


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page = paginate(request, Article.objects.published().filter(section=section).for_listing())
    return render(
        request,
        "articles/section.html",
        {"section": section, "current_section": section, "page": page},
    )


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = paginate(request, Article.objects.published().filter(tags=tag).for_listing())
    return render(request, "articles/tag.html", {"tag": tag, "page": page})

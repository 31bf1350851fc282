"""What search engines read: sitemaps (sitemaps.org), the Google News sitemap and robots.txt.

``/sitemap.xml`` is an index over the sitemaps in ``SITEMAPS`` (``/sitemap-<name>.xml``, the
articles one paginated with ``?p=N`` at ``settings.NEWSROOM_SITEMAP_PAGE_SIZE`` URLs a page).
Every ``lastmod`` is the last change readers see: a story's ``updated_at`` (the "Updated" time
on its page), and for a section, tag or author page the newest such time among its stories.

``/news-sitemap.xml`` (Google News) lists the stories published in the last ``NEWS_WINDOW``, at
most ``NEWS_LIMIT`` of them. It is named in robots.txt, not in the index: the index's sitemaps
all come from one URL pattern, and a news sitemap is often empty (a quiet weekend), which is a
well-formed document but not a valid sitemaps.org ``urlset``.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import x_robots_tag
from django.core.paginator import Paginator
from django.db.models import Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from authors.models import Author

from .models import Article, Byline, Section, TaggedArticle

# Google News: stories from the last two days, at most 1,000 URLs per news sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000

# Not for search engines: the newsroom, shared previews and search result pages.
ROBOTS_DISALLOW = ["/admin/", "/preview/", "/search/"]


def _seconds(moment):
    """Sitemap times to the second (readers never see finer)."""
    return moment.replace(microsecond=0) if moment else None


def _last_change(prefix=""):
    """The time readers were last told a story changed: its update, else its publication."""
    return Coalesce(f"{prefix}updated_at", f"{prefix}published_at")


def _newest_change(stories):
    """The newest change among ``stories``: one step down ``article_change_idx`` (newest
    change first) to the first story that qualifies, instead of a MAX over every story (a
    sequential scan, most of a second at a million stories)."""
    newest = (
        stories.annotate(change=_last_change())
        .order_by(F("change").desc())
        .values_list("change", flat=True)[:1]
    )
    return _seconds(next(iter(newest), None))


class CountedPaginator(Paginator):
    """Pages of a sitemap whose items carry an aggregate (each page's newest change): the
    index only needs how many there are, counted on ``counted`` (the same rows, without the
    aggregate), so the index does not join every story to its tags or bylines to count 500
    tags."""

    def __init__(self, object_list, per_page, counted):
        super().__init__(object_list, per_page)
        self.counted = counted

    @property
    def count(self):
        if not hasattr(self, "_count"):
            self._count = self.counted.count()
        return self._count


class ListingSitemap(Sitemap):
    """A sitemap of listing pages (sections, tags, authors): ``listed()`` are the rows,
    ``items()`` the same with each one's newest change."""

    def listed(self):
        raise NotImplementedError

    @property
    def paginator(self):
        return CountedPaginator(self._items(), self.limit, self.listed())


class ArticleSitemap(Sitemap):
    """Every story readers can see, oldest first: earlier pages never change as stories are
    added, so crawlers can skip them."""

    @property
    def limit(self):
        return settings.NEWSROOM_SITEMAP_PAGE_SIZE

    def items(self):
        # A queryset: the paginator counts it and fetches one page (LIMIT/OFFSET) at a time,
        # in the order of the published-stories index (article_pub_idx, read backwards).
        return (
            Article.objects.published()
            .only("slug", "published_at", "updated_at")
            .order_by("published_at", "pk")
        )

    def lastmod(self, article):
        return _seconds(article.updated_at or article.published_at)

    def get_latest_lastmod(self):
        return _newest_change(Article.objects.published())


class SectionSitemap(ListingSitemap):
    """Every section page; lastmod is the newest change among its published stories."""

    def listed(self):
        return Section.objects.all()

    def items(self):
        published = Article.objects.published()
        return (
            self.listed()
            .only("slug")
            .annotate(
                newest=Max(
                    _last_change("articles__"), filter=Q(articles__in=published.values("pk"))
                )
            )
            .order_by("pk")
        )

    def lastmod(self, section):
        return _seconds(section.newest)

    def get_latest_lastmod(self):
        return _newest_change(Article.objects.published())


class TagSitemap(ListingSitemap):
    """Tags with at least one published story."""

    def listed(self):
        published = Article.objects.published()
        return Tag.objects.filter(
            Exists(TaggedArticle.objects.filter(tag=OuterRef("pk"), content_object__in=published))
        )

    def items(self):
        published = Article.objects.published()
        return (
            Tag.objects.filter(articles_taggedarticle_items__content_object__in=published)
            .annotate(newest=Max(_last_change("articles_taggedarticle_items__content_object__")))
            .only("slug")
            .order_by("pk")
        )

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def lastmod(self, tag):
        return _seconds(tag.newest)

    def get_latest_lastmod(self):
        tagged = TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        return _newest_change(Article.objects.published().filter(Exists(tagged)))


class AuthorSitemap(ListingSitemap):
    """Active authors (those with a page) with at least one published story."""

    def listed(self):
        published = Article.objects.published()
        return Author.objects.active().filter(
            Exists(Byline.objects.filter(author=OuterRef("pk"), article__in=published))
        )

    def items(self):
        published = Article.objects.published()
        return (
            Author.objects.active()
            .filter(bylines__article__in=published)
            .annotate(newest=Max(_last_change("bylines__article__")))
            .only("slug")
            .order_by("pk")
        )

    def lastmod(self, author):
        return _seconds(author.newest)

    def get_latest_lastmod(self):
        bylined = Byline.objects.filter(article=OuterRef("pk"), author__is_active=True)
        return _newest_change(Article.objects.published().filter(Exists(bylined)))


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


def news_stories(now=None):
    """Stories for the Google News sitemap: published in the last two days, newest first."""
    now = now or timezone.now()
    return (
        Article.objects.published()
        .filter(published_at__gte=now - NEWS_WINDOW)
        .only("headline", "slug", "published_at")
        .order_by("-published_at", "-pk")[:NEWS_LIMIT]
    )


@x_robots_tag
def news_sitemap(request):
    stories = [
        {
            "location": request.build_absolute_uri(story.get_absolute_url()),
            # W3C date-time with the newsroom's offset: when the story first went out.
            "published": timezone.localtime(_seconds(story.published_at)).isoformat(),
            "title": story.headline,
        }
        for story in news_stories()
    ]
    return render(
        request,
        "sitemaps/news.xml",
        {
            "stories": stories,
            "publication_name": settings.NEWSROOM_SITE_NAME,
            "publication_language": settings.NEWSROOM_NEWS_LANGUAGE,
        },
        content_type="application/xml",
    )


def robots_txt(request):
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines.append("")
    for name in ("sitemap-index", "news-sitemap"):
        lines.append(f"Sitemap: {request.build_absolute_uri(reverse(name))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

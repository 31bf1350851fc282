"""RSS 2.0 and Atom feeds: the whole site, a section, a tag and an author.

Every feed lists the newest ``FEED_SIZE`` stories readers can see (``Article.objects.published()``,
the visibility rule) in a fixed number of queries: the subject, the stories, their bylines and
their tags. Each item carries the full sanitised body (RSS ``content:encoded``, Atom
``<content type="html">``), the standfirst as its summary, every byline in order and the tags as
categories.

An item's id is a tag URI made of the site's host, the story's creation date and its primary
key (``tag:example.com,2026-03-09:article:42``): it does not change when the headline, the slug
or the body does, so feed readers never show an edited story twice. (Not the publication date:
that moves when a story taken down is scheduled again.)
"""

import re
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

import pagecache
from authors.models import Author

from .models import Article, Section

FEED_SIZE = 30

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"

# An attribute value in sanitised story HTML that is not already absolute (no scheme, not
# protocol-relative). nh3 writes every attribute with double quotes.
_RELATIVE_URL = re.compile(r'(\s(?:href|src)=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|//)([^"]*)"')


def absolute_urls(html: str, base: str) -> str:
    """``html`` with relative links and image sources made absolute against ``base``: feed
    readers show an item away from the site, where ``/media/...`` means nothing."""
    return _RELATIVE_URL.sub(lambda m: f'{m.group(1)}{urljoin(base, m.group(2))}"', html)


def story_id(host: str, article: Article) -> str:
    """The story's permanent feed id (RFC 4151 tag URI): host, creation date, primary key."""
    created = article.created_at.astimezone(UTC).date()
    return f"tag:{host},{created:%Y-%m-%d}:article:{article.pk}"


def feed_host(request: HttpRequest) -> str:
    domain, _port = split_domain_port(request.get_host())
    return domain.lower()


class NewsRssFeed(Rss201rev2Feed):
    """RSS 2.0 with every byline as ``dc:creator`` and the full story as ``content:encoded``."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NS, "xmlns:dc": DC_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        if item["content_html"]:
            handler.addQuickElement(
                "content:encoded", absolute_urls(item["content_html"], item["link"])
            )


class NewsAtomFeed(Atom1Feed):
    """Atom 1.0 with every byline as an ``<author>`` and the full story as ``<content>``."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")
        if item["content_html"]:
            handler.addQuickElement(
                "content",
                absolute_urls(item["content_html"], item["link"]),
                {"type": "html"},
            )


@dataclass(frozen=True)
class Source:
    """What one feed request is about. Feed objects are shared between requests (threads), so
    the request travels with the subject instead of being stored on the feed."""

    request: HttpRequest
    subject: Section | Tag | Author | None = None


class LatestStories(Feed):
    """The newest stories on the whole site."""

    feed_type = NewsRssFeed
    item_guid_is_permalink = False

    def get_object(self, request):
        return Source(request)

    def stories(self, source):
        return Article.objects.published()

    def items(self, source):
        stories = list(
            self.stories(source)
            .for_listing()
            .defer(None)  # The feed carries the body, which for_listing leaves out.
            .defer("seo_title", "seo_description", "search_vector")
            .prefetch_related("tags")[:FEED_SIZE]
        )
        host = feed_host(source.request)
        for story in stories:
            story.feed_id = story_id(host, story)
        # For the page cache (articles/purging.py): a change to any of these purges this feed.
        pagecache.depends_on(source.request, "feeds", self.subject_key(source), "listings")
        pagecache.depends_on(
            source.request, *{f"tag:{tag.pk}" for story in stories for tag in story.tags.all()}
        )
        return stories

    def subject_key(self, source):
        return None

    # --- The feed ---

    def title(self, source):
        return settings.NEWSROOM_SITE_NAME

    def link(self, source):
        return reverse("articles:front")

    def description(self, source):
        return settings.NEWSROOM_SITE_TAGLINE

    def subtitle(self, source):  # Atom's name for the description.
        return self.description(source)

    def author_name(self, source):
        # Atom: the author of entries without a byline. RSS ignores it.
        return settings.NEWSROOM_SITE_NAME

    def feed_guid(self, source):
        # Atom's feed id: the feed's own address, which stays the same.
        return source.request.build_absolute_uri(source.request.path)

    def feed_copyright(self, source):
        return f"© {settings.NEWSROOM_SITE_NAME}"

    # --- Each story ---

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        # RSS descriptions and Atom summaries (type="html") are HTML; the standfirst is text.
        return escape(item.standfirst)

    def item_guid(self, item):
        return item.feed_id

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at or item.published_at

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]

    def item_extra_kwargs(self, item):
        return {
            "authors": [byline.author.name for byline in item.byline_list],
            "content_html": item.body,
        }


class LatestStoriesAtom(LatestStories):
    feed_type = NewsAtomFeed


class SectionStories(LatestStories):
    def get_object(self, request, slug):
        return Source(request, get_object_or_404(Section, slug=slug))

    def stories(self, source):
        return super().stories(source).filter(section=source.subject)

    def subject_key(self, source):
        return f"section:{source.subject.pk}"

    def title(self, source):
        return f"{source.subject.name} | {settings.NEWSROOM_SITE_NAME}"

    def link(self, source):
        return source.subject.get_absolute_url()

    def description(self, source):
        return (
            source.subject.description
            or f"The latest {source.subject.name} stories from {settings.NEWSROOM_SITE_NAME}."
        )


class SectionStoriesAtom(SectionStories):
    feed_type = NewsAtomFeed


class TagStories(LatestStories):
    def get_object(self, request, slug):
        return Source(request, get_object_or_404(Tag, slug=slug))

    def stories(self, source):
        return super().stories(source).filter(tags=source.subject)

    def subject_key(self, source):
        return f"tag:{source.subject.pk}"

    def title(self, source):
        return f"{source.subject.name} | {settings.NEWSROOM_SITE_NAME}"

    def link(self, source):
        return reverse("articles:tag", kwargs={"slug": source.subject.slug})

    def description(self, source):
        return f"Stories about {source.subject.name} from {settings.NEWSROOM_SITE_NAME}."


class TagStoriesAtom(TagStories):
    feed_type = NewsAtomFeed


class AuthorStories(LatestStories):
    def get_object(self, request, slug):
        # Inactive authors (people who left) have no page, so no feed either.
        return Source(request, get_object_or_404(Author.objects.active(), slug=slug))

    def stories(self, source):
        return super().stories(source).filter(bylines__author=source.subject)

    def subject_key(self, source):
        return f"author:{source.subject.pk}"

    def title(self, source):
        return f"{source.subject.name} | {settings.NEWSROOM_SITE_NAME}"

    def link(self, source):
        return source.subject.get_absolute_url()

    def description(self, source):
        return f"The latest stories by {source.subject.name} for {settings.NEWSROOM_SITE_NAME}."


class AuthorStoriesAtom(AuthorStories):
    feed_type = NewsAtomFeed

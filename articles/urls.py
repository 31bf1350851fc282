from django.urls import path, register_converter

from . import feeds, renditions, views


class FourDigits:
    """Exactly four digits, so each story has one address (no /2025/1/5/ twins)."""

    regex = "[0-9]{4}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


class TwoDigits(FourDigits):
    regex = "[0-9]{2}"


class UnicodeSlug(FourDigits):
    """Tag slugs keep their letters (taggit makes "café-society" of "Café Society")."""

    regex = r"[-\w]+"


register_converter(FourDigits, "yyyy")
register_converter(TwoDigits, "mm")
register_converter(UnicodeSlug, "uslug")

app_name = "articles"
urlpatterns = [
    path("", views.front, name="front"),
    path("<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/", views.article_detail, name="detail"),
    path("section/<slug:slug>/", views.section_detail, name="section"),
    path("tag/<uslug:slug>/", views.tag_detail, name="tag"),
    path("feed/", feeds.LatestStories(), name="feed"),
    path("feed/atom/", feeds.LatestStoriesAtom(), name="feed-atom"),
    path("section/<slug:slug>/feed/", feeds.SectionStories(), name="section-feed"),
    path("section/<slug:slug>/feed/atom/", feeds.SectionStoriesAtom(), name="section-feed-atom"),
    path("tag/<uslug:slug>/feed/", feeds.TagStories(), name="tag-feed"),
    path("tag/<uslug:slug>/feed/atom/", feeds.TagStoriesAtom(), name="tag-feed-atom"),
    path("corrections/", views.corrections, name="corrections"),
    path("search/", views.search_view, name="search"),
    path(
        "images/<int:pk>/<str:key>/<slug:ratio>-w<int:width>.<slug:ext>",
        renditions.serve,
        name="rendition",
    ),
    path("preview/<str:token>/", views.shared_preview, name="shared-preview"),
]

# Author pages: reader pages that list stories, so they live here with the others; their names
# keep the "authors" namespace (newsroom/urls.py).
author_patterns = [
    path("author/<slug:slug>/", views.author_detail, name="detail"),
    path("author/<slug:slug>/feed/", feeds.AuthorStories(), name="feed"),
    path("author/<slug:slug>/feed/atom/", feeds.AuthorStoriesAtom(), name="feed-atom"),
]

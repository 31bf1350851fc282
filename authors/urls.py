from django.urls import path

from articles import feeds

from . import views

app_name = "authors"
urlpatterns = [
    path("author/<slug:slug>/", views.author_detail, name="detail"),
    path("author/<slug:slug>/feed/", feeds.AuthorStories(), name="feed"),
    path("author/<slug:slug>/feed/atom/", feeds.AuthorStoriesAtom(), name="feed-atom"),
]

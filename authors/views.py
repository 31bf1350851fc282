from django.shortcuts import get_object_or_404, render

from articles import cache as page_cache
from articles import seo
from articles.models import Article
from articles.views import archive_page

from .models import Author


def author_detail(request, slug):
    author = get_object_or_404(Author.objects.active(), slug=slug)
    page = archive_page(
        request, Article.objects.published().filter(bylines__author=author).for_listing()
    )
    page_cache.depends_on_listing(request, f"author:{author.pk}")
    return render(
        request,
        "authors/detail.html",
        {"author": author, "page": page, "structured_data": seo.profile_page(request, author)},
    )

from django.shortcuts import get_object_or_404, render

from articles import seo
from articles.models import Article
from articles.views import paginate

from .models import Author


def author_detail(request, slug):
    author = get_object_or_404(Author.objects.active(), slug=slug)
    page = paginate(
        request, Article.objects.published().filter(bylines__author=author).for_listing()
    )
    return render(
        request,
        "authors/detail.html",
        {"author": author, "page": page, "structured_data": seo.profile_page(request, author)},
    )

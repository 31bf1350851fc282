"""Structured data (schema.org JSON-LD) and social-card metadata for reader pages."""

from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone

from . import renditions


def _iso(moment) -> str | None:
    """ISO 8601 with the newsroom's UTC offset, as Google asks for."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat() if moment else None


def publisher(request) -> dict:
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": request.build_absolute_uri("/"),
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(static(settings.NEWSROOM_LOGO)),
            "width": settings.NEWSROOM_LOGO_SIZE[0],
            "height": settings.NEWSROOM_LOGO_SIZE[1],
        },
        "sameAs": [url for _label, url in settings.NEWSROOM_SOCIAL_LINKS],
    }


def person(request, author) -> dict:
    data = {"@type": "Person", "name": author.name}
    if author.is_active:
        data["url"] = request.build_absolute_uri(author.get_absolute_url())
    return data


def image_urls(request, image) -> list[str]:
    return [request.build_absolute_uri(r.url) for r in renditions.structured_data_crops(image)]


def news_article(request, article, bylines, tags, corrections, canonical) -> dict:
    """schema.org NewsArticle for the article page (Google's article guidelines)."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline[:110],
        "description": article.meta_description,
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(article.updated_at or article.published_at),
        "author": [person(request, b.author) for b in bylines],
        "publisher": publisher(request),
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in tags],
        "isAccessibleForFree": True,
        "inLanguage": settings.LANGUAGE_CODE,
    }
    if article.hero_image:
        data["image"] = image_urls(request, article.hero_image)
    if corrections:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": c.text,
                "datePublished": _iso(c.created_at),
            }
            for c in corrections
        ]
    return data


def profile_page(request, author) -> dict:
    """schema.org ProfilePage for an author page."""
    entity = {
        "@type": "Person",
        "name": author.name,
        "url": request.build_absolute_uri(author.get_absolute_url()),
        "sameAs": author.same_as,
    }
    if author.job_title:
        entity["jobTitle"] = author.job_title
    if author.short_bio:
        entity["description"] = author.short_bio
    if author.photo:
        entity["image"] = request.build_absolute_uri(author.photo.url)
    if author.email:
        entity["email"] = f"mailto:{author.email}"
    entity["worksFor"] = {"@type": "NewsMediaOrganization", "name": settings.NEWSROOM_SITE_NAME}
    return {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "dateModified": _iso(author.updated_at),
        "mainEntity": entity,
    }

"""Small factory functions for tests: real rows, no fixtures files."""

import importlib
import io
import itertools
from datetime import timedelta

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, Byline, Image, RelatedLink, Section
from articles.search import update_search_vector
from authors.models import Author

_seq = itertools.count(1)


def image_bytes(fmt="PNG", size=(64, 36), color=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def upload(name="photo.png", fmt="PNG", size=(64, 36)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(fmt, size), content_type="image/png")


def make_section(name=None, **fields) -> Section:
    n = next(_seq)
    name = name or f"Section {n}"
    fields.setdefault("slug", f"{name.lower().replace(' ', '-')}")
    fields.setdefault("position", n)
    return Section.objects.create(name=name, **fields)


def make_author(name=None, **fields) -> Author:
    return Author.objects.create(name=name or f"Author {next(_seq)}", **fields)


def make_image(**fields) -> Image:
    fields.setdefault("alt_text", "A test picture")
    fields.setdefault("credit", "Test Agency")
    return Image.objects.create(file=upload(), **fields)


def make_article(
    *,
    section=None,
    authors=(),
    tags=(),
    published=True,
    published_at=None,
    **fields,
) -> Article:
    """An article; published ones get a publication time an hour ago unless told otherwise.

    Tests set up rows directly (status included) for speed; the state changes under test go
    through articles.workflow.
    """
    n = next(_seq)
    fields.setdefault("headline", f"Story number {n}")
    fields.setdefault("standfirst", f"What happened in story {n}.")
    fields.setdefault("body", f"<p>Body of story {n}.</p>")
    if published:
        fields["status"] = Article.Status.PUBLISHED
        fields["published_at"] = published_at or timezone.now() - timedelta(hours=1)
    article = Article.objects.create(section=section or make_section(), **fields)
    for position, author in enumerate(authors):
        Byline.objects.create(article=article, author=author, position=position)
    if tags:
        article.tags.add(*tags)
    update_search_vector(article)  # As the workflow and the importers keep it.
    return article


def make_archive(count, *, sections, authors, tags, start=None) -> list[Article]:
    """``count`` published stories spread over sections, co-authors and tags, one an hour."""
    start = start or timezone.now() - timedelta(days=1)
    stories = []
    for i in range(count):
        story = make_article(
            section=sections[i % len(sections)],
            authors=[authors[i % len(authors)], authors[(i + 1) % len(authors)]],
            tags=[
                tags[i % len(tags)],
                tags[(i * 7 + 3) % len(tags)],
                tags[(i * 3 + 1) % len(tags)],
            ],
            published_at=start - timedelta(hours=i),
            hero_image=None,
        )
        stories.append(story)
    return stories


def pick(article, *others):
    for position, other in enumerate(others):
        RelatedLink.objects.create(from_article=article, to_article=other, position=position)


def make_user(username, *, role=None, perms=(), staff=True, superuser=False):
    """A login; ``role`` is one of the groups the roles migration creates ("Editor", ...)."""
    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.org", "pw-123456789")
    user = User.objects.create_user(username, f"{username}@example.org", "pw-123456789")
    user.is_staff = staff
    user.save()
    if role:
        if not Group.objects.filter(name=role).exists():
            # Live-server tests empty every table, the migration's groups included.
            roles = importlib.import_module("articles.migrations.0002_roles")
            roles.create_roles(django_apps, None)
        user.groups.add(Group.objects.get(name=role))
    for codename in perms:
        app_label, code = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=code)
        )
    return user

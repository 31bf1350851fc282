"""Importing a WordPress export (WXR), as ``manage.py import_wordpress`` does.

The file is what WordPress's Tools > Export writes: RSS 2.0 with the ``wp:``, ``content:``,
``excerpt:`` and ``dc:`` extensions (WXR 1.0 to 1.2, over http or https), or WordPress.com's
.zip of such files (``wxr.py``). It is parsed with defusedxml (no entity expansion, no external
references) and streamed, so large exports are fine.

What becomes what:

* ``wp:category`` → sections (``wp:category_nicename`` the slug, ``wp:cat_name`` the name);
  ``wp:tag`` → tags; ``wp:author`` → authors (slug from ``wp:author_login``, name from
  ``wp:author_display_name``). Account e-mail addresses are private in WordPress but shown on
  Newsroom author pages, so ``wp:author_email`` is imported only with ``--author-emails``.
* Items of ``wp:post_type`` "post" → stories: title; ``wp:post_name`` the slug (made from the
  title when empty); ``content:encoded`` the body (classic posts keep paragraphs as blank lines:
  text-only blocks are wrapped in ``<p>``, line breaks kept; ``[caption]`` becomes a figure;
  then the site's sanitiser runs); ``excerpt:encoded`` the standfirst; ``dc:creator`` the first
  byline, then Co-Authors Plus co-authors (``<category domain="author"
  nicename="cap-jane-doe">``) in order, matched to existing authors by slug or name or created;
  the first ``category`` the section ("News" when there is none); ``post_tag`` categories
  (``tag`` in WXR 1.0) the tags.
* ``wp:status`` "publish" / "future" → published at ``wp:post_date_gmt`` (``wp:post_date``,
  taken as UTC, if that is missing; scheduled when the time is still to come); "draft", "private" → not published (draft); "pending" → not published, in
  review. Password-protected posts, and posts without a title or body, are not published (the
  workflow would refuse), with a warning. Trash, auto-drafts, pages and attachments are ignored.
* Featured images: ``_thumbnail_id`` names an attachment item; with ``--media-dir DIR`` the
  file of its URL (``wp-content/uploads/2019/05/x.jpg`` found as ``DIR/2019/05/x.jpg`` or
  ``DIR/wp-content/uploads/2019/05/x.jpg``) becomes the story's hero image, checked like an
  upload (invalid files are skipped with a warning); alt text from ``_wp_attachment_image_alt``
  or the attachment's title, caption from its excerpt, credit "Imported from WordPress".
* Old addresses: the path of each post's ``<link>`` (e.g. ``/2019/05/03/my-post/``) and its
  short link ``/?p=ID`` are stored as ``articles.LegacyRedirect`` rows, which answer 301 to the
  story once readers may see it.

Stories are written through the workflow's bulk entry point (``articles.workflow.bulk``), so they
end up as ``create`` then ``publish`` (or ``submit``) leaves them: revision 1 with the snapshot,
audit entries "created" and "published"/"scheduled"/"submitted", search vector. Posts already imported (same slug, or an old address already
stored) are skipped, so a second run adds nothing. Everything is one transaction: an error
leaves the database as it was (and removes image files already stored).
"""

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify

from articles.importing.rows import (
    ARTICLE_SLUG,
    AUTHOR_NAME,
    AUTHOR_SLUG,
    HEADLINE,
    SECTION_NAME,
    SECTION_SLUG,
    STANDFIRST,
    TAG_NAME,
    TAG_SLUG,
    AuthorIn,
    Result,
    SectionIn,
    Stage,
    Status,
    StoryIn,
    TagIn,
    legacy_redirect_model,
)
from articles.importing.writer import BulkWriter
from articles.importing.wxr import Export, Item, read_export
from articles.models import Article, Image
from articles.sanitize import clean_body
from authors.models import Author
from common.images import inspect_image

NO_DATE = "0000-00-00 00:00:00"
CREDIT = "Imported from WordPress"
DEFAULT_SECTION = ("news", "News")
MAX_PATH = 500  # LegacyRedirect.old_path

# Block-level tags: a blank-line-separated block with none of these is a classic paragraph.
BLOCK_TAG = re.compile(
    r"</?(?:p|div|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|figure|figcaption|table|thead|tbody|tr|td"
    r"|th|pre|hr|section|article|aside|header|footer|address|iframe|script|style)\b|<!--",
    re.I,
)
CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S | re.I)
CAPTION_MEDIA = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)
EMBED = re.compile(r"\[embed\b[^\]]*\]\s*(\S+?)\s*\[/embed\]", re.I)
DROPPED_SHORTCODE = re.compile(
    r"\[(gallery|audio|video|playlist)\b[^\]]*\](?:.*?\[/\1\])?", re.S | re.I
)


def plain(text: str) -> str:
    """WordPress names and titles: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(text or "")).split())


def cut(text: str, limit: int) -> str:
    return Truncator(text).chars(limit) if len(text) > limit else text


def wp_date(value: str) -> datetime | None:
    if not value or value == NO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _caption(match) -> str:
    attributes, inner = match.groups()
    media = CAPTION_MEDIA.match(inner)
    if not media:
        return inner
    image, text = media.groups()
    text = text.strip()
    if not text:
        found = re.search(r'caption="([^"]*)"', attributes)
        text = found.group(1) if found else ""
    caption = f"<figcaption>{text}</figcaption>" if text else ""
    return f"<figure>{image}{caption}</figure>"


def wp_body(content: str) -> tuple[str, list[str]]:
    """Story HTML from ``content:encoded``, and the shortcodes that had to be dropped."""
    text = (content or "").replace("\r\n", "\n").replace("\r", "\n")
    text = CAPTION.sub(_caption, text)
    text = EMBED.sub(lambda m: '<p><a href="{0}">{0}</a></p>'.format(html.escape(m.group(1))), text)
    dropped = sorted({m.group(1).lower() for m in DROPPED_SHORTCODE.finditer(text)})
    text = DROPPED_SHORTCODE.sub("", text)
    blocks = []
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block:
            continue
        if BLOCK_TAG.search(block):
            blocks.append(block)  # Already HTML blocks (block editor, or a list, a quote...).
        else:
            blocks.append("<p>" + block.replace("\n", "<br>\n") + "</p>")
    return clean_body("\n".join(blocks)), dropped


def old_path(link: str) -> str:
    """The path (and query) of a permalink, as a request for it arrives."""
    parts = urlsplit(link.strip())
    path = unquote(parts.path or "/")
    if not path.startswith("/"):
        path = "/" + path
    return f"{path}?{parts.query}" if parts.query else path


def section_slug(nicename: str, name: str) -> str:
    return (slugify(unquote(nicename)) or slugify(name) or "section")[:SECTION_SLUG].strip("-")


def tag_slug(nicename: str, name: str) -> str:
    value = slugify(unquote(nicename), allow_unicode=True) or slugify(name, allow_unicode=True)
    return (value or "tag")[:TAG_SLUG].strip("-")


def author_slug(login: str, name: str = "") -> str:
    return (slugify(login) or slugify(name) or "author")[:AUTHOR_SLUG].strip("-")


class Converter:
    """Turns an Export into the rows BulkWriter writes."""

    def __init__(self, export: Export, *, now, media_dir: Path | None, emails: bool, warn):
        self.export, self.now, self.media_dir, self.emails = export, now, media_dir, emails
        self.warn = warn
        self.sections: dict[str, SectionIn] = {}
        self.authors: dict[str, AuthorIn] = {}
        self.tags: dict[str, TagIn] = {}
        self.logins: dict[str, str] = {}  # WordPress login -> author slug
        self.stories: list[StoryIn] = []
        self.ignored = 0
        self.images_made: list[Image] = []
        self.stored_files: list[str] = []
        self.missing_media = 0
        self._images: dict[str, Image | None] = {}

    def convert(self):
        for values in self.export.categories:
            name = cut(plain(values.get("cat_name", "")), SECTION_NAME)
            slug = section_slug(values.get("category_nicename", ""), name)
            self.sections.setdefault(slug, SectionIn(0, slug, name or slug))
        for values in self.export.tags:
            name = cut(plain(values.get("tag_name", "")), TAG_NAME)
            slug = tag_slug(values.get("tag_slug", ""), name)
            self.tags.setdefault(slug, TagIn(0, slug, name or slug))
        for values in self.export.authors:
            login = values.get("author_login", "").strip()
            name = plain(values.get("author_display_name", "")) or login
            slug = author_slug(login, name)
            email = values.get("author_email", "").strip() if self.emails else ""
            self.authors.setdefault(
                slug, AuthorIn(0, slug, cut(name, AUTHOR_NAME) or slug, email=email[:254])
            )
            self.logins[login] = slug
        attachments = {i.post_id: i for i in self.export.items if i.post_type == "attachment"}
        posts = []
        for item in self.export.items:
            if item.post_type != "post" or item.status in ("trash", "auto-draft", "inherit"):
                self.ignored += 1
            else:
                posts.append(item)
        slugs = self._slugs(posts)
        for item, slug in zip(posts, slugs, strict=True):
            self.stories.append(self._story(item, slug, attachments))
        if self.missing_media:
            self.warn(
                f"{self.missing_media} featured image(s) not imported: give --media-dir, the "
                "folder of the site's wp-content/uploads."
            )

    # Posts.

    def _slugs(self, posts: list[Item]) -> list[str]:
        """Each post's slug: its own (made unique within the file), else one made from the
        title that no story in the database or the file has."""
        given = [slugify(unquote(p.post_name))[:ARTICLE_SLUG].strip("-") for p in posts]
        used, result = set(), []
        for post, slug in zip(posts, given, strict=True):
            if slug and slug not in used:
                used.add(slug)
                result.append(slug)
                continue
            base = (slug or slugify(plain(post.title)))[: ARTICLE_SLUG - 8].strip("-")
            base = base or f"post-{post.post_id or len(result) + 1}"
            taken = used | set(
                Article.objects.filter(slug__startswith=base).values_list("slug", flat=True)
            )
            candidate, n = base, 2
            while candidate in taken or candidate in given:
                candidate, n = f"{base}-{n}", n + 1
            if slug:
                self.warn(
                    f"post {post.post_id}: slug “{slug}” used twice; this one is {candidate}."
                )
            used.add(candidate)
            result.append(candidate)
        return result

    def _story(self, item: Item, slug: str, attachments: dict[str, Item]) -> StoryIn:
        label = f"post {item.post_id} ({slug})"
        headline = plain(item.title)
        if len(headline) > HEADLINE:
            self.warn(f"{label}: title cut to {HEADLINE} characters.")
            headline = cut(headline, HEADLINE)
        body, dropped = wp_body(item.content)
        if dropped:
            self.warn(f"{label}: shortcodes dropped: {', '.join(dropped)}.")
        standfirst = cut(plain(item.excerpt), STANDFIRST)

        when = wp_date(item.date_gmt) or wp_date(item.date)
        status, stage, published_at = Status.NOT_PUBLISHED, Stage.DRAFT, None
        if item.status in ("publish", "future"):
            if item.password:
                self.warn(f"{label}: password-protected in WordPress; imported unpublished.")
            elif not headline or not body:
                self.warn(f"{label}: no title or no body; imported unpublished.")
            else:
                published_at = when or self.now
                status = Status.PUBLISHED if published_at <= self.now else Status.SCHEDULED
                stage = Stage.APPROVED
        elif item.status == "pending":
            stage = Stage.IN_REVIEW
        elif item.status not in ("draft", "private"):
            self.warn(f"{label}: unknown status “{item.status}”; imported as a draft.")

        paths = []
        if item.link:
            paths.append(old_path(item.link))
        if item.post_id.isdigit():
            paths.append(f"/?p={item.post_id}")
        paths = [p for p in dict.fromkeys(paths) if p != "/" and len(p) <= MAX_PATH]

        return StoryIn(
            line=0,
            slug=slug,
            headline=headline or "(no title)",
            body=body,
            section=self._section(item),
            published_at=published_at,
            status=status,
            stage=stage,
            standfirst=standfirst,
            authors=self._bylines(item),
            tags=self._tags(item),
            hero=self._hero(item, attachments, label),
            legacy_paths=paths,
        )

    def _section(self, item: Item) -> str:
        for domain, nicename, text in item.categories:
            if domain == "category":
                name = cut(plain(text), SECTION_NAME)
                slug = section_slug(nicename, name)
                self.sections.setdefault(slug, SectionIn(0, slug, name or slug))
                return slug
        slug, name = DEFAULT_SECTION
        self.sections.setdefault(slug, SectionIn(0, slug, name))
        return slug

    def _tags(self, item: Item) -> list[str]:
        slugs = []
        for domain, nicename, text in item.categories:
            if domain in ("post_tag", "tag"):  # "tag" in WXR 1.0
                name = cut(plain(text), TAG_NAME)
                slug = tag_slug(nicename, name)
                self.tags.setdefault(slug, TagIn(0, slug, name or slug))
                slugs.append(slug)
        return list(dict.fromkeys(slugs))

    def _bylines(self, item: Item) -> list[str]:
        slugs = []
        if item.creator:
            slug = self.logins.get(item.creator)
            if slug is None:
                slug = author_slug(item.creator)
                self.authors.setdefault(slug, AuthorIn(0, slug, cut(item.creator, AUTHOR_NAME)))
                self.logins[item.creator] = slug
            slugs.append(slug)
        for domain, nicename, text in item.categories:
            if domain == "author":
                slugs.append(self._co_author(unquote(nicename).removeprefix("cap-"), plain(text)))
        return list(dict.fromkeys(slugs))

    def _co_author(self, nicename: str, name: str) -> str:
        """A Co-Authors Plus author: the author with that slug, or that name, or a new one."""
        slug = author_slug(nicename, name)
        if slug in self.authors:
            return slug
        found = Author.objects.filter(slug=slug).values_list("slug", "name").first()
        if found is None and name:
            for known in self.authors.values():
                if known.name.casefold() == name.casefold():
                    return known.slug
            found = Author.objects.filter(name__iexact=name).values_list("slug", "name").first()
        if found is not None:
            slug, name = found  # Already in the database: used as it is (counted as skipped).
        self.authors[slug] = AuthorIn(0, slug, cut(name, AUTHOR_NAME) or slug)
        return slug

    # Featured images.

    def _hero(self, item: Item, attachments: dict[str, Item], label: str):
        attachment = attachments.get(item.meta.get("_thumbnail_id", "").strip())
        if attachment is None:
            return None
        if self.media_dir is None:
            self.missing_media += 1
            return None
        return lambda: self._image(attachment, label)

    def _locate(self, attachment: Item) -> Path | None:
        url_path = unquote(urlsplit(attachment.attachment_url).path)
        relative = []
        if attachment.meta.get("_wp_attached_file"):
            relative.append(attachment.meta["_wp_attached_file"])
        if "/wp-content/uploads/" in url_path:
            relative.append(url_path.split("/wp-content/uploads/", 1)[1])
        relative.append(url_path.lstrip("/"))
        root = self.media_dir.resolve()
        for name in relative:
            candidate = (root / name).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None

    def _image(self, attachment: Item, label: str) -> Image | None:
        """The hero image of a story being created (made once per attachment)."""
        if attachment.post_id in self._images:
            return self._images[attachment.post_id]
        image = None
        path = self._locate(attachment)
        if path is None:
            self.warn(
                f"{label}: featured image {attachment.attachment_url} not in the media folder."
            )
        else:
            with path.open("rb") as handle:
                upload = File(handle, name=path.name)
                try:
                    inspect_image(upload)
                except ValidationError as exc:
                    self.warn(f"{label}: featured image {path.name} skipped: {exc.messages[0]}")
                else:
                    title = plain(attachment.title)
                    alt = plain(attachment.meta.get("_wp_attachment_image_alt", "")) or title
                    image = Image(
                        file=upload,
                        alt_text=cut(alt or "Image", 300),
                        caption=cut(plain(attachment.excerpt), 400),
                        credit=CREDIT,
                    )
                    image.save()
                    self.stored_files.append(image.file.name)
                    self.images_made.append(image)
        self._images[attachment.post_id] = image
        return image

    def discard_files(self):
        for name in self.stored_files:
            default_storage.delete(name)


def import_export(path: str, *, media_dir: Path | None, emails: bool, warn, progress=None):
    """Read, convert and write the export at ``path`` in one transaction (an error leaves the
    database as it was and removes the image files stored). Returns (result, converter,
    writer, whether old addresses are kept) for the summary."""
    export = read_export(path)
    converter = Converter(export, now=timezone.now(), media_dir=media_dir, emails=emails, warn=warn)
    converter.convert()
    redirects = legacy_redirect_model()
    if redirects is None:
        warn("This installation has no LegacyRedirect model: old addresses are not kept.")
    writer = BulkWriter(
        note=f"Imported from WordPress export {Path(path).name}", warn=warn, progress=progress
    )
    writer.plan(
        list(converter.sections.values()),
        list(converter.authors.values()),
        list(converter.tags.values()),
        converter.stories,
    )
    try:
        with transaction.atomic():
            result: Result = writer.write()
    except BaseException:
        converter.discard_files()
        raise
    return result, converter, writer, redirects is not None

"""Reading a WordPress export (WXR 1.0 to 1.2: RSS 2.0 with the ``wp:``, ``content:``,
``excerpt:`` and ``dc:`` extensions), with defusedxml (no entity expansion, no external
references), streamed, so large exports are fine.

Every export WordPress and WordPress.com write is read:

- WXR 1.0 (WordPress 2.x-3.0: no ``wp:author`` list, tags as ``<category domain="tag">``),
  1.1 and 1.2, told apart by nothing but the version in their namespace URIs, which are
  ``http://wordpress.org/export/1.x/`` (and ``.../excerpt/``) or the same over ``https://``;
- the ``content:`` and ``dc:`` namespaces over http or https;
- WordPress.com's download: a .zip holding one or more .xml files (large sites are split into
  ``site.wordpress.2024-01-31.000.xml``, ``.001.xml``...), read in order as one export;
- blank lines or a byte-order mark before the XML declaration (a theme or plugin that prints
  whitespace ends up in the export, and XML forbids anything before the declaration).
"""

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from articles.importing.rows import BadImport

# http(s)://wordpress.org/export/1.2/ and its excerpt namespace http(s)://.../1.2/excerpt/.
WP_NAMESPACE = re.compile(r"^https?://(?:www\.)?wordpress\.org/export/\d+(?:\.\d+)*/?(excerpt/?)?$")
OTHER_NAMESPACES = {
    "purl.org/rss/1.0/modules/content/": "content",
    "purl.org/dc/elements/1.1/": "dc",
}
BLANK = b" \t\r\n"
BOM = b"\xef\xbb\xbf"


def split_tag(tag: str) -> tuple[str, str]:
    """("wp" | "excerpt" | "content" | "dc" | "" | other namespace, local name)."""
    if not tag.startswith("{"):
        return "", tag
    ns, name = tag[1:].split("}", 1)
    wordpress = WP_NAMESPACE.match(ns)
    if wordpress:
        return ("excerpt" if wordpress.group(1) else "wp"), name
    scheme, _, rest = ns.partition("://")
    if scheme in ("http", "https") and rest in OTHER_NAMESPACES:
        return OTHER_NAMESPACES[rest], name
    return ns, name


def fields_of(element) -> dict[tuple[str, str], str]:
    """First text of each child, keyed by (namespace kind, local name)."""
    found = {}
    for child in element:
        found.setdefault(split_tag(child.tag), child.text or "")
    return found


@dataclass
class Item:
    post_id: str
    post_type: str
    status: str
    title: str
    link: str
    post_name: str
    content: str
    excerpt: str
    creator: str
    date_gmt: str
    date: str
    password: str
    attachment_url: str
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # domain, nicename, text
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Export:
    authors: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


class TrimmedStart:
    """A binary file read from its first byte that is not blank (or a byte-order mark)."""

    def __init__(self, raw):
        self.raw, self.head = raw, b""
        while True:
            chunk = raw.read(8192)
            if not chunk:
                return
            stripped = chunk.lstrip(BLANK)
            if stripped.startswith(BOM):
                stripped = stripped[len(BOM) :].lstrip(BLANK)
            if stripped:
                self.head = stripped
                return

    def read(self, size=-1):
        if self.head:
            if size is None or size < 0:
                data, self.head = self.head + self.raw.read(), b""
            else:
                data, self.head = self.head[:size], self.head[size:]
            return data
        return self.raw.read(size)


def read_export(path: str) -> Export:
    """The export at ``path``: an .xml file, or a .zip of them (WordPress.com's download)."""
    export = Export()
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = sorted(
                    info.filename
                    for info in archive.infolist()
                    if not info.is_dir()
                    and info.filename.lower().endswith(".xml")
                    and not info.filename.startswith(("__MACOSX/", "."))
                )
                if not names:
                    raise BadImport(f"{path} is a .zip with no WordPress export (.xml) in it.")
                for name in names:
                    with archive.open(name) as member:
                        read_into(export, member, f"{path} ({name})")
        else:
            with open(path, "rb") as file:
                read_into(export, file, path)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise BadImport(f"{path} is a damaged .zip ({exc}); nothing was imported.") from exc
    except OSError as exc:
        raise BadImport(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return export


def read_into(export: Export, file, label: str) -> None:
    """Add the authors, terms and items of one export file to ``export``."""
    root, wxr = None, False
    try:
        for event, element in iterparse(TrimmedStart(file), events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                    if split_tag(element.tag) != ("", "rss"):
                        raise BadImport(f"{label} is not a WordPress export (no <rss> root).")
                continue
            kind, name = split_tag(element.tag)
            wxr = wxr or kind == "wp"
            if kind == "" and name == "item":
                export.items.append(parse_item(element))
                element.clear()
            elif kind == "wp" and name in ("author", "category", "tag"):
                values = {key[1]: value for key, value in fields_of(element).items()}
                {"author": export.authors, "category": export.categories, "tag": export.tags}[
                    name
                ].append(values)
                element.clear()
    except ParseError as exc:
        line, column = exc.position
        raise BadImport(
            f"{label} is not well-formed XML (line {line}, column {column + 1}); "
            "nothing was imported."
        ) from exc
    except DefusedXmlException as exc:
        raise BadImport(
            f"{label} was refused: {exc.__class__.__name__} (entity declarations and external "
            "references are not accepted in an export); nothing was imported."
        ) from exc
    if not wxr:
        raise BadImport(f"{label} is not a WordPress export (no wp: elements in it).")


def parse_item(element) -> Item:
    values = fields_of(element)
    item = Item(
        post_id=values.get(("wp", "post_id"), "").strip(),
        post_type=values.get(("wp", "post_type"), "").strip(),
        status=values.get(("wp", "status"), "").strip(),
        title=values.get(("", "title"), ""),
        link=values.get(("", "link"), "").strip(),
        post_name=values.get(("wp", "post_name"), "").strip(),
        content=values.get(("content", "encoded"), ""),
        excerpt=values.get(("excerpt", "encoded"), ""),
        creator=values.get(("dc", "creator"), "").strip(),
        date_gmt=values.get(("wp", "post_date_gmt"), "").strip(),
        date=values.get(("wp", "post_date"), "").strip(),
        password=values.get(("wp", "post_password"), "").strip(),
        attachment_url=values.get(("wp", "attachment_url"), "").strip(),
    )
    for child in element:
        kind, name = split_tag(child.tag)
        if kind == "" and name == "category":
            item.categories.append(
                (child.get("domain", ""), child.get("nicename", ""), (child.text or "").strip())
            )
        elif kind == "wp" and name == "postmeta":
            meta = {key[1]: value for key, value in fields_of(child).items()}
            item.meta.setdefault(meta.get("meta_key", ""), meta.get("meta_value", ""))
    return item

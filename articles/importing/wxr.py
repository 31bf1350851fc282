"""Reading a WordPress export (WXR 1.0 to 1.2: RSS 2.0 with the ``wp:``, ``content:``,
``excerpt:`` and ``dc:`` extensions), with defusedxml (no entity expansion, no external
references), streamed, so large exports are fine."""

from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from articles.importing.rows import BadImport

WP_PREFIX = "http://wordpress.org/export/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"


def split_tag(tag: str) -> tuple[str, str]:
    """("wp" | "excerpt" | "content" | "dc" | "" | other namespace, local name)."""
    if not tag.startswith("{"):
        return "", tag
    ns, name = tag[1:].split("}", 1)
    if ns.startswith(WP_PREFIX):
        return ("excerpt" if ns.rstrip("/").endswith("excerpt") else "wp"), name
    if ns == CONTENT_NS:
        return "content", name
    if ns == DC_NS:
        return "dc", name
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


def read_export(path: str) -> Export:
    export = Export()
    root, wxr = None, False
    try:
        for event, element in iterparse(path, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                    if split_tag(element.tag) != ("", "rss"):
                        raise BadImport(f"{path} is not a WordPress export (no <rss> root).")
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
            f"{path} is not well-formed XML (line {line}, column {column + 1}); "
            "nothing was imported."
        ) from exc
    except DefusedXmlException as exc:
        raise BadImport(
            f"{path} was refused: {exc.__class__.__name__} (entity declarations and external "
            "references are not accepted in an export); nothing was imported."
        ) from exc
    except OSError as exc:
        raise BadImport(f"Cannot read {path}: {exc.strerror}") from exc
    if not wxr:
        raise BadImport(f"{path} is not a WordPress export (no wp: elements in it).")
    return export


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

"""What changed between two revisions of a story, as the history page shows it.

Fields are compared word by word. The body is compared block by block (paragraphs, headings,
list items, quotes, pictures and figures, in the editor's shape: articles/bodyshape.py), so
paragraphs no longer run together ("argument.What the plan means") and a block that moved,
appeared or went is shown as such; pictures (by address and description), figures (picture and
caption) and links (address and words) that were added or removed are listed by name, since a
word diff of the text cannot show them.

Everything returned is escaped here (format_html); nothing from a body is marked safe as it is.
"""

import difflib
from collections import Counter
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join

from articles import bodyshape

FIELD_LABELS = {
    "headline": "Headline",
    "slug": "Slug",
    "standfirst": "Standfirst",
    "body": "Body",
    "section": "Section",
    "hero_image": "Hero image",
    "hero_caption": "Hero caption",
    "seo_title": "SEO title",
    "seo_description": "SEO description",
    "is_lead": "Lead story",
    "bylines": "Bylines",
    "tags": "Tags",
    "related": "Related picks",
}
KIND_NAMES = {
    "p": "Paragraph",
    "h2": "Heading",
    "h3": "Subheading",
    "h4": "Minor heading",
    "img": "Picture",
    "figure": "Figure",
    "hr": "Rule",
    "li": "List item",
}
# Blocks this alike (difflib's ratio of their words) are one block edited, not two different.
SAME_BLOCK = 0.5


def word_diff(old: str, new: str):
    """Inline word diff with <del>/<ins>, every word escaped."""
    a, b = old.split(), new.split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("{}", " ".join(a[i1:i2])))
        if op in {"delete", "replace"}:
            parts.append(("<del>{}</del>", " ".join(a[i1:i2])))
        if op in {"insert", "replace"}:
            parts.append(("<ins>{}</ins>", " ".join(b[j1:j2])))
    return format_html_join(" ", "{}", ((format_html(tpl, text),) for tpl, text in parts))


# --- The body, block by block ----------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One block as the diff compares it."""

    kind: str  # a key of KIND_NAMES, "quote " + one for a block in a quotation
    text: str
    picture: tuple = ()  # (src, alt) of a picture or figure

    @property
    def name(self):
        quoted = self.kind.startswith("quote ")
        name = KIND_NAMES[self.kind.removeprefix("quote ")]
        return f"{name} in a quotation" if quoted else name


def _text(runs):
    return " ".join("".join(" " if r.is_break else r.text for r in runs).split())


def _picture(attrs):
    attrs = dict(attrs)
    return (attrs.get("src", ""), attrs.get("alt", ""))


def _units(blocks, prefix=""):
    for block in blocks:
        kind = block[0]
        if kind in bodyshape.TEXTBLOCKS:
            yield Unit(prefix + kind, _text(block[1]))
        elif kind == "img":
            yield Unit(prefix + "img", "", _picture(block[1]))
        elif kind == "figure":
            yield Unit(prefix + "figure", _text(block[2] or []), _picture(block[1]))
        elif kind == "hr":
            yield Unit(prefix + "hr", "")
        elif kind == "blockquote":
            yield from _units(block[1], "quote ")
        else:  # a list: each item's words, then any list inside it
            for item in block[3]:
                words = [_text(b[1]) for b in item if b[0] in bodyshape.TEXTBLOCKS]
                yield Unit(prefix + "li", " ".join(w for w in words if w))
                yield from _units([b for b in item if b[0] not in bodyshape.TEXTBLOCKS], prefix)


def _links(blocks):
    """(address, words) of every link in the blocks, in order."""
    found = []

    def runs_of(runs):
        current, words = None, []
        for run in [*runs, None]:
            link = next((dict(m[1]) for m in run.marks if m[0] == "a"), None) if run else None
            if current is not None and link != current:
                found.append((current.get("href", ""), " ".join("".join(words).split())))
                words = []
            current = link
            if link is not None:
                words.append(" " if run.is_break else run.text)

    def walk(blocks):
        for block in blocks:
            if block[0] in bodyshape.TEXTBLOCKS:
                runs_of(block[1])
            elif block[0] == "figure":
                runs_of(block[2] or [])
            elif block[0] == "blockquote":
                walk(block[1])
            elif block[0] == "list":
                for item in block[3]:
                    walk(item)

    walk(blocks)
    return found


def _similar(a: Unit, b: Unit) -> float:
    if a.picture and a.picture == b.picture:
        return 1.0
    if not a.text and not b.text:
        return 1.0 if a.kind == b.kind else 0.0
    return difflib.SequenceMatcher(a=a.text.split(), b=b.text.split(), autojunk=False).ratio()


def _pair(old, new):
    """Old and new blocks of a replaced stretch: edited pairs (alike enough), and the rest as
    removed or added, in the order of the new text."""
    rows, j = [], 0
    for unit in old:
        match = next((k for k in range(j, len(new)) if _similar(unit, new[k]) >= SAME_BLOCK), None)
        if match is None:
            rows.append(("removed", unit, None))
            continue
        rows.extend(("added", None, n) for n in new[j:match])
        rows.append(("changed", unit, new[match]))
        j = match + 1
    rows.extend(("added", None, n) for n in new[j:])
    return rows


def _picture_words(picture):
    src, alt = picture
    return format_html("{} ({})", alt or "no description", src) if src else ""


def _row(status, old: Unit | None, new: Unit | None):
    unit = new or old
    if status == "changed":
        label = old.name if old.kind == new.kind else f"{old.name} → {new.name}"
        diff = word_diff(old.text, new.text)
        if old.picture != new.picture:
            diff = format_html(
                '{} <span class="body-diff__picture">Picture: <del>{}</del> <ins>{}</ins></span>',
                diff,
                _picture_words(old.picture),
                _picture_words(new.picture),
            )
        return {"status": status, "label": f"{label} changed", "diff": diff}
    tag = "<ins>{}</ins>" if status == "added" else "<del>{}</del>"
    words = unit.text or ""
    if unit.picture:
        words = format_html("{}{}", _picture_words(unit.picture), f" – {words}" if words else "")
    label = f"{unit.name} {status}"
    return {"status": status, "label": label, "diff": format_html(tag, words) if words else ""}


def _counted(old, new):
    """(removed, added): what is in one list and not the other, repeats counted."""
    a, b = Counter(old), Counter(new)
    return list((a - b).elements()), list((b - a).elements())


def body_changes(old_html: str, new_html: str) -> dict:
    """The body's changes: edited, added and removed blocks, and the pictures, figures and
    links that came or went."""
    old_blocks, new_blocks = bodyshape.blocks_of(old_html), bodyshape.blocks_of(new_html)
    old, new = list(_units(old_blocks)), list(_units(new_blocks))
    rows = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            rows.extend(_row(*r) for r in _pair(old[i1:i2], new[j1:j2]))

    def pictures(units):
        return [u.picture for u in units if u.picture]

    def figures(units):
        return [(u.picture, u.text) for u in units if u.kind.endswith("figure")]

    removed_pictures, added_pictures = _counted(pictures(old), pictures(new))
    removed_figures, added_figures = _counted(figures(old), figures(new))
    removed_links, added_links = _counted(_links(old_blocks), _links(new_blocks))
    return {
        "blocks": rows,
        "unchanged": sum(i2 - i1 for op, i1, i2, _, _ in matcher.get_opcodes() if op == "equal"),
        "lists": [
            item
            for item in [
                ("Pictures added", [_picture_words(p) for p in added_pictures]),
                ("Pictures removed", [_picture_words(p) for p in removed_pictures]),
                ("Figures added", [_figure_words(f) for f in added_figures]),
                ("Figures removed", [_figure_words(f) for f in removed_figures]),
                ("Links added", [_link_words(link) for link in added_links]),
                ("Links removed", [_link_words(link) for link in removed_links]),
            ]
            if item[1]
        ],
    }


def _figure_words(figure):
    picture, caption = figure
    return format_html("{}, caption “{}”", _picture_words(picture), caption or "none")


def _link_words(link):
    href, words = link
    return format_html("“{}” → {}", words, href)


# --- Every field -----------------------------------------------------------------------------


def describe(name, value, names):
    if name == "bylines":
        return ", ".join(
            f"{names['authors'].get(b['author'], b['author'])} ({b['role']})" for b in value
        )
    if name == "section":
        return names["sections"].get(value, str(value))
    if name in {"tags", "related"}:
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def revision_changes(previous: dict | None, current: dict, names) -> list[dict]:
    """What changed from ``previous`` to ``current``, field by field, as readable diffs (the
    body's as ``body``: see body_changes)."""
    changes = []
    for name, label in FIELD_LABELS.items():
        old = describe(
            name,
            (previous or {}).get(name, "" if name not in {"bylines", "tags", "related"} else []),
            names,
        )
        new = describe(name, current.get(name), names)
        if old == new:
            continue
        if name == "body":
            # Same blocks and words: bold, italics, a link's address... (listed if a link).
            body = body_changes(old, new)
            body["formatting_only"] = not (body["blocks"] or body["lists"])
            changes.append({"label": label, "body": body})
        else:
            changes.append({"label": label, "diff": word_diff(old, new)})
    return changes

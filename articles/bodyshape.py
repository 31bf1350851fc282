"""Story HTML in the shape the body editor's schema gives it.

The editor (django-prose-editor, a ProseMirror schema; static/admin_extra/body_editor.js has the
newsroom's picture rules) reads a body into its own structure and writes it back. Whatever it
cannot hold it reshapes: a paragraph around loose text, ``<strong>`` for ``<b>``, a picture out
of a paragraph, a caption only inside a figure around a picture with a source. ``reshape`` does
the same on the server, for HTML nh3 has already cleaned (articles/sanitize.py), so that what is
stored is what the editor will write back: a story opened and saved untouched keeps its HTML,
and a body that came from elsewhere (an import, a shell) is stored as the editor would save it.

``parse`` is the small tree the history diff (articles/admin/diffs.py) reads too.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"img", "br", "hr"}
TEXTBLOCKS = ("p", "h2", "h3", "h4")
LISTS = ("ul", "ol")
# The editor's marks, outermost first (its Link has a higher priority than the others, which
# come in the order of articles.models.BODY_EDITOR_EXTENSIONS).
MARK_ORDER = ("a", "strong", "em", "u", "s", "sub", "sup")
MARK_ALIASES = {"b": "strong", "i": "em"}
IMAGE_ATTRIBUTES = ("src", "alt", "title", "width", "height")
LINK_ATTRIBUTES = ("href", "title", "rel")
# The whitespace ProseMirror collapses (not the no-break space).
_SPACES = re.compile(r"[ \t\r\n\f]+")
_SPACE_CHARS = " \t\r\n\f"


@dataclass
class Element:
    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)  # Elements and strings


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("body")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {n: v or "" for n, v in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def parse(html: str) -> Element:
    """The element tree of (already cleaned) story HTML, under a ``body`` element."""
    builder = _TreeBuilder()
    builder.feed(html or "")
    builder.close()
    return builder.root


def usable_source(element: Element) -> bool:
    return bool(element.attrs.get("src", "").strip())


# --- Inline content: runs of text and line breaks, each with its marks ------------------------


@dataclass(frozen=True)
class Run:
    text: str  # "" for a line break
    marks: tuple = ()  # ((tag, attrs tuple), ...) in MARK_ORDER

    @property
    def is_break(self):
        return self.text == ""


def _with_mark(marks, tag, attrs=()):
    kept = [m for m in marks if m[0] != tag] + [(tag, attrs)]  # An inner link wins.
    return tuple(sorted(kept, key=lambda m: MARK_ORDER.index(m[0])))


def _flow(nodes, marks=()):
    """Inline runs and the blocks met among them, in order: ("run", Run) or ("block", ...)."""
    for node in nodes:
        if isinstance(node, str):
            yield "run", Run(node, marks)
            continue
        tag = MARK_ALIASES.get(node.tag, node.tag)
        if tag == "br":
            yield "run", Run("", marks)
        elif tag == "a" and node.attrs.get("href", "").strip():
            attrs = tuple((n, node.attrs[n]) for n in LINK_ATTRIBUTES if n in node.attrs)
            yield from _flow(node.children, _with_mark(marks, "a", attrs))
        elif tag in MARK_ORDER and tag != "a":
            yield from _flow(node.children, _with_mark(marks, tag))
        elif tag in {"img", "figure", "figcaption", "hr", "blockquote", *LISTS, *TEXTBLOCKS}:
            for block in _block_of(node):
                yield "block", block
        else:  # <a> without an address, <code>, anything else: its content only.
            yield from _flow(node.children, marks)


def tidy_runs(runs):
    """Whitespace as the editor keeps it: runs collapsed to one space, none at the start of a
    block or after a line break or another space, none at the end; same-marked text joined."""
    out = []
    for run in runs:
        if run.is_break:
            out.append(run)
            continue
        text = _SPACES.sub(" ", run.text)
        if text.startswith(" "):
            before = out[-1] if out else None
            if before is None or before.is_break or before.text.endswith(" "):
                text = text[1:]
        if not text:
            continue
        if out and not out[-1].is_break and out[-1].marks == run.marks:
            out[-1] = Run(out[-1].text + text, run.marks)
        else:
            out.append(Run(text, run.marks))
    if out and not out[-1].is_break:
        text = out[-1].text.rstrip(_SPACE_CHARS)
        out[-1:] = [Run(text, out[-1].marks)] if text else []
    return out


# --- Blocks ----------------------------------------------------------------------------------


def _blocks(nodes, first_textblock=None):
    """The blocks a list of nodes makes: loose inline content becomes paragraphs.

    ``first_textblock`` (a tag) starts the content as that block even when empty, as the
    editor opens a paragraph or heading as soon as it meets its tag."""
    blocks, pending, open_tag = [], [], first_textblock

    def flush(force=False):
        nonlocal pending, open_tag
        runs = tidy_runs(pending)
        if runs or force:
            blocks.append((open_tag or "p", runs))
        pending, open_tag = [], None

    started = first_textblock is not None
    for kind, item in _flow(nodes):
        if kind == "run":
            pending.append(item)
        else:
            flush(force=started)
            started = False
            blocks.append(item)
    flush(force=started)
    return blocks


def _image_attrs(element):
    return tuple((n, element.attrs[n]) for n in IMAGE_ATTRIBUTES if n in element.attrs)


def _block_of(element):
    """The block(s) one block-level element makes (a list: it may make none, or several)."""
    tag = element.tag
    if tag in TEXTBLOCKS:
        return _blocks(element.children, first_textblock=tag)
    if tag == "img":
        return [("img", _image_attrs(element))] if usable_source(element) else []
    if tag == "hr":
        return [("hr",)]
    if tag == "figcaption":  # Outside a figure: the words it holds, as a paragraph.
        return _blocks(element.children)
    if tag == "figure":
        return _figure(element)
    if tag == "blockquote":
        inner = _blocks(element.children)
        return [] if _empty(inner) else [("blockquote", inner)]
    if tag in LISTS:
        return _list(element)
    return _blocks(element.children)


def _empty(blocks):
    """True for blocks that are nothing but empty paragraphs."""
    return all(block[0] == "p" and not block[1] for block in blocks)


def _figure(element):
    """One picture and its caption; anything else in the figure follows it as blocks. Without
    a usable picture there is no figure: its caption's words stay, as a paragraph."""
    image, caption, rest = None, None, []
    for child in element.children:
        if isinstance(child, Element) and child.tag == "figcaption" and caption is None:
            caption = tidy_runs([r for kind, r in _flow(child.children) if kind == "run"])
            rest.extend(b for kind, b in _flow(child.children) if kind == "block")
            continue
        for block in _blocks([child]):
            if block[0] == "img" and image is None:
                image = block[1]
            else:
                rest.append(block)
    if image is None:
        return ([("p", caption)] if caption else []) + rest
    return [("figure", image, caption or None)] + rest


def _list(element):
    items, loose = [], []

    def flush_loose():
        if loose:
            items.append(_blocks(loose))
            loose.clear()

    for child in element.children:
        if isinstance(child, Element) and child.tag == "li":
            flush_loose()
            items.append(_blocks(child.children))
        elif not (isinstance(child, str) and not child.strip(_SPACE_CHARS)):
            loose.append(child)
    flush_loose()
    # A list item starts with a paragraph (the editor gives it an empty one otherwise).
    items = [item if item and item[0][0] == "p" else [("p", []), *item] for item in items]
    if all(_empty(item) for item in items):
        return []  # No words: no list (the editor would keep an empty item of it).
    attrs = ()
    if element.tag == "ol":
        start = element.attrs.get("start", "").strip()
        if start.lstrip("-").isdigit() and int(start) != 1:
            attrs = (("start", str(int(start))),)
    return [("list", element.tag, attrs, items)]


# --- Writing it out --------------------------------------------------------------------------


def escape_text(text):
    return (
        text.replace("&", "&amp;")
        .replace("\xa0", "&nbsp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def escape_attr(value):
    return (
        value.replace("&", "&amp;")
        .replace("\xa0", "&nbsp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _open(tag, attrs=()):
    return "<" + tag + "".join(f' {n}="{escape_attr(v)}"' for n, v in attrs) + ">"


def render_runs(runs):
    """Inline runs as HTML, marks kept open across runs that share them (as ProseMirror
    writes them)."""
    out, active = [], []
    for run in runs:
        keep = 0
        while keep < len(active) and keep < len(run.marks) and active[keep] == run.marks[keep]:
            keep += 1
        while len(active) > keep:
            out.append(f"</{active.pop()[0]}>")
        for mark in run.marks[keep:]:
            out.append(_open(*mark))
            active.append(mark)
        out.append("<br>" if run.is_break else escape_text(run.text))
    while active:
        out.append(f"</{active.pop()[0]}>")
    return "".join(out)


def render_block(block):
    kind = block[0]
    if kind in TEXTBLOCKS:
        return f"<{kind}>{render_runs(block[1])}</{kind}>"
    if kind == "img":
        return _open("img", block[1])
    if kind == "hr":
        return "<hr>"
    if kind == "figure":
        caption = f"<figcaption>{render_runs(block[2])}</figcaption>" if block[2] else ""
        return f"<figure>{_open('img', block[1])}{caption}</figure>"
    if kind == "blockquote":
        return f"<blockquote>{render_blocks(block[1])}</blockquote>"
    _, tag, attrs, items = block
    rendered = []
    for item in items:
        # One paragraph alone is written without its <p> (the editor reads it back as one).
        inner = render_runs(item[0][1]) if item == [item[0]] and item[0][0] == "p" else None
        rendered.append(f"<li>{render_blocks(item) if inner is None else inner}</li>")
    return f"{_open(tag, attrs)}{''.join(rendered)}</{tag}>"


def render_blocks(blocks):
    return "".join(render_block(b) for b in blocks)


def blocks_of(html: str):
    """The blocks of cleaned story HTML, in the editor's shape."""
    return _blocks(parse(html).children)


def reshape(html: str) -> str:
    """Cleaned story HTML in the shape the editor writes it."""
    return render_blocks(blocks_of(html))

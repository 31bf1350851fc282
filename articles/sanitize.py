"""The one allowlist for story HTML, and the one shape of it.

Bodies are cleaned with nh3 when an article is saved (not when it is shown), so every path that
writes a body (the admin editor, imports, the demo seeder, a shell) gets the same guarantee and
templates may mark exactly this field safe.

After nh3, the body is put into the shape the editor's schema gives it (articles/bodyshape.py):
a picture has a usable source, a figure holds one picture and at most one caption, a caption
lives only in a figure, text sits in blocks. Opening a story in the editor and saving it back
untouched therefore stores the same HTML, and readers never get a caption without a picture.
"""

import html
import re

import nh3

from . import bodyshape

# What the editor can write (no <code>: it has no such mark, and would drop it on the next
# edit; articles/bodyshape.py keeps the words).
ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "blockquote", "a", "img", "figure", "figcaption", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src"}
# Characters a browser (or an old one) may skip inside a URL before reading its scheme: ASCII
# whitespace and controls, DEL and the C1 controls, and invisible or line-breaking Unicode.
_IGNORABLE_IN_URL = re.compile(
    r"[\x00-\x20\x7f-\x9f\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]"
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def _has_refused_scheme(url: str) -> bool:
    """True when ``url``, read the most lenient way (entities decoded, every ignorable
    character dropped), names a scheme outside the allowlist. nh3 checks the scheme as
    written; ``\x7fjavascript:`` or ``java\u00adscript:`` pass that check while meaning
    nothing good, so they go too."""
    match = _SCHEME.match(_IGNORABLE_IN_URL.sub("", html.unescape(url)).lower())
    return match is not None and match.group(1) not in ALLOWED_URL_SCHEMES


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute in URL_ATTRIBUTES and _has_refused_scheme(value):
        return None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer",
    # Drop the content of these entirely, not just the tags.
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
    strip_comments=True,
    attribute_filter=_filter_attribute,
)


class CleanHTML(str):
    """A body clean_body returned. Cleaning it again would give it back, so it is not: a body
    goes through normalise() and the row's save (and an import's check) without paying for
    nh3 each time, which is most of a bulk import's CPU. Text read back from the database is a
    plain str and is cleaned again."""

    __slots__ = ()


def clean_body(html: str) -> str:
    """Return story HTML with everything outside the allowlist removed."""
    if type(html) is CleanHTML:
        return html
    cleaned = bodyshape.reshape(_cleaner.clean(html or ""))
    # The editor always leaves at least one empty paragraph; an empty body should be empty.
    return CleanHTML("" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned)


# In a stored (nh3-serialised) body: a picture whose src is missing or blank, and a caption
# not straight after a picture's tag (outside a figure, or in a figure without a picture).
_PICTURE_WITHOUT_SOURCE = re.compile(r'<img(?![^>]*\ssrc="[^"]*[^"\s])[^>]*>')
_CAPTION = re.compile(r"(<img\s[^>]*>)?<figcaption")


def needs_reshaping(body: str) -> bool:
    """Whether a body stored before pictures were checked holds what the old editor made: a
    figure with a picture without a source, or a caption outside any figure. Migration 0013
    reshapes those rows once (as a save would); nothing is checked when a page is shown."""
    if not body or ("<img" not in body and "<figcaption" not in body):
        return False
    return bool(_PICTURE_WITHOUT_SOURCE.search(body)) or any(
        m.group(1) is None for m in _CAPTION.finditer(body)
    )

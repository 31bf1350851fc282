"""The one allowlist for story HTML.

Bodies are cleaned with nh3 when an article is saved (not when it is shown), so every path that
writes a body (the admin editor, imports, the demo seeder, a shell) gets the same guarantee and
templates may mark exactly this field safe.
"""

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup", "code",
    "ul", "ol", "li", "blockquote", "a", "img", "figure", "figcaption", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer",
    # Drop the content of these entirely, not just the tags.
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
    strip_comments=True,
)


def clean_body(html: str) -> str:
    """Return story HTML with everything outside the allowlist removed."""
    cleaned = _cleaner.clean(html or "").strip()
    # The editor always leaves at least one empty paragraph; an empty body should be empty.
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned

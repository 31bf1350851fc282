"""What "no executable construct" means, checked the way browsers parse HTML.

Markup is parsed twice, by html5lib (the WHATWG algorithm browsers use, so mutation tricks
with foreign content, ``<noscript>`` or unclosed tags are seen as a browser would see them)
and by the standard library's html.parser (a different, more literal reading). Both must find
nothing that runs script, loads a document, or changes where the page's links and forms go.
"""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import html5lib

PAYLOADS_FILE = Path(__file__).resolve().parent.parent / "data" / "xss_payloads.txt"

# Elements that run script, embed another document, restyle the page or redirect it.
FORBIDDEN_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style",
    "base", "meta", "form", "link", "portal", "fencedframe", "template", "noscript", "xmp",
    "input", "button", "textarea", "select", "isindex", "keygen", "area", "map", "animate", "set",
    "handler", "foreignobject", "use", "image", "layer", "bgsound", "xml",
}  # fmt: skip
# Attributes whose value the browser follows as a URL (or, for srcdoc, parses as a document).
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "srcset", "cite", "longdesc", "ping", "dynsrc", "lowsrc", "code", "codebase", "classid",
    "usemap", "manifest", "icon",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
SVG_NS = "http://www.w3.org/2000/svg"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# What a browser ignores inside a URL before it reads the scheme: ASCII whitespace and C0
# controls anywhere, and (in older engines) NUL; NBSP and friends are kept by browsers but
# stripped here too, which only makes the check stricter.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u00ad\u2028\u2029\u202e\ufeff]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def load_payloads() -> list[str]:
    """The corpus, one payload a line; ``{0xNN}`` stands for a control character."""
    payloads = []
    for line in PAYLOADS_FILE.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("# "):
            continue
        payloads.append(re.sub(r"\{0x([0-9A-F]+)\}", lambda m: chr(int(m.group(1), 16)), line))
    return payloads


def url_scheme(value: str) -> str | None:
    """The scheme a browser would act on (entities decoded, ignorable characters dropped)."""
    cleaned = _IGNORED_IN_URL.sub("", html.unescape(value)).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else None


def _attribute_problems(tag: str, name: str, value: str) -> list[str]:
    name = name.lower()
    problems = []
    if name.startswith("on"):
        problems.append(f"<{tag} {name}=…> event handler")
    elif name in {"style", "srcdoc", "http-equiv"}:
        problems.append(f"<{tag} {name}=…>")
    elif name.split(":")[-1] in URL_ATTRIBUTES or name in URL_ATTRIBUTES:
        values = (
            [part.strip().split(" ")[0] for part in value.split(",")]
            if name == "srcset"
            else [value]
        )
        for url in values:
            scheme = url_scheme(url)
            if scheme is not None and scheme not in SAFE_SCHEMES:
                problems.append(f"<{tag} {name}={value!r}> {scheme}: URL")
    return problems


def _html5lib_problems(markup: str, *, document: bool) -> list[str]:
    parse = html5lib.parse if document else html5lib.parseFragment
    tree = parse(markup, treebuilder="etree", namespaceHTMLElements=True)
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # A comment: inert.
        namespace, _, local = element.tag.rpartition("}")
        namespace, local = namespace.lstrip("{"), local.lower()
        if namespace in {SVG_NS, MATHML_NS}:
            problems.append(f"<{local}> in {namespace.rsplit('/', 1)[-1]} foreign content")
        if local in FORBIDDEN_ELEMENTS:
            problems.append(f"<{local}> element")
        for name, value in element.attrib.items():
            if isinstance(name, tuple) or name.startswith("{"):
                name = "xlink:" + str(name).rpartition("}")[-1]
            problems.extend(_attribute_problems(local, name, value))
    return problems


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element (html.parser)")
        for name, value in attrs:
            self.problems.extend(_attribute_problems(tag, name, value or ""))

    handle_startendtag = handle_starttag


def executable_constructs(markup: str, *, document: bool = False) -> list[str]:
    """Everything in ``markup`` that could run script or redirect a reader; [] when inert."""
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return sorted(set(_html5lib_problems(markup, document=document) + collector.problems))

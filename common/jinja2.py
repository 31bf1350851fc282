"""The Jinja2 environment for the templates Django's Jinja2 backend renders.

Every printed value is escaped exactly as the Django template language escapes it (``'`` as
``&#x27;``, ``"`` as ``&quot;``, what the standard library's ``html.escape`` gives), so markup
is the same byte for byte whichever engine renders it; a value that is already safe (Django's
``SafeString``, Jinja2's ``Markup``: anything with ``__html__``) is printed as it is.

That is Jinja2's ``finalize`` hook, which every ``{{ ... }}`` goes through, and it is the
escaping: Jinja2's own autoescaping (MarkupSafe) would write ``&#39;`` and ``&#34;``, and
escaping twice over (ours, then wrapping each value in ``Markup`` for its) made a story card
cost half as much again as it does this way. So the environment is made with
``autoescape=False``, and ``finalize`` is always set: ``environment()`` refuses options that
would turn it off.
"""

from html import escape

from jinja2 import Environment


def escape_html(value) -> str:
    """What ``{{ value }}`` prints: escaped, unless it is markup already."""
    if type(value) is str:  # The common case first: a plain text value.
        return escape(value)
    html = getattr(value, "__html__", None)
    return html() if html is not None else escape(str(value))


def environment(**options) -> Environment:
    if options.pop("autoescape", True) is not True or "finalize" in options:
        raise ValueError("Templates are always escaped (common/jinja2.py): leave autoescape on.")
    return Environment(**options, autoescape=False, finalize=escape_html)


class Fragment:
    """A small template repeated many times a page (a story card), at the cost of a format
    string.

    Rendering a Jinja2 template costs some 30 µs however small it is (a context, a generator,
    a call per printed value): for the sixty cards of a front page, more than the page's SQL.
    But a card's markup depends on few things: a handful of *shape* values (its variant, its
    heading level) and, of each printed *text* value, only whether it is there. So the template
    is rendered once per shape, with a marker in place of each text value, and kept as a format
    string; a card is then that string filled with its escaped values. The output is what the
    template itself renders, byte for byte (a test renders both and compares).

    The template must print text values as they are given (no filters on them: formatting is
    done before); a marker a filter mangled is refused when the pattern is made.
    """

    def __init__(self, template, shape: tuple[str, ...], text: tuple[str, ...]):
        self.template = template
        self.shape = shape
        self.text = text
        self._compiled: dict[tuple, tuple[str, list[int]]] = {}

    def _compile(self, key: tuple, values: dict) -> tuple[str, list[int]]:
        markers = {name: f"\x00{i}\x00" for i, name in enumerate(self.text)}
        context = {name: values[name] for name in self.shape}
        for name in self.text:
            # Present values become their marker; absent ones stay as they are (None, "").
            context[name] = markers[name] if values[name] else values[name]
        rendered = self.template.render(context).replace("{", "{{").replace("}", "}}")
        used = []
        for i, name in enumerate(self.text):
            if markers[name] in rendered:
                used.append(i)
                rendered = rendered.replace(markers[name], f"{{{i}}}")
        if "\x00" in rendered:
            raise ValueError("A text value was printed through a filter.")
        self._compiled[key] = rendered, used
        return rendered, used

    def render(self, **values) -> str:
        text = [values[name] for name in self.text]
        # Of a text value, only whether it is there (or which empty value it is) shapes the markup.
        key = (*[values[name] for name in self.shape], *[True if v else v for v in text])
        pattern, used = self._compiled.get(key) or self._compile(key, values)
        # Only the values this shape prints are escaped (a card loads columns it may not show).
        filled = [""] * len(text)
        for i in used:
            filled[i] = escape_html(text[i])
        return pattern.format(*filled)

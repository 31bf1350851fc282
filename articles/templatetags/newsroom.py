import json
from functools import lru_cache
from html import escape

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.links import cached_reverse
from articles.reading.cards import card_context
from articles.reading.cards import story_card as render_card
from articles.reading.pictures import picture
from common.times import shown

SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, value, name="page", keep=""):
    """This page's address with ``?page=`` (or ``name``) set to ``value``.

    Of the rest of the query string only the parameters named in ``keep`` (space-separated:
    the ones the page understands, e.g. a search's words and filters) are carried, and only
    when they have a value: a stray ``?page=abc`` or ``utm_source`` is not passed on to the
    next page, nor made into another address for the caches to store."""
    given = context["request"].GET
    query = QueryDict(mutable=True)
    for key in keep.split():
        if key != name:
            query.setlist(key, [v for v in given.getlist(key) if v])
    query[name] = value
    return "?" + query.urlencode()


@register.simple_tag
def link(name, **kwargs):
    """``{% link "articles:tag" slug=tag.slug %}``: ``{% url %}`` for the site's own pages,
    remembered per address (articles/links.py) instead of reversed on every use."""
    return cached_reverse(name, **kwargs)


@register.simple_tag
def section_links(sections, current=None, home=None):
    """The site navigation's list items: "Home" (when ``home`` is this page's path or None
    for no Home item) and each section, the current one marked. Built in Python, once per
    navigation and page kind (the same few strings on every page), every value escaped."""
    key = (tuple((s.pk, s.name, s.slug) for s in sections), getattr(current, "pk", None), home)
    return _section_links(*key)


@lru_cache(maxsize=512)
def _section_links(sections, current_pk, home) -> str:
    items = []
    if home is not None:
        front = escape(cached_reverse("articles:front"))
        mark = ' aria-current="page"' if home == cached_reverse("articles:front") else ""
        items.append(f'<li><a href="{front}"{mark}>Home</a></li>')
    for pk, name, slug in sections:
        url = escape(cached_reverse("articles:section", slug=slug))
        mark = ' aria-current="page"' if pk == current_pk else ""
        items.append(f'<li><a href="{url}"{mark}>{escape(name)}</a></li>')
    # Safe: constant markup around escaped values.
    return mark_safe("".join(items))  # noqa: S308


register.simple_tag(picture)


@register.simple_tag
def json_ld(data):
    """A JSON-LD <script>. The JSON is escaped for a script element the way Django's json_script
    escapes it (<, > and & as \\u escapes), so no text in it can end the element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.filter(name="shown")
def shown_filter(moment, format_name="DATETIME_FORMAT"):
    """``{{ value|shown:"j F Y, H:i T" }}``: a time in the newsroom's zone, the zone named even
    in the hour the clocks go back (Django's ``T`` prints nothing then; common/times.py)."""
    return shown(moment, format_name) if moment else ""


@register.filter
def iso(moment):
    """ISO 8601 in the newsroom's time zone, to the second (what <time datetime> accepts)."""
    if not moment:
        return ""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


@register.simple_tag(takes_context=True)
def story_card(context, story, **options):
    """``{% story_card story variant="lead" heading="h2" with_image=True %}``: see
    articles/cards.py. What the cards of one page share is read once per template render."""
    shared = context.render_context.get("story_card_context")
    if shared is None:
        shared = context.render_context["story_card_context"] = card_context()
    return render_card(story, context=shared, **options)

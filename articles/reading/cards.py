"""Story cards: a story in a listing (front page, sections, tags, authors, search, related).

A card is the one piece of markup a reader page repeats dozens of times (about sixty on the
front page), so it is built here in Python rather than by ``{% include %}``: through the
template engine each card cost about 150 µs of variable lookups, more than all of the page's
SQL. Every value goes through ``html.escape``, the function the template engine's
autoescaping calls, and nothing here is marked safe that was not escaped first. Templates call
it with ``{% story_card story ... %}`` (articles/templatetags/newsroom.py).
"""

from html import escape

from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from articles.links import section_url, story_url, url_context
from articles.reading.pictures import picture

# The picture's ``sizes`` in each kind of card.
PICTURE_SIZES = {
    "lead": "(min-width: 64rem) 48rem, 100vw",
    "row": "(min-width: 40rem) 15rem, 100vw",
}
DEFAULT_SIZES = "(min-width: 64rem) 18rem, (min-width: 40rem) 50vw, 100vw"
_month_names: dict = {}


def _short_date(local, language) -> str:
    """``date:"j M Y"``, with the month's short name in the active language."""
    key = (language, local.month)
    month = _month_names.get(key)
    if month is None:
        month = _month_names[key] = str(MONTHS_3[local.month]).title()
    return f"{local.day} {month} {local.year}"


def card_context() -> tuple:
    """What every card of a page shares: the time zone, the address context, the language
    (each costs a few µs to read, and a page has dozens of cards)."""
    return timezone.get_current_timezone(), url_context(), get_language()


def story_card(
    story,
    *,
    variant: str = "",
    heading: str = "h3",
    with_image: bool = False,
    eager: bool = False,
    hide_section: bool = False,
    hide_bylines: bool = False,
    context: tuple | None = None,
) -> SafeString:
    """One card. ``story`` comes from ArticleQuerySet.for_listing() (or .cards() when
    ``hide_bylines``); ``variant`` is "", "lead", "row", "compact" or "related". ``context``:
    ``card_context()``, read once for all the cards of a page.

    ``escape`` is the standard library's ``html.escape`` (what Django's own ``escape`` calls):
    every value from the database goes through it.
    """
    tz, urls, language = context or card_context()
    # The story's address (as Article.get_absolute_url makes it) and time, in the newsroom's
    # time zone, worked out once for both.
    published = story.published_at
    local = (published or story.created_at or timezone.now()).astimezone(tz)
    url = escape(story_url(story.slug, local, urls))
    section = story.section
    section_name = escape(section.name)
    out = [
        f'<article class="card card--{escape(variant)}">' if variant else '<article class="card">'
    ]
    if with_image:
        if story.hero_image_id:
            if variant == "lead":
                markup = picture(story.hero_image, "16x9", PICTURE_SIZES["lead"], "", lazy=False,
                                 priority=eager)  # fmt: skip
            else:
                markup = picture(
                    story.hero_image, "16x9", PICTURE_SIZES.get(variant, DEFAULT_SIZES)
                )
            out.append(
                f'<a class="card__media" href="{url}" tabindex="-1" aria-hidden="true">{markup}</a>'
            )
        else:
            out.append(
                f'<div class="card__media card__media--empty" aria-hidden="true"><span>{section_name}</span></div>'
            )
    out.append('<div class="card__body">')
    if not hide_section:
        out.append(
            f'<p class="kicker"><a href="{escape(section_url(section.slug, urls))}">{section_name}</a></p>'
        )
    tag = "h2" if heading == "h2" else "h3"
    out.append(
        f'<{tag} class="card__headline"><a href="{url}">{escape(story.headline)}</a></{tag}>'
    )
    if variant != "compact" and story.standfirst:
        out.append(f'<p class="card__standfirst">{escape(story.standfirst)}</p>')
    out.append('<p class="card__meta">')
    if not hide_bylines:
        names = ", ".join(escape(byline.author.name) for byline in story.byline_list)
        if names:
            out.append(f"<span>{names}</span> · ")
    if published:
        moment = local.replace(microsecond=0).isoformat()  # The ``iso`` filter's format.
        out.append(f'<time datetime="{moment}">{_short_date(local, language)}</time>')
    else:
        out.append('<time datetime=""></time>')
    out.append("</p></div></article>")
    # Safe: the markup above is constant, and every value in it was escaped.
    return mark_safe("".join(out))

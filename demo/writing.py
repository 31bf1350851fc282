"""The words of the demo outlet: a story's headline slots, body, tags, and a staff profile,
written from the templates in ``demo/data`` with a random stream (so a seed gives one text)."""

import html
import random

from articles.models import Byline
from demo.world import (
    ATTRIBUTIONS,
    CLOSERS,
    COUNTRIES,
    COUNTRY_NAMES,
    EMAIL_DOMAIN,
    FIRST_NAMES,
    GENERIC_SENTENCES,
    GENERIC_SUBHEADS,
    GLOBAL_POOLS,
    KEYWORD_TAGS,
    LAST_NAMES,
    LINK_SENTENCES,
    LINK_URLS,
    OUTLET,
    SITE_NAME,
    Person,
    SectionSpec,
    Topic,
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _people(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in names:
            names.append(name)
    return names


def story_context(rng: random.Random, spec: SectionSpec, topic: Topic) -> dict[str, str]:
    """Every slot a template of this section may use, filled once per story (so a story talks
    about the same country, firm and official throughout). ``{Key}`` is the capitalised form."""
    country, country2 = rng.sample(COUNTRY_NAMES, 2)
    official, official2, player, player2 = _people(rng, 4)
    ctx = {key: rng.choice(pool) for key, pool in GLOBAL_POOLS.items()}
    ctx |= {
        "country": country,
        "country2": country2,
        "capital": COUNTRIES[country][0],
        "official": official,
        "official2": official2,
        "player": player,
        "player2": player2,
        "pct": f"{rng.uniform(0.6, 6.8):.1f}",
        "small_pct": f"{rng.uniform(0.1, 1.4):.1f}",
        "big": f"{rng.randint(3, 95) * 1000:,}",
    }
    raw: dict[str, str] = {}
    for source in (spec.pools, topic.slots):
        for key, pool in source.items():
            names = key.split("+")
            if isinstance(pool, str):
                values = [pool]
            elif len(names) > 1:
                values = rng.sample(pool, len(names))
            else:
                values = [rng.choice(pool)]
            raw.update(zip(names, values, strict=True))
    ctx |= raw
    for _ in range(2):  # Slot values may refer to other slots ("{firm}'s chief executive").
        for key in raw:
            ctx[key] = ctx[key].format_map(ctx)
    ctx |= {_cap(key): _cap(value) for key, value in list(ctx.items())}
    return ctx


class Sentences:
    """Sentences for one story, never repeating until all have been used."""

    def __init__(self, rng: random.Random, ctx: dict, first: list[str], rest: list[str]):
        self.rng, self.ctx, self.rest = rng, ctx, rest
        self.queue = list(first) + rng.sample(rest, len(rest))

    def take(self, count: int) -> str:
        picked = []
        for _ in range(count):
            if not self.queue:
                self.queue = self.rng.sample(self.rest, len(self.rest))
            picked.append(self.queue.pop(0).format_map(self.ctx))
        return " ".join(picked)


def _p(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


def story_body(rng: random.Random, spec: SectionSpec, topic: Topic, ctx: dict) -> str:
    """5-10 paragraphs: lede, context, a quote, one or two subheaded parts, perhaps a list and a
    link, and a closing line."""

    def fill(template: str) -> str:
        return template.format_map(ctx)

    sentences = Sentences(rng, ctx, list(topic.facts), list(spec.sentences) + GENERIC_SENTENCES)
    target = rng.randint(5, 10)
    with_list, with_link = rng.random() < 0.4, rng.random() < 0.35
    middle = target - 4 - with_list - with_link  # Paragraphs under the subheadings.
    while middle < 1:
        if with_link:
            with_link = False
        else:
            with_list = False
        middle += 1
    second = rng.randint(1, middle - 2) if middle >= 3 and rng.random() < 0.6 else 0
    subheads = rng.sample(list(spec.subheads) + GENERIC_SUBHEADS, 2)

    blocks = [
        _p(fill(rng.choice(spec.ledes)) + " " + sentences.take(1)),
        _p(sentences.take(rng.randint(2, 3))),
        "<blockquote>" + _p(f"\u201c{fill(rng.choice(spec.quotes))}\u201d") + "</blockquote>",
        _p(fill(rng.choice(ATTRIBUTIONS)) + " " + sentences.take(1)),
        f"<h2>{html.escape(subheads[0])}</h2>",
    ]
    blocks += [_p(sentences.take(rng.randint(2, 3))) for _ in range(middle - second)]
    if with_list:
        items = rng.sample(spec.list_items, rng.randint(3, min(4, len(spec.list_items))))
        blocks.append(_p(spec.list_intro))
        lis = "".join(f"<li>{html.escape(fill(item), quote=False)}</li>" for item in items)
        blocks.append(f"<ul>{lis}</ul>")
    if with_link:
        before, text, after = (fill(part) for part in rng.choice(LINK_SENTENCES))
        link = f'<a href="{rng.choice(LINK_URLS)}">{html.escape(text, quote=False)}</a>'
        extra = sentences.take(1)
        blocks.append(
            f"<p>{html.escape(before, quote=False)}{link}{html.escape(after, quote=False)} "
            f"{html.escape(extra, quote=False)}</p>"
        )
    if second:
        blocks.append(f"<h2>{html.escape(subheads[1])}</h2>")
        blocks += [_p(sentences.take(rng.randint(2, 3))) for _ in range(second)]
    blocks.append(_p(fill(rng.choice(CLOSERS))))
    return "\n".join(blocks)


def story_tags(rng: random.Random, spec: SectionSpec, topic: Topic, headline: str, ctx) -> list:
    """2-5 tag names: the topic's, any the headline implies, then the section's common ones."""
    names = list(topic.tags)
    names += [tag for word, tag in KEYWORD_TAGS.items() if word in headline]
    region = COUNTRIES[ctx["country"]][1]
    if spec.slug == "world" and region:
        names.append(region)
    names = list(dict.fromkeys(names))[:5]
    wanted = max(rng.choice([2, 2, 3, 3, 3, 4, 4, 5]), len(names))
    pool = [tag for tag in spec.tags if tag not in names]
    while len(names) < wanted and pool:
        tag = rng.choices(pool, [1 / (spec.tags.index(tag) + 1) for tag in pool])[0]
        names.append(tag)
        pool.remove(tag)
    return names


def update_paragraph(rng: random.Random) -> tuple[str, str]:
    """A line added to a story a few hours after it went out, and the revision's note."""
    update = rng.choice(OUTLET["updates"])
    return _p(update["text"]), update["note"]


# --- Staff -------------------------------------------------------------------------------------


def profile(rng: random.Random, person: Person, slug: str) -> dict:
    """An author's profile fields: bio, contact and social links, from their staff record."""
    first, last = slug.split("-")[0], slug.split("-")[-1]
    short_first = person.name.split()[0]
    title = person.job_title
    if title.split()[0] not in {"Middle", "Latin", "Europe"}:
        title = title[0].lower() + title[1:]
    joined = rng.randint(2009, 2023 if person.active else 2021)
    *others, last_place = rng.sample([capital for capital, _r in COUNTRIES.values()], 3)
    places = f"{', '.join(others)} and {last_place}"
    award = rng.choice(OUTLET["awards"])
    if person.active:
        role_line = f"joined {SITE_NAME} in {joined} and is our {title}, covering"
        farewell = (
            "Story ideas and tips are welcome by email. For sensitive information, see "
            f"our guide to contacting {SITE_NAME} securely."
        )
    else:
        role_line = f"was {SITE_NAME}'s {title} from {joined} to {joined + 3}, covering"
        farewell = f"{short_first} no longer writes for {SITE_NAME}."
    bio = [
        f"{short_first} {role_line} {person.covers}. Before that, {short_first} worked at "
        f"{person.before}.",
        f"{short_first} has reported from {places}, among many other places, and {award}.",
        f"{short_first} studied at the University of {rng.choice(GLOBAL_POOLS['uni'])} "
        f"and {person.extra}.",
        farewell,
    ]
    handle = f"{first[0]}{last}".replace("-", "") if rng.random() < 0.5 else slug.replace("-", "")
    links = {
        "website": f"https://example.org/{slug}" if rng.random() < 0.4 else "",
        "x_url": f"https://x.com/{handle}" if rng.random() < 0.6 else "",
        "bluesky_url": (
            f"https://bsky.app/profile/{handle}.bsky.social" if rng.random() < 0.6 else ""
        ),
        "mastodon_url": f"https://mastodon.social/@{handle}" if rng.random() < 0.2 else "",
        "linkedin_url": f"https://www.linkedin.com/in/{slug}" if rng.random() < 0.5 else "",
        "instagram_url": (
            f"https://www.instagram.com/{handle}" if person.role == Byline.Role.PHOTOGRAPHER else ""
        ),
    }
    if sum(bool(url) for url in links.values()) < 2:
        links["x_url"] = f"https://x.com/{handle}"
        links["bluesky_url"] = f"https://bsky.app/profile/{handle}.bsky.social"
    return {
        "name": person.name,
        "job_title": person.job_title,
        "short_bio": (
            f"{person.name} {'is' if person.active else 'was'} {SITE_NAME}'s {title}, "
            f"covering {person.covers}."
        ),
        "bio": "\n\n".join(bio),
        "email": f"{first}.{last}@{EMAIL_DOMAIN}",
        "is_active": person.active,
        **links,
    }

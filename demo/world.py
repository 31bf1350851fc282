"""The world the demo stories are about, loaded from the JSON files in ``demo/data``.

The texts (sections with their topics, headline and sentence templates; staff; countries and
names) are data, edited without touching code; this module only gives them types. Loaded once,
at import: the files are small and read-only.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Topic:
    """A strand of coverage: its tags, slot values and the headlines it produces."""

    tags: tuple[str, ...]
    slots: dict = field(default_factory=dict)
    headlines: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)  # Compared by identity: a section is one of SECTIONS.
class SectionSpec:
    """A section and everything needed to write and illustrate its stories."""

    name: str
    slug: str
    description: str
    weight: int
    tags: tuple[str, ...]  # Most common first.
    scenes: tuple[str, ...]
    skies: tuple[str, ...]
    pools: dict
    topics: tuple[Topic, ...]
    headlines: tuple[str, ...]
    standfirsts: tuple[str, ...]
    ledes: tuple[str, ...]
    sentences: tuple[str, ...]
    quotes: tuple[str, ...]
    subheads: tuple[str, ...]
    list_intro: str
    list_items: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    """A member of staff: the facts the profile and the bylines are made from."""

    name: str
    job_title: str
    beats: tuple[str, ...]  # Section slugs; empty means every section (photographers).
    role: str  # Usual byline role (a Byline.Role value).
    covers: str
    before: str
    extra: str
    active: bool = True


def _load(name: str):
    with open(DATA / name, encoding="utf-8") as file:
        return json.load(file)


def _tuples(record: dict) -> dict:
    """JSON lists as tuples, so the specs stay immutable like the rest of the dataclass."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}


def _section(record: dict) -> SectionSpec:
    topics = tuple(Topic(**_tuples(topic)) for topic in record.pop("topics"))
    return SectionSpec(topics=topics, **_tuples(record))


_world = _load("world.json")

OUTLET: dict = _world["outlet"]
SITE_NAME: str = OUTLET["name"]
EMAIL_DOMAIN: str = OUTLET["email_domain"]
# Country -> (capital, region tag or "").
COUNTRIES: dict[str, tuple[str, str]] = {
    name: (place["capital"], place["region"]) for name, place in _world["countries"].items()
}
COUNTRY_NAMES = list(COUNTRIES)
FIRST_NAMES: list[str] = _world["first_names"]
LAST_NAMES: list[str] = _world["last_names"]
GLOBAL_POOLS: dict[str, list[str]] = _world["pools"]
GENERIC_SENTENCES: list[str] = _world["generic_sentences"]
ATTRIBUTIONS: list[str] = _world["attributions"]
CLOSERS: list[str] = _world["closers"]
# (text before the link, link text, text after): the link points at a stand-in address.
LINK_SENTENCES: list[tuple[str, str, str]] = [tuple(s) for s in _world["link_sentences"]]
LINK_URLS: list[str] = _world["link_urls"]
GENERIC_SUBHEADS: list[str] = _world["generic_subheads"]
# Headline fragments that imply a tag whatever the topic.
KEYWORD_TAGS: dict[str, str] = _world["keyword_tags"]

SECTIONS: tuple[SectionSpec, ...] = tuple(
    _section(_load(f"sections/{slug}.json")) for slug in _world["sections"]
)
STAFF: tuple[Person, ...] = tuple(Person(**_tuples(person)) for person in _load("staff.json"))

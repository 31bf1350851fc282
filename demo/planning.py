"""What the demo outlet will hold, decided before anything is written: which stories, in which
section, when, by whom, with which tags, picks and later updates.

Planning writes nothing, so the seeder can create the stories in order (oldest first) with
everything an editor would put in the form, picks included: a pick points at a story that
already exists. Each kind of decision draws from its own random stream, so for instance
``--articles`` does not change the pictures.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time

from django.utils import timezone

from articles.models import Byline
from demo import writing
from demo.world import SECTIONS, STAFF, Person, SectionSpec

DAYS_OF_ARCHIVE = 120
Role = Byline.Role


@dataclass
class Update:
    """A substantive update a few hours after publication: a paragraph added to the body."""

    at: datetime
    paragraph: str
    note: str


@dataclass
class PlannedStory:
    spec: SectionSpec
    kind: str  # "published", "scheduled" or "draft"
    when: datetime | None
    lead: bool = False
    # What the editor types into the form (without the picks, which name stories by row id).
    data: dict = field(default_factory=dict)
    picks: list["PlannedStory"] = field(default_factory=list)
    update: Update | None = None

    @property
    def live(self) -> bool:
        return self.kind == "published"


@dataclass
class Staff:
    """Authors by section, and the photographers who may join any story's byline."""

    by_section: dict[str, list[tuple[Person, int]]]
    photographers: list[tuple[Person, int]]

    @classmethod
    def of(cls, author_ids: dict[str, int]) -> "Staff":
        by_section: dict[str, list[tuple[Person, int]]] = defaultdict(list)
        photographers = []
        for person in STAFF:
            author = author_ids[person.name]
            if person.beats:
                for beat in person.beats:
                    by_section[beat].append((person, author))
            else:
                photographers.append((person, author))
        return cls(by_section, photographers)


class Planner:
    def __init__(self, seed: int, story_count: int, now: datetime):
        self.seed, self.story_count, self.now = seed, story_count, now

    def rng(self, purpose: str) -> random.Random:
        """A separate stream per purpose, so e.g. --articles does not change the pictures."""
        return random.Random(f"{self.seed}:{purpose}")

    def stories(
        self, section_ids: dict[str, int], staff: Staff, images: dict[str, list[int]]
    ) -> list[PlannedStory]:
        """Every story with its content, picks and update, in the order to create them."""
        rng = self.rng("stories")
        plan = self.schedule(rng)
        headlines: set[str] = set()
        template_uses: Counter[str] = Counter()
        for story in plan:
            story.data = self.content(
                rng, story, section_ids, staff, images, headlines, template_uses
            )
        self.pick_related(plan)
        self.plan_updates(plan)
        return plan

    def schedule(self, rng: random.Random) -> list[PlannedStory]:
        """Which section each story is in and when it appears, oldest first, drafts last."""
        total = self.story_count
        drafts = min(5, total // 4)
        scheduled = min(2, (total - drafts) // 5)
        weights = [spec.weight for spec in SECTIONS]
        local_now = timezone.localtime(self.now)
        times = []
        for _ in range(total - drafts - scheduled):
            days_ago = int(DAYS_OF_ARCHIVE * rng.random() ** 1.8)  # Denser towards today.
            day = local_now.date() - timedelta(days=days_ago)
            when = timezone.make_aware(
                datetime.combine(day, clock_time(rng.randint(6, 22), rng.randint(0, 59)))
            )
            if when > self.now - timedelta(minutes=15):
                when -= timedelta(days=1)
            times.append(when)
        plan = [PlannedStory(rng.choices(SECTIONS, weights)[0], "published", when)
                for when in sorted(times)]  # fmt: skip
        for days, hour in [(1, 7), (3, 18)][:scheduled]:
            day = local_now.date() + timedelta(days=days)
            when = timezone.make_aware(datetime.combine(day, clock_time(hour, 30)))
            plan.append(PlannedStory(rng.choices(SECTIONS, weights)[0], "scheduled", when))
        plan += [PlannedStory(rng.choices(SECTIONS, weights)[0], "draft", None)
                 for _ in range(drafts)]  # fmt: skip
        published = [story for story in plan if story.live]
        leads = [s for s in published if s.spec.slug in ("world", "politics")] or published
        if leads:
            leads[-1].lead = True
        return plan

    def content(self, rng, story, section_ids, staff, images, headlines, template_uses) -> dict:
        """The form an editor fills in: headline, standfirst, body, picture, bylines, tags."""
        spec = story.spec
        topic = rng.choice(spec.topics)
        for _attempt in range(8):
            ctx = writing.story_context(rng, spec, topic)
            templates = topic.headlines
            if spec.headlines and (not templates or rng.random() < 0.35):
                templates = spec.headlines
            # Rotate through the least-used templates, so headlines vary.
            fewest = min(template_uses[t] for t in templates)
            template = rng.choice([t for t in templates if template_uses[t] == fewest])
            headline = template.format_map(ctx)[:200]
            if headline not in headlines:
                break
        template_uses[template] += 1
        headlines.add(headline)
        standfirst = rng.choice(spec.standfirsts).format_map(ctx)
        section_images = images.get(spec.slug) or []
        hero = rng.choice(section_images) if section_images and rng.random() < 0.9 else None
        data = {
            "headline": headline,
            "standfirst": standfirst,
            "body": writing.story_body(rng, spec, topic, ctx),
            "section": section_ids[spec.slug],
            "hero_image": hero,
            "is_lead": story.lead,
            "seo_title": headline[:60] if rng.random() < 0.05 else "",
            "seo_description": standfirst.split(". ")[0][:300] if rng.random() < 0.05 else "",
        }
        data["bylines"] = self.bylines(rng, story, staff, with_picture=hero is not None)
        data["tags"] = writing.story_tags(rng, spec, topic, headline, ctx)
        return data

    def bylines(self, rng, story: PlannedStory, staff: Staff, *, with_picture: bool) -> list:
        """1-3 bylines; people who have left appear only on older stories."""
        cutoff = self.now - timedelta(days=45)
        eligible = [
            (person, author)
            for person, author in staff.by_section[story.spec.slug]
            if person.active or (story.when is not None and story.when < cutoff)
        ]
        count = rng.choices([1, 2, 3], [70, 22, 8])[0]
        first_person, first = rng.choice(eligible)
        role = first_person.role
        if role == Role.EDITOR:
            role = rng.choice([Role.WRITER, Role.ANALYSIS, Role.WRITER])
        bylines = [{"author": first, "role": str(role)}]
        others = [pair for pair in eligible if pair[1] != first]
        for _position in range(1, count):
            if with_picture and rng.random() < 0.35 and staff.photographers:
                _person, author = rng.choice(staff.photographers)
                role = Role.PHOTOGRAPHER
            elif others:
                _person, author = rng.choice(others)
                role = rng.choice([Role.ADDITIONAL_REPORTING, Role.CONTRIBUTOR, Role.REPORTER])
            else:
                break
            if all(byline["author"] != author for byline in bylines):
                bylines.append({"author": author, "role": str(role)})
        return bylines

    def pick_related(self, plan: list[PlannedStory]) -> None:
        """Editors' picks on about 30% of live stories: earlier stories of the same section,
        recent ones (45 days) when there are any. Only earlier ones: a pick is chosen in the
        form when the story is written, so it points at a story that exists then."""
        rng = self.rng("related")
        by_section: dict[str, list[PlannedStory]] = defaultdict(list)
        live = [story for story in plan if story.live]
        for story in live:
            by_section[story.spec.slug].append(story)
        for story in live:
            if rng.random() >= 0.3:
                continue
            earlier = [o for o in by_section[story.spec.slug] if o.when < story.when]
            recent = [o for o in earlier if story.when - o.when < timedelta(days=45)]
            candidates = recent or earlier
            story.picks = rng.sample(candidates, min(len(candidates), rng.choice([1, 1, 2])))

    def plan_updates(self, plan: list[PlannedStory]) -> None:
        """About one published story in seven was updated a few hours after it went out."""
        rng = self.rng("updates")
        for story in plan:
            if story.live and rng.random() < 0.15:
                at = min(story.when + timedelta(minutes=rng.randint(60, 480)), self.now)
                paragraph, note = writing.update_paragraph(rng)
                story.update = Update(at, paragraph, note)

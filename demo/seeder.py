"""Build the demo outlet: sections, staff with portraits, illustrations, then the stories,
written and published through ``articles.workflow`` exactly as an editor would in the admin.

Sections, authors and images are plain rows (no editorial state). Every story is made by
``workflow.create`` with its bylines, tags and picks (so revision 1 holds them all), published
or scheduled by ``workflow.publish``, and, for the few updated a few hours later, saved again
as a substantive revision and published with ``workflow.save`` / ``workflow.publish``. The
workflow therefore writes every status, revision, audit entry and search vector here, the same
rows as the admin's buttons.

History is replayed at its own time: a story published three months ago is created and
published with the clock set to then (``time_machine``), so its revision, audit entries and
"updated" time say when that happened, not when the seeder ran. The workflow has no way to
back-date a publication of changes, and the clock is the one input it takes it from.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import time_machine
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify

from articles import workflow
from articles.models import Article, Image, Section
from authors.models import Author
from demo import writing
from demo.pictures import PORTRAIT_COLOURS, SCENES, SKIES, jpeg_bytes, paint_portrait
from demo.planning import PlannedStory, Planner, Staff
from demo.world import OUTLET, SECTIONS, STAFF

EDITOR_USERNAME = "demo-editor"
IMAGE_COUNT = 60
# The staff's addresses are made up: their notifications go nowhere (and are not printed by
# the console back end a local site uses, three for every story).
QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"


class SeedError(Exception):
    """The site cannot be seeded as it stands (the message says why)."""


@dataclass
class Result:
    stories: int = 0
    updates: int = 0
    picks: int = 0
    stored_files: list = field(default_factory=list)


class DemoSeeder:
    """Builds the demo site. Each public method creates one kind of thing."""

    def __init__(
        self,
        seed: int,
        story_count: int,
        log=lambda message: None,
        progress=lambda phase, done: None,
    ):
        """``log(message)`` for --verbosity 2; ``progress(phase, done)`` after each author,
        image and story (phases as in ``phases()``)."""
        self.log = log
        self.progress = progress
        self.story_count = story_count
        self.now = timezone.now()
        self.planner = Planner(seed, story_count, self.now)
        self.result = Result()

    def phases(self) -> dict[str, int]:
        """The steps of the run, phase by phase, for a progress bar."""
        return {"authors": len(STAFF), "images": IMAGE_COUNT, "stories": self.story_count}

    def run(self) -> Result:
        """Seed the site; the caller holds the transaction (and removes files on failure)."""
        with override_settings(EMAIL_BACKEND=QUIET_MAIL):
            self.editor = self.editor_account()
            sections = self.create_sections()
            authors = self.create_authors()
            images = self.create_images()
            plan = self.planner.stories(
                {slug: section.pk for slug, section in sections.items()},
                Staff.of({name: author.pk for name, author in authors.items()}),
                {slug: [image.pk for image in found] for slug, found in images.items()},
            )
            self.create_stories(plan)
        return self.result

    def store(self, fieldfile, name: str, data: bytes) -> None:
        fieldfile.save(name, ContentFile(data, name=name), save=False)
        self.result.stored_files.append((fieldfile.storage, fieldfile.name))

    def discard_files(self) -> None:
        """After a rollback, remove the files written so far (the rows are gone)."""
        for storage, name in self.result.stored_files:
            storage.delete(name)

    def editor_account(self):
        """The account the stories are written and published by: a superuser nobody can log
        in as."""
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            **{user_model.USERNAME_FIELD: EDITOR_USERNAME},
            defaults={"is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if not (workflow.can_publish(user) and user.has_perm("articles.add_article")):
            raise SeedError(f"The user {EDITOR_USERNAME!r} exists but may not publish.")
        return user

    def create_sections(self) -> dict[str, Section]:
        sections = {}
        for position, spec in enumerate(SECTIONS):
            sections[spec.slug], _ = Section.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "description": spec.description,
                    "position": (position + 1) * 10,
                },
            )
        self.log(f"Sections: {len(sections)}")
        return sections

    def create_authors(self) -> dict[str, Author]:
        rng = self.planner.rng("authors")
        colours = rng.sample(PORTRAIT_COLOURS, len(PORTRAIT_COLOURS))
        authors = {}
        for index, person in enumerate(STAFF):
            slug = slugify(person.name)
            author = Author.objects.filter(slug=slug).first()
            if author is None:
                author = Author(slug=slug, **writing.profile(rng, person, slug))
                portrait = paint_portrait(rng, colours[index % len(colours)])
                self.store(author.photo, f"{slug}.jpg", jpeg_bytes(portrait, 82))
                author.save()
            authors[person.name] = author
            self.progress("authors", index + 1)
        self.log(f"Authors: {len(authors)}")
        return authors

    def create_images(self) -> dict[str, list[Image]]:
        rng = self.planner.rng("images")
        images: dict[str, list[Image]] = defaultdict(list)
        for index in range(IMAGE_COUNT):
            spec = SECTIONS[index % len(SECTIONS)]
            scene = spec.scenes[(index // len(SECTIONS)) % len(spec.scenes)]
            sky = SKIES[rng.choice(spec.skies)]
            picture, alt, caption = SCENES[scene](rng, sky, spec.slug)
            image = Image(
                alt_text=alt,
                caption=caption,
                credit=OUTLET["illustration_credit"],
                uploaded_by=self.editor,
            )
            name = f"demo-{spec.slug}-{scene.replace('_', '-')}-{index + 1:02d}.jpg"
            self.store(image.file, name, jpeg_bytes(picture, 80))
            image.save()
            images[spec.slug].append(image)
            self.progress("images", index + 1)
        self.log(f"Images: {IMAGE_COUNT}")
        return images

    def create_stories(self, plan: list[PlannedStory]) -> None:
        """Oldest first, so every pick names a story already written."""
        created: dict[int, int] = {}  # id(planned story) -> row id
        for done, story in enumerate(plan, start=1):
            data = dict(story.data, related=[created[id(pick)] for pick in story.picks])
            article = self.write(story, data)
            created[id(story)] = article.pk
            self.result.picks += len(story.picks)
            self.progress("stories", done)
        self.result.stories = len(plan)
        self.log(f"Stories: {len(plan)} ({self.result.updates} updated later)")

    def write(self, story: PlannedStory, data: dict) -> Article:
        """One story's life: written, then published (or scheduled), then perhaps updated."""
        if story.kind == "draft":
            return workflow.create(data, by=self.editor)
        if story.kind == "scheduled":  # Written today, due later.
            article = workflow.create(data, by=self.editor)
            return workflow.publish(article, by=self.editor, at=story.when).article
        with at_time(story.when):
            article = workflow.create(data, by=self.editor)
            article = workflow.publish(article, by=self.editor, at=story.when).article
        if story.update:
            with at_time(story.update.at):
                update = dict(data, body=data["body"] + "\n" + story.update.paragraph)
                workflow.save(
                    article,
                    update,
                    by=self.editor,
                    base_revision=article.revision_number,
                    substantive=True,
                    note=story.update.note,
                )
                article = workflow.publish(article, by=self.editor).article
            self.result.updates += 1
        return article


def at_time(moment: datetime):
    """The clock set to ``moment`` (standing still) while an editor's action is replayed."""
    return time_machine.travel(moment, tick=False)

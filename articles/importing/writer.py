"""Writing an import: sections, authors and tags here, stories through the workflow's bulk
entry point (``articles.workflow.bulk``), which leaves them as ``create`` + ``publish`` would."""

from collections.abc import Callable

from django.db.models.functions import Lower
from taggit.models import Tag

import pagecache
from articles import purging
from articles.importing.rows import (
    SECTION_NAME,
    TAG_NAME,
    Result,
    Stage,
    StoryIn,
    legacy_redirect_model,
    rows_where,
)
from articles.models import Article, Section
from articles.workflow import bulk
from authors.models import Author


class BulkWriter:
    """Writes checked rows: sections, authors and tags itself (as today), stories through the
    workflow's bulk entry point, acting as ``bulk.SYSTEM`` (no user), a batch at a time.

    ``plan()`` reads what is already there (a handful of queries, no writes) and tells which
    slugs an article may refer to; ``write()`` does the inserts and must run inside a
    transaction. Used by the JSON Lines and WordPress importers.
    """

    def __init__(
        self,
        *,
        note: str,
        warn: Callable[[str], None],
        progress: Callable[[int, int], None] | None = None,
        batch_size: int | None = None,
    ):
        self.note = note
        self.warn = warn
        self.progress = progress
        self.batch_size = batch_size
        self.result = Result()
        self.seen_paths = set()
        self.redirects_written = 0
        self.made, self.made_authors, self.made_tags = set(), set(), set()

    # Reading what exists.

    def plan(self, sections, authors, tags, stories):
        self.sections, self.authors, self.tags, self.stories = sections, authors, tags, stories
        section_slugs = {s.slug for s in sections} | {s.section for s in stories}
        author_slugs = {a.slug for a in authors} | {a for s in stories for a in s.authors}
        tag_slugs = {t.slug for t in tags} | {t for s in stories for t in s.tags}
        self.section_ids = dict(rows_where(Section, "slug", section_slugs, "slug", "pk"))
        self.author_ids = dict(rows_where(Author, "slug", author_slugs, "slug", "pk"))
        self.tag_ids, self.tag_names = {}, {}
        for key, pk, name in rows_where(Tag, "slug", tag_slugs, "slug", "pk", "name"):
            self.tag_ids[key], self.tag_names[key] = pk, name
        existing = {
            row[0] for row in rows_where(Article, "slug", [s.slug for s in stories], "slug")
        }
        legacy = legacy_redirect_model()
        paths = [p for s in stories for p in s.legacy_paths]
        self.taken_paths = taken_paths = set()
        if legacy is not None and paths:
            self.taken_paths = taken_paths = {
                row[0] for row in rows_where(legacy, "old_path", paths, "old_path")
            }
        self.new_stories = []
        for story in stories:
            # Imported before: same slug, or its old address (the first, its permalink) is
            # already redirected (stories whose slug was made up on import).
            permalink = story.legacy_paths[0] if story.legacy_paths else None
            if story.slug in existing or permalink in taken_paths:
                self.result.articles.skipped += 1
            else:
                self.new_stories.append(story)

    def known(self):
        """Slugs an article may refer to: (sections, authors, tags)."""
        return (
            set(self.section_ids) | {s.slug for s in self.sections},
            set(self.author_ids) | {a.slug for a in self.authors},
            set(self.tag_ids) | {t.slug for t in self.tags},
        )

    # Writing.

    def write(self) -> Result:
        self._write_sections()
        self._write_authors()
        self._write_tags()
        stories = self.new_stories
        total = len(stories)
        if self.progress:
            self.progress(0, total)
        created = bulk.create_many(
            (self._new_story(story) for story in stories),
            by=bulk.SYSTEM,
            note=self.note,
            batch_size=self.batch_size,
            progress=(lambda done: self.progress(done, total)) if self.progress else None,
            unseen=self._unseen(),
        )
        redirects, legacy = [], legacy_redirect_model()
        for story, made in zip(stories, created, strict=True):
            self.result.states[made.status] += 1
            if legacy is not None:
                for path in story.legacy_paths:
                    if path not in self.seen_paths and path not in self.taken_paths:
                        self.seen_paths.add(path)
                        redirects.append(legacy(old_path=path, article_id=made.pk))
        if redirects:
            # An address another story has (e.g. the same /?p=ID from another site) keeps
            # pointing there.
            legacy.objects.bulk_create(redirects, ignore_conflicts=True, batch_size=1000)
            self.redirects_written += len(redirects)
        self.result.articles.created += len(created)
        self._purge()
        return self.result

    def _new_story(self, story: StoryIn) -> bulk.NewStory:
        """What the workflow is given for one story: its content, then publish, submit or
        nothing, as an editor would."""
        image = story.hero() if story.hero else None
        data = {
            "headline": story.headline,
            "slug": story.slug,
            "standfirst": story.standfirst,
            "body": story.body,
            "section": self.section_ids[story.section],
            "hero_image": image.pk if image else None,
            "bylines": [{"author": self.author_ids[slug]} for slug in story.authors],
            "tags": [self.tag_names[slug] for slug in story.tags],
        }
        return bulk.NewStory(
            data,
            publish=story.status in Article.VISIBLE_STATES,
            at=story.published_at,
            submit=story.stage == Stage.IN_REVIEW,
        )

    def _unseen(self) -> set[str]:
        """Page-cache keys of the sections, authors and tags this import made: no page of
        theirs can be cached yet."""
        return {
            *(f"section:{pk}" for slug, pk in self.section_ids.items() if slug in self.made),
            *(f"author:{pk}" for slug, pk in self.author_ids.items() if slug in self.made_authors),
            *(f"tag:{pk}" for slug, pk in self.tag_ids.items() if slug in self.made_tags),
        }

    def _unique_names(self, rows, model, *, max_length: int, fold_case=False) -> dict:
        """{slug: name}, giving a row whose name another row has (in the database or earlier in
        the file) a " (2)"-style suffix: names are unique, the slugs are what must be kept."""
        norm = str.lower if fold_case else str

        def taken_in_database(names) -> set:
            names = {norm(n) for n in names}
            rows = model.objects.annotate(key=Lower("name")) if fold_case else model.objects
            found = rows.filter(**{"key__in" if fold_case else "name__in": names})
            return {norm(n) for n in found.values_list("name", flat=True)}

        taken = taken_in_database(r.name for r in rows)
        result = {}
        for row in rows:
            name, n = row.name, 2
            while norm(name) in taken:
                suffix = f" ({n})"
                name = row.name[: max_length - len(suffix)] + suffix
                n += 1
                taken |= taken_in_database([name])  # Rare: only for a name already taken.
            if name != row.name:
                where = f"line {row.line}: " if row.line else ""
                self.warn(
                    f"{where}the name “{row.name}” is taken; “{row.slug}” is called “{name}”."
                )
            taken.add(norm(name))
            result[row.slug] = name
        return result

    def _write_sections(self):
        new = [s for s in self.sections if s.slug not in self.section_ids]
        self.result.sections.skipped += len(self.sections) - len(new)
        if not new:
            return
        names = self._unique_names(new, Section, max_length=SECTION_NAME)
        last = Section.objects.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
        rows = [
            Section(slug=s.slug, name=names[s.slug], position=min(position + i, 32767))
            for i, s in enumerate(new)
        ]
        Section.objects.bulk_create(rows)
        self.section_ids.update({r.slug: r.pk for r in rows})
        self.made.update(r.slug for r in rows)
        self.result.sections.created += len(rows)

    def _write_authors(self):
        new = [a for a in self.authors if a.slug not in self.author_ids]
        self.result.authors.skipped += len(self.authors) - len(new)
        if not new:
            return
        rows = [
            Author(
                slug=a.slug,
                name=a.name,
                job_title=a.job_title,
                bio=a.bio,
                short_bio=a.short_bio,
                email=a.email,
            )
            for a in new
        ]
        Author.objects.bulk_create(rows)
        self.author_ids.update({r.slug: r.pk for r in rows})
        self.made_authors.update(r.slug for r in rows)
        self.result.authors.created += len(rows)

    def _write_tags(self):
        new = [t for t in self.tags if t.slug not in self.tag_ids]
        self.result.tags.skipped += len(self.tags) - len(new)
        if not new:
            return
        names = self._unique_names(new, Tag, max_length=TAG_NAME, fold_case=True)
        rows = [Tag(slug=t.slug, name=names[t.slug]) for t in new]
        Tag.objects.bulk_create(rows)
        self.tag_ids.update({r.slug: r.pk for r in rows})
        self.made_tags.update(r.slug for r in rows)
        self.tag_names.update({r.slug: r.name for r in rows})
        self.result.tags.created += len(rows)

    def _purge(self):
        """New sections change the navigation on every page (after the commit). The stories'
        own purges (their sections, authors, tags and every site-wide listing) are the
        workflow's."""
        if self.result.sections.created:
            pagecache.purge("nav", *purging.SITE_WIDE)

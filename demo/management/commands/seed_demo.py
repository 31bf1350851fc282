"""``manage.py seed_demo``: fill an empty site with a realistic-looking demo news outlet.

Creates sections, a staff of authors (with generated portraits), a library of generated "news
photo" illustrations, tags and a few hundred stories spread over the last four months, written
and published through ``articles.workflow`` like an editor would (``demo.seeder``). Everything
is derived from ``--seed`` so two runs with the same options produce the same site (apart from
dates, which are relative to now). A site that already has stories is left alone.
"""

from time import monotonic

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Byline, Image, RelatedLink, Section
from authors.models import Author
from demo.progress import SeedProgress
from demo.seeder import DemoSeeder, SeedError


class Command(BaseCommand):
    help = (
        "Fill an empty site with demo content: sections, authors with portraits, illustrations, "
        "tags and published, scheduled and draft stories. Does nothing if stories exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
        parser.add_argument(
            "--articles", type=int, default=300, help="Number of stories (default 300)."
        )

    def handle(self, *args, seed, articles, verbosity, **options):
        if articles < 0:
            raise CommandError("--articles cannot be negative.")
        if Article.objects.exists():
            self.stdout.write("Demo content already present; nothing to do.")
            return
        started = monotonic()
        # Progress on stderr (a bar on a terminal, a few plain lines elsewhere), the summary on
        # stdout. The staff's notification e-mails are never sent or printed (demo.seeder).
        progress = SeedProgress(self.stderr, enabled=verbosity >= 1)

        def log(message):
            if verbosity >= 2:
                progress.note(f"  {message} ({monotonic() - started:.1f} s)")

        seeder = DemoSeeder(seed, articles, log, progress)
        progress.plan(seeder.phases())
        try:
            # All or nothing: a failure halfway leaves the site empty, so a rerun starts over.
            with transaction.atomic():
                seeder.run()
        except SeedError as error:
            seeder.discard_files()
            raise CommandError(str(error)) from error
        except BaseException:
            seeder.discard_files()
            raise
        finally:
            progress.finish()
        if verbosity >= 1:
            self.print_summary(monotonic() - started)

    def print_summary(self, seconds: float) -> None:
        now = timezone.now()
        stories = Article.objects.all()
        drafts = stories.filter(status=Article.Status.NOT_PUBLISHED)
        upcoming = stories.exclude(status=Article.Status.NOT_PUBLISHED).filter(published_at__gt=now)
        authors = Author.objects.all()
        rows = [
            ("Sections", Section.objects.count()),
            ("Authors", f"{authors.count()} ({authors.filter(is_active=False).count()} inactive)"),
            ("Images", Image.objects.count()),
            ("Tags", Tag.objects.count()),
            (
                "Articles",
                f"{stories.count()} ({stories.published().count()} published, "
                f"{upcoming.count()} scheduled, {drafts.count()} draft)",
            ),
            ("Bylines", Byline.objects.count()),
            ("Related picks", RelatedLink.objects.count()),
        ]
        self.stdout.write(self.style.SUCCESS(f"Demo content created in {seconds:.1f} s:"))
        for label, value in rows:
            self.stdout.write(f"  {label:<14} {value}")

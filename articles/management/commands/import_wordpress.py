"""``manage.py import_wordpress FILE.xml [--media-dir DIR]``: import a WordPress export (WXR).

What becomes what is ``articles.importing.wordpress``'s: categories become sections, tags tags,
authors (and Co-Authors Plus co-authors) authors and bylines, posts stories (published,
scheduled, drafts or in review, as in WordPress), featured images (with ``--media-dir``) hero
images, and old permalinks and ``/?p=ID`` short links 301 redirects. Stories go through the
workflow's bulk entry point. Posts already imported are skipped, so a second run adds nothing;
everything is one transaction.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importing import wordpress
from articles.importing.report import Progress, summary
from articles.importing.rows import BadImport


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR): categories, tags, authors, posts with co-authors, "
        "featured images (--media-dir) and old permalinks. Posts already imported are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="The WordPress export (.xml), or WordPress.com's download (.zip)."
        )
        parser.add_argument(
            "--media-dir",
            help="Folder holding the site's uploads (wp-content/uploads), for featured images.",
        )
        parser.add_argument(
            "--author-emails",
            action="store_true",
            help="Copy the WordPress account e-mail of each author to the (public) author page.",
        )

    def handle(self, *args, file, media_dir, author_emails, verbosity, **options):
        started = time.perf_counter()
        media = Path(media_dir) if media_dir else None
        if media is not None and not media.is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        warn = self.warning if verbosity >= 1 else (lambda message: None)
        progress = Progress(self.stderr, verbosity >= 1)
        try:
            result, converter, writer, keeps_paths = wordpress.import_export(
                file, media_dir=media, emails=author_emails, warn=warn, progress=progress
            )
        except BadImport as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.finish()
        if verbosity >= 1:
            lines = summary(result, time.perf_counter() - started, file)
            lines.append(f"  images    {len(converter.images_made):>7,} created")
            if keeps_paths:
                lines.append(f"  old addresses {writer.redirects_written:>3,} redirected (301)")
            lines.append(f"  ignored   {converter.ignored:>7,} items (pages, attachments, trash)")
            for line in lines:
                self.stdout.write(line)

    def warning(self, message: str):
        self.stderr.write(f"Warning: {message}")

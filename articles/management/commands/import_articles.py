"""``manage.py import_articles FILE.jsonl``: load sections, authors, tags and stories in bulk.

The format and the checks are ``articles.importing.jsonl``'s (``-`` reads standard input):

* Every line is read and checked before anything is written; a problem is reported with its
  line number, the command fails, and the database is unchanged. The writing is one transaction.
* Rows are matched by slug: one already in the database is left as it is and counted as
  skipped, so a second run adds nothing. A new section or tag whose *name* is taken gets
  " (2)", " (3)"... (slugs, the addresses, are kept), with a warning.
* Stories go through the workflow's bulk entry point (``articles.workflow.bulk``): each ends up
  as ``workflow.create`` then ``workflow.publish`` (scheduled when ``published_at`` is still to
  come) would leave it, recorded as done by no user, the "created" audit entry naming the file.
* A progress line on stderr, then a summary (created and skipped per kind, seconds, articles
  per second) on stdout.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from articles.importing import jsonl
from articles.importing.report import Progress, summary
from articles.importing.rows import BadImport


class Command(BaseCommand):
    help = (
        "Import sections, authors, tags and stories from a JSON Lines file (- for stdin). "
        "Rows whose slug exists are skipped; a bad line imports nothing."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .jsonl file, or - for standard input.")

    def handle(self, *args, file, verbosity, **options):
        started = time.perf_counter()
        source = "standard input" if file == "-" else file
        progress = Progress(self.stderr, verbosity >= 1)
        warn = lambda message: self.stderr.write(f"Warning: {message}")  # noqa: E731
        try:
            if file == "-":
                stream = options.get("stdin") or sys.stdin
                lines = getattr(stream, "buffer", stream)
                result = jsonl.import_lines(lines, source, warn=warn, progress=progress)
            else:
                result = jsonl.import_file(file, warn=warn, progress=progress)
        except BadImport as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.finish()
        if verbosity >= 1:
            for line in summary(result, time.perf_counter() - started, source):
                self.stdout.write(line)

"""Record scheduled stories whose time has come as published (cron each minute, or --loop), and
deliver the purges a cache tier has not confirmed yet (pagecache/outbox.py)."""

import time

from django.core.management.base import BaseCommand

from articles import workflow
from pagecache import outbox


class Command(BaseCommand):
    help = (
        "Mark due scheduled stories as published, and retry undelivered purges. Safe to run in "
        "several workers at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running (worker service).")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between runs.")
        parser.add_argument(
            "--purge-interval", type=float, default=2.0,
            help="Seconds between rounds of undelivered purges (a takedown waits no longer).",
        )  # fmt: skip

    def handle(self, *args, loop, interval, purge_interval, **options):
        next_run = 0.0
        while True:
            if time.monotonic() >= next_run:
                done = workflow.publish_due()
                if done or not loop:
                    self.stdout.write(f"{len(done)} scheduled stories published.")
                next_run = time.monotonic() + interval
            delivered, failed = outbox.deliver_due()
            if delivered or failed:
                self.stdout.write(f"{delivered} purges delivered, {failed} still undelivered.")
            if not loop:
                return
            time.sleep(max(0.1, min(purge_interval, next_run - time.monotonic())))

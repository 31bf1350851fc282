"""Record scheduled stories whose time has come as published (cron each minute, or --loop)."""

import time

from django.core.management.base import BaseCommand

from articles import workflow


class Command(BaseCommand):
    help = "Mark due scheduled stories as published. Safe to run in several workers at once."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running (worker service).")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between runs.")

    def handle(self, *args, loop, interval, **options):
        while True:
            done = workflow.publish_due()
            if done or not loop:
                self.stdout.write(f"{len(done)} scheduled stories published.")
            if not loop:
                return
            time.sleep(interval)

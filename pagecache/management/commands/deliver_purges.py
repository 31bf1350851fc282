"""Send the purges no cache tier has confirmed yet (pagecache/outbox.py). The worker
(`publish_due --loop`) does this too; run this for a worker of its own, or once by hand."""

import time

from django.core.management.base import BaseCommand

from pagecache import outbox


class Command(BaseCommand):
    help = "Deliver undelivered purges to every cache tier. Safe to run in several workers at once."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running (worker service).")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between rounds.")
        parser.add_argument(
            "--forget", metavar="TIER", help="Drop the undelivered purges of a tier taken out of "
            "service (its name as the log gives it, e.g. varnish:http://10.0.0.5:6081).",
        )  # fmt: skip

    def handle(self, *args, loop, interval, forget, **options):
        if forget:
            self.stdout.write(f"{outbox.forget(forget)} purges for {forget} dropped.")
            return
        while True:
            delivered, failed = outbox.deliver_due()
            if delivered or failed or not loop:
                self.stdout.write(f"{delivered} purges delivered, {failed} still undelivered.")
            if not loop:
                return
            time.sleep(interval)

"""Create (once) and print a login for each newsroom role on the demo site (used by `make run`)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from demo import logins


class Command(BaseCommand):
    help = "Make an editor, a writer and a contributor login (once) and print them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            default=str(settings.BASE_DIR / "var" / "demo-logins.txt"),
            help="Where the logins are kept (default var/demo-logins.txt).",
        )

    def handle(self, *args, file, **options):
        for role, password in logins.ensure(Path(file)):
            self.stdout.write(f"{role.group:<12} user: {role.username:<12} password: {password}")

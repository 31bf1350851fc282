"""Create the local admin login once and print how to sign in (used by ``make run``)."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a local superuser 'admin' with a random password (once) and print the login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--file",
            default=str(settings.BASE_DIR / "var" / "admin-login.txt"),
            help="Where the login is kept (default var/admin-login.txt).",
        )
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/admin/", help="The admin's address, to print."
        )

    def handle(self, *args, username, file, url, **options):
        credentials = Path(file)
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None or not credentials.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(username, "admin@localhost", password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            credentials.parent.mkdir(parents=True, exist_ok=True)
            credentials.write_text(f"{username} {password}\n")
            credentials.chmod(0o600)
        name, password = credentials.read_text().split()
        self.stdout.write(self.style.SUCCESS(f"Admin: {url}  user: {name}  password: {password}"))

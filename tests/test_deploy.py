"""Production settings pass Django's deployment checks and refuse to start half-configured."""

import os
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "k3y" * 12,
    "ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class DeploymentTests(SimpleTestCase):
    def test_production_settings_pass_check_deploy(self):
        run = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)

    def test_missing_secret_key_or_hosts_stops_start_up_with_a_clear_message(self):
        for missing, message in [
            ("SECRET_KEY", "Set SECRET_KEY"),
            ("ALLOWED_HOSTS", "Set ALLOWED_HOSTS"),
        ]:
            with self.subTest(missing=missing):
                env = {k: v for k, v in PRODUCTION.items() if k != missing}
                run = manage("check", env=env)
                self.assertNotEqual(run.returncode, 0)
                self.assertIn(message, run.stderr)

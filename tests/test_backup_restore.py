"""The README's backup procedure: pg_dump, restore into a fresh database, the site serves it."""

import os
import subprocess
import sys
import unittest

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from tests.factories import make_article, make_section


@unittest.skipUnless(connection.vendor == "postgresql", "pg_dump and pg_restore need PostgreSQL")
class BackupRestoreTests(TransactionTestCase):
    def test_a_dump_restored_into_a_fresh_database_serves_the_same_stories(self):
        section = make_section("World", slug="world")
        for i in range(3):
            make_article(headline=f"Kept story {i}", section=section)
        db = settings.DATABASES["default"]
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        run = subprocess.run(
            ["bash", "ops/backup_restore_check.sh", url, str(settings.MEDIA_ROOT)],
            cwd=settings.BASE_DIR,
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("CHECK 3 3 [200, 200]", run.stdout)
        self.assertIn("Restore check passed.", run.stdout)

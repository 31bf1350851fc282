"""The Redis tests touch only what they create.

Run against a Redis that holds other people's data (a database of this run's own server standing
in for the machine's shared Redis), the page-cache tests leave every key outside their own
prefix as it was, flush no database (a flush anywhere also makes every client-tracking connection
on the server drop its whole cache), and leave none of their own keys behind.
"""

import os
import subprocess
import sys
import unittest
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.test import SimpleTestCase

from tests import redis_server

REDIS_TESTS = ["tests/test_page_cache.py", "tests/pagecache/test_tracking.py"]
SHARED_DB = 12  # as the machine's shared Redis had it
SENTINELS = {
    "someone-else:session:abc": b"a colleague's session",
    "newsroom:1:page:/": b"another site's cached front page",
    # The shape of a test key, but another run's: not this run's to delete.
    "newsroom-test-1-00000000-pages:1:page:/": b"another test run's key",
}


def flushes(client) -> int:
    stats = client.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("flushdb", "flushall"))


def other_database_url() -> str:
    """The project's database with another name, for the test run started here (its test
    database must not be the one this run is using)."""
    current = os.environ.get("DATABASE_URL", "")
    if not current.startswith("postgres"):
        return "sqlite:///" + str(settings.BASE_DIR / "var" / "redis-isolation.sqlite3")
    parts = urlsplit(current)
    return urlunsplit(parts._replace(path=parts.path + "_redis_isolation"))


@unittest.skipUnless(redis_server.is_private(), "needs the test run's own redis-server")
class RedisIsolationTests(SimpleTestCase):
    def test_the_redis_tests_leave_other_keys_alone_and_flush_nothing(self):
        import redis

        base = redis_server.url().rsplit("/", 1)[0]
        shared = redis.Redis.from_url(f"{base}/{SHARED_DB}")
        self.addCleanup(shared.close)
        self.addCleanup(shared.delete, *SENTINELS)
        for key, value in SENTINELS.items():
            shared.set(key, value)
        flushed_before = flushes(shared)  # Counted over the whole server, every database.

        env = {
            **{k: v for k, v in os.environ.items() if k != redis_server.PRIVATE_ENV},
            "TEST_REDIS_URL": f"{base}/{SHARED_DB}",
            "DATABASE_URL": other_database_url(),
        }
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-rs", *REDIS_TESTS],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        output = run.stdout + run.stderr
        self.assertEqual(run.returncode, 0, output[-3000:])
        self.assertIn(f"{base}/{SHARED_DB} (shared", output)  # The header says where.
        self.assertNotIn("needs Redis", output)  # They ran, against the shared database.
        for key, value in SENTINELS.items():
            self.assertEqual(shared.get(key), value, key)
        self.assertEqual(sorted(shared.keys()), sorted(k.encode() for k in SENTINELS))
        self.assertEqual(flushes(shared), flushed_before, "a database was flushed")
        self.assertIn("only on the test run's own Redis server", output)  # The flush test not.

"""Production settings pass Django's deployment checks and refuse to start half-configured, and
`make prod` really runs the site with them on this machine."""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, TestCase, override_settings

from tests import redis_server

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


@override_settings(DEBUG=False, ALLOWED_HOSTS=["news.example.org"])
class DisallowedHostTests(TestCase):
    def test_a_host_not_allowed_gets_the_400_page_not_a_500(self):
        response = self.client.get("/section/world/", HTTP_HOST="attacker.example")
        self.assertEqual(response.status_code, 400)
        self.assertNotContains(response, "attacker.example", status_code=400)
        self.assertEqual(self.client.get("/", HTTP_HOST="news.example.org").status_code, 200)


def fetch(url, host=None):
    """(status, headers, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@unittest.skipUnless(shutil.which("make"), "needs make")
@unittest.skipUnless(redis_server.is_private(), "needs the test run's own redis-server")
class MakeProdTests(SimpleTestCase):
    """`make prod` as the README gives it: DEBUG off, a secret key made once in var/, static files
    collected and served, the Redis cache, gunicorn, on a free port (everything in a folder of
    the test's own: database, var/, static, media; Redis keys under the run's prefix)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = Path(tempfile.mkdtemp(prefix="newsroom-make-prod-"))
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        cls.prefix = f"{redis_server.RUN_PREFIX}-prod"
        cls.redis_url = redis_server.url().rsplit("/", 1)[0] + "/3"
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
        }
        env.update(
            PORT=str(cls.port),
            DATABASE_URL=f"sqlite:///{cls.folder / 'db.sqlite3'}",
            REDIS_URL=cls.redis_url,
            CACHE_KEY_PREFIX=cls.prefix,
            VAR_DIR=str(cls.folder / "var"),
            STATIC_ROOT=str(cls.folder / "static"),
            MEDIA_ROOT=str(cls.folder / "media"),
            SEED_ARTICLES="3",
            WORKERS="1",
        )
        cls.log = open(cls.folder / "make-prod.log", "w+")  # noqa: SIM115 (open for the class)
        # -o setup: the test runs in the installed virtualenv; never pip install from a test.
        cls.server = subprocess.Popen(
            ["make", "-o", "setup", "prod"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=cls.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Its own process group: stopped whole at the end.
        )
        deadline = time.monotonic() + 300
        while True:
            if cls.server.poll() is not None:
                cls.tearDownClass()
                raise AssertionError(f"make prod stopped:\n{cls.output()}")
            try:
                with socket.create_connection(("127.0.0.1", cls.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    cls.tearDownClass()
                    raise AssertionError(f"make prod did not start:\n{cls.output()}") from None
                time.sleep(0.5)

    @classmethod
    def output(cls) -> str:
        cls.log.flush()
        return (cls.folder / "make-prod.log").read_text()

    @classmethod
    def tearDownClass(cls):
        if cls.server.poll() is None:
            os.killpg(cls.server.pid, signal.SIGTERM)
            try:
                cls.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(cls.server.pid, signal.SIGKILL)
                cls.server.wait()
        cls.log.close()
        redis_server.forget_keys(f"{cls.prefix}:", cls.redis_url)
        shutil.rmtree(cls.folder, ignore_errors=True)
        super().tearDownClass()

    def test_it_serves_the_seeded_site_with_debug_off_and_says_how_to_sign_in(self):
        status, headers, body = fetch(f"{self.base}/")
        self.assertEqual(status, 200)
        self.assertIn("The Daily Ledger", body)
        self.assertEqual(headers["Server"], "gunicorn")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(headers["Referrer-Policy"], "strict-origin-when-cross-origin")
        # Behind the TLS proxy production has (it says so in X-Forwarded-Proto): HSTS.
        proxied = urllib.request.Request(f"{self.base}/", headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(proxied, timeout=30) as response:
            self.assertIn("max-age=31536000", response.headers["Strict-Transport-Security"])
        output = self.output()
        self.assertIn(f"Serving http://localhost:{self.port}/ with the production settings", output)
        self.assertRegex(output, rf"Admin: http://localhost:{self.port}/admin/  user: admin  ")
        self.assertIn("Articles       3 (", output)
        self.assertEqual(fetch(f"{self.base}/admin/login/")[0], 200)

    def test_the_secret_key_is_made_once_outside_the_repository_and_private(self):
        key = self.folder / "var" / "secret_key"
        self.assertGreaterEqual(len(key.read_text().strip()), 50)
        self.assertEqual(stat.S_IMODE(key.stat().st_mode), 0o600)
        self.assertIn("/var/", (settings.BASE_DIR / ".gitignore").read_text())

    def test_collected_static_files_are_served_by_whitenoise_with_long_caching(self):
        _status, _headers, body = fetch(f"{self.base}/")
        stylesheet = re.search(
            r'<link rel="stylesheet" href="(/static/css/site\.[0-9a-f]+\.css)"', body
        )
        self.assertIsNotNone(stylesheet, "no hashed stylesheet (collectstatic did not run)")
        status, headers, css = fetch(self.base + stylesheet.group(1))
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/css"))
        self.assertIn("max-age=315360000", headers["Cache-Control"])
        self.assertTrue(css.strip())

    def test_a_missing_page_is_the_sites_404_not_the_debug_page(self):
        status, _headers, body = fetch(f"{self.base}/no-such-page/")
        self.assertEqual(status, 404)
        self.assertIn("Page not found", body)
        for debug_only in ["Django tried these URL patterns", "DEBUG = True", "Traceback"]:
            self.assertNotIn(debug_only, body)

    def test_only_the_local_hosts_are_allowed(self):
        self.assertEqual(fetch(f"{self.base}/", host=f"localhost:{self.port}")[0], 200)
        self.assertEqual(fetch(f"{self.base}/", host="news.example.org")[0], 400)

    def test_pages_are_cached_in_redis(self):
        import redis

        url = f"{self.base}/section/world/"
        caches = [fetch(url)[1]["X-Cache"] for _ in range(3)]
        self.assertEqual(caches[-1], "hit")
        client = redis.Redis.from_url(self.redis_url)
        self.assertTrue(list(client.scan_iter(match=f"{self.prefix}:*", count=1000)))
        client.close()

"""A database restart while the site runs under gunicorn: requests fail cleanly (our error page,
/healthz 503 naming the database) for as long as it lasts, never hang, and recover by
themselves, without restarting the app.

Django's test client closes no connections between requests (it disables the recycling that
CONN_MAX_AGE and CONN_HEALTH_CHECKS do), so this runs the real thing: gunicorn with two sync
workers in production settings on a throwaway PostgreSQL database, and a restart as the app sees
it: every backend connection of that database terminated by the server."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import psycopg2
from django.conf import settings
from django.db import connection
from django.test import SimpleTestCase

from bench.harness import serve, stop

# The longest any request may take while the database is away.
BOUND_SECONDS = 5
JSONL = [
    {"kind": "section", "slug": "world", "name": "World"},
    {"kind": "author", "slug": "nora-lind", "name": "Nora Lind"},
    *(
        {
            "kind": "article",
            "slug": f"harbour-story-{i}",
            "title": f"Harbour story {i}",
            "body_html": f"<p>Story number {i}.</p>",
            "section": "world",
            "authors": ["nora-lind"],
            "published_at": f"2026-01-0{i}T09:30:00+00:00",
        }
        for i in range(1, 4)
    ),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    """(status, body, seconds) for a GET, whatever the status."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=BOUND_SECONDS * 3) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, body, time.perf_counter() - started


@unittest.skipUnless(connection.vendor == "postgresql", "restarts a PostgreSQL database")
class DatabaseRestartTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        db = settings.DATABASES["default"]
        cls.server = {
            "host": db["HOST"] or "127.0.0.1",
            "port": db["PORT"] or 5432,
            "user": db["USER"],
            "password": db["PASSWORD"],
        }
        cls.db_name = f"{db['NAME']}_restart_{os.getpid()}"
        cls.work = tempfile.mkdtemp(prefix="newsroom-restart-")
        cls.addClassCleanup(shutil.rmtree, cls.work, ignore_errors=True)
        login = cls.server["user"] + (
            f":{cls.server['password']}" if cls.server["password"] else ""
        )
        cls.env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{login}@{cls.server['host']}:{cls.server['port']}/{cls.db_name}"
            ),
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": "restart-test-only-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "PAGE_CACHE": "0",
            "STATIC_ROOT": os.path.join(cls.work, "static"),
            "MEDIA_ROOT": os.path.join(cls.work, "media"),
            "CACHE_DIR": os.path.join(cls.work, "cache"),
            "REDIS_URL": "",
            "DB_CONNECT_TIMEOUT": "2",
        }
        cls.sql(f'DROP DATABASE IF EXISTS "{cls.db_name}" WITH (FORCE)')
        cls.sql(f'CREATE DATABASE "{cls.db_name}"')
        cls.addClassCleanup(cls.sql, f'DROP DATABASE IF EXISTS "{cls.db_name}" WITH (FORCE)')
        stories = os.path.join(cls.work, "stories.jsonl")
        with open(stories, "w") as out:
            out.writelines(json.dumps(line) + "\n" for line in JSONL)
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
            ["import_articles", stories],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=settings.BASE_DIR,
                env=cls.env,
                check=True,
                capture_output=True,
                timeout=120,
            )
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        cls.gunicorn = serve("newsroom.wsgi:application", cls.port, cls.env)
        cls.addClassCleanup(stop, cls.gunicorn)

    @classmethod
    def sql(cls, statement, *params):
        """Run one statement on the server's maintenance database; the rows it returns."""
        admin = psycopg2.connect(dbname="postgres", **cls.server)
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            admin.close()

    def terminate_connections(self):
        """What a restart does to the app: the server ends every session of the database."""
        rows = self.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            self.db_name,
        )
        return len(rows)

    def allow_connections(self, allowed):
        self.sql(f'ALTER DATABASE "{self.db_name}" ALLOW_CONNECTIONS {str(allowed).lower()}')

    def pages(self):
        return ["/", "/2026/01/02/harbour-story-2/", "/section/world/", "/author/nora-lind/"]

    def assert_all_served(self, rounds=4):
        """Enough requests that both workers serve some."""
        for _ in range(rounds):
            for path in self.pages():
                status, body, _seconds = fetch(self.base + path)
                self.assertEqual(status, 200, f"{path}: {body[:500]}")
            status, body, _seconds = fetch(self.base + "/healthz")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["database"], "ok")

    def test_a_restart_and_an_outage_fail_cleanly_and_recover_without_restarting_the_app(self):
        workers_before = self.worker_pids()
        self.assert_all_served()
        self.assertTrue(self.db_connections(), "the workers keep persistent connections")

        # A quick restart: every connection the workers hold dies between two requests.
        self.assertGreater(self.terminate_connections(), 0)
        self.assert_all_served()

        # An outage: the database refuses connections for a while.
        self.allow_connections(False)
        self.addCleanup(self.allow_connections, True)
        self.terminate_connections()
        for _ in range(3):
            for path in self.pages():
                status, body, seconds = fetch(self.base + path)
                self.assertEqual(status, 500, path)
                self.assertIn("Something went wrong on our side", body)
                self.assertNotIn("Traceback", body)
                self.assertNotIn("OperationalError", body)
                self.assertLess(seconds, BOUND_SECONDS, path)
            status, body, seconds = fetch(self.base + "/healthz")
            self.assertEqual(status, 503)
            self.assertEqual(json.loads(body)["database"], "unavailable")
            self.assertLess(seconds, BOUND_SECONDS)
        # Pages that need no database still work.
        status, body, _seconds = fetch(self.base + "/admin/login/")
        self.assertEqual(status, 200)

        # The database is back: everything is served again by the same workers.
        self.allow_connections(True)
        self.assert_all_served()
        self.assertEqual(self.worker_pids(), workers_before, "no worker was restarted")
        self.assertIsNone(self.gunicorn.poll())

    def test_a_database_that_does_not_answer_costs_a_request_seconds_not_a_hang(self):
        """A listener that accepts and never speaks (a partition, a host being replaced): the
        connect attempt gives up after DB_CONNECT_TIMEOUT with the database error."""
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        self.addCleanup(silent.close)
        accepted = []
        threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
        env = {
            **self.env,
            "DATABASE_URL": f"postgres://nobody@127.0.0.1:{silent.getsockname()[1]}/nothing",
            "DB_CONNECT_TIMEOUT": "1",
        }
        started = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from newsroom.health import _database; _database()",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=20,
        )
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("timeout expired", run.stderr)
        self.assertTrue(accepted, "the connection reached the silent server")
        self.assertLess(time.perf_counter() - started, 15)

    def worker_pids(self):
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.gunicorn.pid)],
            capture_output=True,
            text=True,
        ).stdout.split()
        return sorted(children)

    def db_connections(self):
        return self.sql("SELECT pid FROM pg_stat_activity WHERE datname = %s", self.db_name)

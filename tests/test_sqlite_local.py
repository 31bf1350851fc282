"""The local SQLite database (no DATABASE_URL, as `make run` uses it) under two writers at once:
an editor's save and the story page's lock heartbeat land together. A transaction that read
before writing used to fail at once with "database is locked" (a 500); each now waits its
turn."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Two transactions as the admin makes them: each reads, then writes. The first holds its
# transaction open across the second's whole write.
SCRIPT = textwrap.dedent(
    """
    import threading, time
    import django
    django.setup()
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE lock_race (x integer)")
    connection.close()
    errors, started = [], threading.Event()

    def writer(first):
        try:
            if not first:
                started.wait(5)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM lock_race")
                    if first:
                        started.set()
                        time.sleep(0.5)
                    cursor.execute("INSERT INTO lock_race VALUES (1)")
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(first,)) for first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM lock_race")
        print("rows", cursor.fetchone()[0], "errors", errors)
    """
)


def test_two_writers_on_the_local_sqlite_database_wait_their_turn(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'local.sqlite3'}",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "rows 2 errors []"

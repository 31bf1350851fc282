"""A real PostgreSQL streaming replica of the local server, for tests/test_replica.py.

``pg_basebackup -R -X stream`` of the server the tests use, into a temporary folder, started with
``pg_ctl`` on its own port (TEST_REPLICA_PORT, 5499) with its socket in that folder. The primary
must accept replication connections from 127.0.0.1 for the user postgres (.ci/replication.sh
sets that up). PostgreSQL refuses to run as root: as root the folder is given to the postgres
user and the commands run as that user.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import psycopg2

TOOLS = ("pg_basebackup", "pg_ctl")
SLOT_PREFIX = "newsroom_test_replica_"


def tool(name: str) -> str | None:
    """A server tool: from Debian's /usr/lib/postgresql/<newest>/bin, else from PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def tools_found() -> bool:
    return all(tool(name) for name in TOOLS)


class StreamingReplica:
    def __init__(self, primary: dict, port: int):
        self.primary = primary  # Django's settings_dict of the primary.
        self.port = port
        self.folder = None
        self.user = None
        self.running = False
        self.slot = None

    # --- Running the server ---------------------------------------------------------------

    def _run(self, *args, timeout=600):
        command = [tool(args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return done.stdout

    def _primary_setting(self, cursor, name):
        cursor.execute("SELECT setting FROM pg_settings WHERE name = %s", [name])
        return cursor.fetchone()[0]

    def start(self):
        self.folder = tempfile.mkdtemp(prefix="newsroom-replica-")
        if os.geteuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        data = os.path.join(self.folder, "data")
        host = self.primary.get("HOST") or "127.0.0.1"
        port = str(self.primary.get("PORT") or 5432)
        user = self.primary.get("USER") or "postgres"
        # A replication slot keeps the primary's WAL until the replica has it (a busy primary
        # recycles segments between the end of the copy and the replica's start); dropped in
        # remove(), and any left by a run that was killed are dropped here.
        with self.primary_cursor() as cursor:
            cursor.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                " WHERE slot_name LIKE %s AND NOT active",
                [SLOT_PREFIX + "%"],
            )
        self.slot = f"{SLOT_PREFIX}{os.getpid()}"
        # A fast checkpoint: the default spreads it out, and the copy waits for it.
        self._run("pg_basebackup", "-h", host, "-p", port, "-U", user, "-D", data,
                  "-R", "-X", "stream", "-c", "fast", "-C", "-S", self.slot)  # fmt: skip
        # Debian keeps the configuration in /etc, so the copy has none: an empty postgresql.conf
        # (settings come from the command line), and who may connect.
        for name, text in {
            "postgresql.conf": "",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }.items():
            path = os.path.join(data, name)
            with open(path, "w") as handle:
                handle.write(text)
            if self.user:
                entry = pwd.getpwnam(self.user)
                os.chown(path, entry.pw_uid, entry.pw_gid)
        # A hot standby needs these at least as high as the primary's.
        with self.primary_cursor() as cursor:
            floors = {
                name: self._primary_setting(cursor, name)
                for name in ("max_connections", "max_worker_processes", "max_wal_senders",
                             "max_prepared_transactions", "max_locks_per_transaction")
            }  # fmt: skip
        options = [f"-p {self.port}", f"-k {self.folder}", "-c listen_addresses=127.0.0.1",
                   "-c shared_buffers=32MB", "-c fsync=off",
                   *(f"-c {name}={value}" for name, value in floors.items())]  # fmt: skip
        self._run("pg_ctl", "-D", data, "-l", os.path.join(self.folder, "log"), "-w",
                  "-t", "60", "-o", " ".join(options), "start")  # fmt: skip
        self.running = True

    def stop(self):
        if self.running:
            self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "fast", "-w",
                      "stop")  # fmt: skip
            self.running = False

    def remove(self):
        try:
            if self.running:
                self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "immediate",
                          "-w", "stop")  # fmt: skip
                self.running = False
        finally:
            if self.folder:
                shutil.rmtree(self.folder, ignore_errors=True)
            if self.slot:
                with self.primary_cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        " WHERE slot_name = %s",
                        [self.slot],
                    )
                self.slot = None

    def log(self) -> str:
        try:
            with open(os.path.join(self.folder, "log")) as handle:
                return handle.read()[-4000:]
        except OSError:
            return ""

    # --- Talking to both servers ----------------------------------------------------------

    def primary_cursor(self):
        return _Cursor(
            host=self.primary.get("HOST") or "127.0.0.1",
            port=self.primary.get("PORT") or 5432,
            user=self.primary.get("USER") or "postgres",
            dbname="postgres",
        )

    def cursor(self, dbname="postgres"):
        return _Cursor(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname)

    def settings_dict(self, base: dict) -> dict:
        """Django's settings for a connection to the replica: the primary's, another port."""
        found = {**base, "HOST": "127.0.0.1", "PORT": str(self.port)}
        found["OPTIONS"] = {**base.get("OPTIONS", {}), "application_name": "newsroom-replica-test"}
        found["TEST"] = {**base.get("TEST", {}), "MIRROR": "default"}
        return found

    def replay_lsn(self) -> str:
        with self.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
            return cursor.fetchone()[0]

    def pause(self):
        with self.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
            # Paused once it says so (a record being replayed is finished first).
            for _ in range(200):
                cursor.execute("SELECT pg_get_wal_replay_pause_state()")
                if cursor.fetchone()[0] == "paused":
                    return
                time.sleep(0.05)
        raise AssertionError("the replica did not pause")

    def resume(self):
        with self.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")

    def catch_up(self, timeout=30.0):
        """Wait until the replica has replayed everything the primary has written so far."""
        with self.primary_cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cursor.fetchone()[0]:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"the replica did not reach {target}:\n{self.log()}")
                time.sleep(0.05)


class _Cursor:
    """An autocommit psycopg2 cursor, closed with its connection."""

    def __init__(self, **params):
        self.params = params

    def __enter__(self):
        self.connection = psycopg2.connect(connect_timeout=5, **self.params)
        self.connection.autocommit = True
        return self.connection.cursor()

    def __exit__(self, *exc):
        self.connection.close()

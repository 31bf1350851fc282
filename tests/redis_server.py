"""The Redis the tests use: one of their own, never a database of the machine's shared Redis.

``tests/conftest.py`` starts a private ``redis-server`` for the test run (a free port on
loopback, nothing saved to disk, stopped when the run ends) and the pytest header names it.
Everything the Redis tests do (page-cache keys, client tracking, the one test that must
FLUSHDB) happens there.

``TEST_REDIS_URL`` points the tests at another Redis instead (a CI service, say). That one is
treated as shared: tests write only keys under ``RUN_PREFIX`` (unique to the run), delete only
those, and a test that needs a flush is skipped. Without ``redis-server`` or ``TEST_REDIS_URL``
the Redis tests are skipped.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

# Set by conftest when the Redis at TEST_REDIS_URL is the run's own (its port).
PRIVATE_ENV = "NEWSROOM_TEST_REDIS_PRIVATE"
# Every key a test writes to Redis starts with this (unique to this test process).
RUN_PREFIX = f"newsroom-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def url() -> str:
    """Where the Redis tests connect; "" when there is no Redis for them."""
    return os.environ.get("TEST_REDIS_URL", "")


def is_private() -> bool:
    """Whether the tests' Redis is this run's own server (so a flush there harms no one)."""
    port = os.environ.get(PRIVATE_ENV)
    return bool(port) and url().startswith(f"redis://127.0.0.1:{port}/")


def available() -> bool:
    if not url():
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url(), socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def forget_keys(prefix: str, location: str | None = None) -> int:
    """Delete the keys under ``prefix`` (the test's own), and nothing else."""
    if not prefix:
        raise ValueError("refusing to delete keys without a prefix")
    import redis

    client = redis.Redis.from_url(location or url())
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


class PrivateServer:
    """A redis-server for this test run only."""

    def __init__(self):
        self.process, self.folder, self.port = None, None, None

    def start(self) -> bool:
        binary = shutil.which("redis-server")
        if binary is None or url():
            return False
        self.folder = tempfile.mkdtemp(prefix="newsroom-test-redis-")
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.folder, "--databases", "16"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while not answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                return False
            time.sleep(0.05)
        os.environ["TEST_REDIS_URL"] = f"redis://127.0.0.1:{self.port}/0"
        os.environ[PRIVATE_ENV] = str(self.port)
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
        if os.environ.get(PRIVATE_ENV) == str(self.port):
            os.environ.pop(PRIVATE_ENV, None)
            os.environ.pop("TEST_REDIS_URL", None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def describe() -> str:
    if is_private():
        return f"redis: a private server for this run at {url()}"
    if url():
        return f"redis: {url()} (shared: keys under {RUN_PREFIX}* only, no flushes)"
    return "redis: none (Redis tests skipped; install redis-server or set TEST_REDIS_URL)"

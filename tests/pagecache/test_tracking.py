"""The mirror hears of a purge made by another process through Redis's client tracking, before
that process has Redis's acknowledgement of it (real Redis)."""

import subprocess
import sys
import unittest
from contextlib import contextmanager
from unittest import mock

from django.test import SimpleTestCase, override_settings

from pagecache.mirror import forget_mirrors
from pagecache.redis_store import RedisStore
from pagecache.store import STAMP, STAMP_PREFIX, pack
from tests import redis_server

REDIS_URL = redis_server.url()  # The tests' own Redis (tests/redis_server.py).
PAGE = "{pc3}:page:tracking-test"

# Another process purging, as the admin's or the publish_due worker's does: its own client,
# the purge script, and it exits once Redis has answered.
PURGE_ELSEWHERE = """
import sys, redis
script, url, *keys = sys.argv[1:]
redis.Redis.from_url(url).register_script(script)(keys=keys)
"""


def redis_available() -> bool:
    return redis_server.available()


@contextmanager
def commands_sent():
    from redis.connection import AbstractConnection

    sent = []
    send = AbstractConnection.send_packed_command

    def counting(connection, command, *args, **kwargs):
        packed = b"".join(command) if isinstance(command, list) else command
        sent.append(packed.split(b"\r\n")[2].decode())
        return send(connection, command, *args, **kwargs)

    with mock.patch.object(AbstractConnection, "send_packed_command", counting):
        yield sent


@unittest.skipUnless(redis_available(), "needs Redis")
@override_settings(NEWSROOM_PAGE_MIRROR_BYTES=1024 * 1024)
class TrackingAcrossProcessesTests(SimpleTestCase):
    def setUp(self):
        import redis

        self.redis = redis.Redis.from_url(REDIS_URL)
        self.prefix = f"{redis_server.RUN_PREFIX}-tracking:"
        self.store = RedisStore(self.redis, lambda name: self.prefix + name, REDIS_URL)
        forget_mirrors()
        self.addCleanup(forget_mirrors)
        self.addCleanup(self.forget_keys)

    def forget_keys(self):
        redis_server.forget_keys(self.prefix)

    def purge_elsewhere(self, *names):
        keys = [self.prefix + STAMP_PREFIX + name for name in names]
        subprocess.run([sys.executable, "-c", PURGE_ELSEWHERE, STAMP, REDIS_URL, *keys],
                       check=True, timeout=60)  # fmt: skip

    def store_page(self, body: bytes):
        found = self.store.lookup(PAGE)
        self.assertIsNone(found.entry)
        blob = pack(found.now, found.now + 60_000_000, ["story"], 200, {}, body)
        self.store.save(PAGE, ["story"], blob, 60)  # Not waited for; read before the next lookup.

    def test_a_purge_in_another_process_empties_this_ones_mirror_at_once(self):
        self.store.stamp(["story"])  # The key's clock started.
        self.store_page(b"old")
        self.assertEqual(self.store.lookup(PAGE).entry.content, b"old")  # From Redis: mirrored.
        with commands_sent() as sent:
            self.assertEqual(self.store.lookup(PAGE).entry.content, b"old")
        self.assertEqual(sent, [])  # From the mirror.
        mirror = self.store._mirror()
        pings = mirror.pings
        self.purge_elsewhere("story")
        # The other process had its answer, so the invalidation is already here.
        with commands_sent() as sent:
            self.assertIsNone(self.store.lookup(PAGE).entry)
        self.assertEqual(sent, ["PING", "EVALSHA"], sent)  # The drain synced, then asked Redis.
        self.assertEqual(mirror.pings, pings + 1)
        self.store_page(b"new")
        self.assertEqual(self.store.lookup(PAGE).entry.content, b"new")

    def test_the_tracking_connection_is_redis_pys_and_redirects_to_itself(self):
        self.store.lookup(PAGE)
        mirror = self.store._mirror()
        clients = {c["id"]: c for c in self.redis.client_list()}
        tracking = clients[str(mirror.client_id)]
        self.assertIn("t", tracking["flags"])  # Tracking on,
        self.assertEqual(tracking["redir"], str(mirror.client_id))  # to itself,
        self.assertEqual(tracking["sub"], "1")  # subscribed to __redis__:invalidate.

"""The page cache's scripts on Redis Cluster: every key they touch is named in KEYS and carries
one hash tag, so a real three-node cluster (started here, on free ports) runs them."""

import shutil
import socket
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from django.test import SimpleTestCase

from pagecache.redis_store import RedisStore
from pagecache.store import PAGE_PREFIX, STAMP_PREFIX, pack

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


def free_ports(count: int) -> list[int]:
    """Ports free on loopback, each with its cluster bus port (+10000) free too."""
    ports = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 > 65535 or port in ports:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # Not up yet.
            pass
        time.sleep(0.1)
    raise RuntimeError("the test cluster did not come up")


@unittest.skipUnless(REDIS_SERVER and REDIS_CLI, "needs redis-server and redis-cli")
class RedisClusterTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import redis
        from redis.cluster import RedisCluster

        cls.folder = Path(tempfile.mkdtemp(prefix="pagecache-cluster-"))
        cls.ports = free_ports(3)
        cls.servers = []
        try:
            for port in cls.ports:
                folder = cls.folder / str(port)
                folder.mkdir()
                cls.servers.append(subprocess.Popen(
                    [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                     "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                     "--dir", str(folder), "--save", "", "--appendonly", "no"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ))  # fmt: skip
            for port in cls.ports:
                wait_until(lambda port=port: redis.Redis(port=port).ping())
            subprocess.run(
                [REDIS_CLI, "--cluster", "create", *(f"127.0.0.1:{p}" for p in cls.ports),
                 "--cluster-replicas", "0", "--cluster-yes"],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            for port in cls.ports:
                wait_until(
                    lambda port=port: (
                        b"cluster_state:ok"
                        in redis.Redis(port=port).execute_command("CLUSTER", "INFO")
                    )
                )
            cls.cluster = RedisCluster(host="127.0.0.1", port=cls.ports[0])
        except BaseException:
            cls.stop_cluster()
            raise

    @classmethod
    def stop_cluster(cls):
        for server in cls.servers:
            server.terminate()
        for server in cls.servers:
            server.wait(timeout=20)
        shutil.rmtree(cls.folder, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()
        cls.stop_cluster()
        super().tearDownClass()

    def store(self):
        """A store as another process would have it: knowing no page's keys yet."""
        return RedisStore(self.cluster, lambda name: "site:1:" + name)

    def test_hit_miss_and_purge_then_stale_on_a_cluster(self):
        store = self.store()
        page = PAGE_PREFIX + "front"
        keys = ["article:1", "front", "listings"]
        store.stamp(keys)
        found = store.lookup(page)
        self.assertIsNone(found.entry)  # A miss.
        blob = pack(found.now, found.now + 60_000_000, keys, 200, {}, b"<p>front</p>")
        self.assertTrue(store.save(page, keys, blob, 60))
        self.assertEqual(store.lookup(page).entry.content, b"<p>front</p>")  # A hit.
        elsewhere = self.store()  # Asks with no keys, is told them, asks again.
        self.assertEqual(elsewhere.lookup(page).entry.content, b"<p>front</p>")
        elsewhere.stamp(["article:1"])  # A purge...
        self.assertIsNone(store.lookup(page).entry)  # ...and the page is stale.
        self.assertIsNone(self.store().lookup(PAGE_PREFIX + "never-stored").entry)

    def test_every_key_is_in_one_slot(self):
        slots = {
            self.cluster.keyslot(name)
            for name in ["site:1:" + PAGE_PREFIX + "x", "site:1:" + STAMP_PREFIX + "front"]
        }
        self.assertEqual(len(slots), 1)

    def test_keys_never_purged_start_their_clocks_on_a_cluster(self):
        # The scripts' SET NX paths: a stamp missing (never purged, or evicted) is created, and
        # the page is not stored (SAVE) or not served (LOOKUP) against it.
        store = self.store()
        page = PAGE_PREFIX + "fresh-keys"
        found = store.lookup(page)
        blob = pack(found.now, found.now + 60_000_000, ["tag:new"], 200, {}, b"<p>tag</p>")
        self.assertFalse(store.save(page, ["tag:new"], blob, 60))
        self.assertIsNotNone(self.cluster.get("site:1:" + STAMP_PREFIX + "tag:new"))
        later = store.lookup(page)
        blob = pack(later.now, later.now + 60_000_000, ["tag:new"], 200, {}, b"<p>tag</p>")
        self.assertTrue(store.save(page, ["tag:new"], blob, 60))
        self.cluster.delete("site:1:" + STAMP_PREFIX + "tag:new")  # Evicted.
        self.assertIsNone(self.store().lookup(page).entry)
        self.assertIsNone(self.store().lookup(page).entry)  # ...and stays a miss: started now.

import shutil
import tempfile

import pytest
from django.test import override_settings

from tests import redis_server, varnish

_private_redis = redis_server.PrivateServer()


def pytest_configure(config):
    """The Redis tests get a redis-server of their own (tests/redis_server.py), started before
    the test modules are imported (they read its address), unless TEST_REDIS_URL names one."""
    _private_redis.start()


def pytest_unconfigure(config):
    _private_redis.stop()


def pytest_report_header(config):
    return [redis_server.describe(), varnish.describe()]


@pytest.fixture(autouse=True, scope="session")
def _isolated_media_and_cache():
    """Uploads go to a throwaway folder; the cache is per-process memory, emptied per test."""
    media = tempfile.mkdtemp(prefix="newsroom-test-media-")
    with override_settings(
        MEDIA_ROOT=media,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        # Off for the suite (tests change rows directly); tests/test_page_cache.py turns it on.
        NEWSROOM_PAGE_CACHE=False,
        # One database for the suite even with DATABASE_REPLICA_URLS set (each replica mirrors
        # "default" in tests); tests/test_replica.py starts a real replica of its own.
        NEWSROOM_DB_REPLICAS=[],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # clear() is FLUSHDB: on Redis only the keys under the test's own prefix go.
        redis_server.forget_keys(f"{cache.key_prefix}:", cache._servers[0])
    else:
        cache.clear()
    yield

import shutil
import tempfile

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True, scope="session")
def _isolated_media_and_cache():
    """Uploads go to a throwaway folder; the cache is per-process memory, emptied per test."""
    media = tempfile.mkdtemp(prefix="newsroom-test-media-")
    with override_settings(
        MEDIA_ROOT=media,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        # Off for the suite (tests change rows directly); tests/test_page_cache.py turns it on.
        NEWSROOM_PAGE_CACHE=False,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield

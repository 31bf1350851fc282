"""Addresses built once per process.

A listing page names a few hundred addresses (every card links its story and section), and
Django's ``reverse()`` costs tens of microseconds each: on the front page that was more time
than all its SQL. An address depends only on the URL patterns, the script prefix and the
arguments, so it is remembered under exactly those (and forgotten when tests swap URL
patterns).
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=16384)
def reverse_in(prefix, urlconf, name, kwargs: tuple) -> str:
    """``reverse(name, kwargs=dict(kwargs))`` under a script prefix and URLconf, remembered."""
    return reverse(name, urlconf=urlconf, kwargs=dict(kwargs))


def cached_reverse(name: str, **kwargs) -> str:
    return reverse_in(get_script_prefix(), get_urlconf(), name, tuple(sorted(kwargs.items())))


def url_context() -> tuple:
    """What an address depends on besides its arguments (the script prefix and URLconf of
    this request). Reading them costs a few µs each (they are context-local): a page that
    names many addresses reads them once and passes them on."""
    return get_script_prefix(), get_urlconf()


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        reverse_in.cache_clear()

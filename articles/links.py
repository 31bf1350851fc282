"""Addresses of stories and sections, remembered per process (common/urls.py says why)."""

from common.urls import cached_reverse, reverse_in, url_context

__all__ = ["cached_reverse", "section_url", "story_url", "url_context"]


def story_url(slug: str, local_date, context: tuple | None = None) -> str:
    """A story's address, from its publication date in the newsroom's time zone."""
    return reverse_in(
        *(context or url_context()),
        "articles:detail",
        (
            ("day", f"{local_date.day:02d}"),
            ("month", f"{local_date.month:02d}"),
            ("slug", slug),
            ("year", f"{local_date.year:04d}"),
        ),
    )


def section_url(slug: str, context: tuple | None = None) -> str:
    return reverse_in(*(context or url_context()), "articles:section", (("slug", slug),))

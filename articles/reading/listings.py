"""Story archives: numbered pages (search, corrections) and keyset pages (sections, tags,
authors), with bad page parameters answered 404."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Q
from django.http import Http404


def paginate(request, queryset, per_page=None):
    """The requested page of ``queryset``; a bad or out-of-range ``?page=`` is a 404, not a 500."""
    paginator = Paginator(
        queryset, per_page or settings.NEWSROOM_PAGE_SIZE, allow_empty_first_page=True
    )
    raw = request.GET.get("page", "1")
    try:
        number = int(raw) if len(raw) <= 6 else -1
    except ValueError:
        number = -1
    try:
        page = paginator.page(number)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc
    if page.number != 1:
        request.canonical_page = f"page={page.number}"
    return page


@dataclass
class ArchivePage:
    """One page of a story archive, found by where the previous page ended (keyset paging).

    Page 500 of a section costs the same as page 1: an index range scan from a cursor, never
    an OFFSET over everything newer, and no COUNT of the whole archive.
    """

    object_list: list
    older: str | None
    is_first: bool

    def __iter__(self):
        return iter(self.object_list)


CURSOR = re.compile(r"^(\d{1,17})-(\d{1,19})$")


def archive_page(request, queryset, per_page=None) -> ArchivePage:
    """Newest first; ``?before=<cursor>`` continues after a story. A bad cursor is a 404."""
    per_page = per_page or settings.NEWSROOM_PAGE_SIZE
    stories = queryset.order_by("-published_at", "-pk")
    raw = request.GET.get("before")
    if raw is not None:
        match = CURSOR.match(raw)
        if not match:
            raise Http404("No such page.")
        try:
            when = datetime.fromtimestamp(int(match[1]) / 1_000_000, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Http404("No such page.") from exc
        pk = int(match[2])
        stories = stories.filter(Q(published_at__lt=when) | Q(published_at=when, pk__lt=pk))
        request.canonical_page = f"before={raw}"
    rows = list(stories[: per_page + 1])
    if raw is not None and not rows:
        raise Http404("No such page.")
    older = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        older = f"{round(last.published_at.timestamp() * 1_000_000)}-{last.pk}"
    return ArchivePage(rows, older, raw is None)

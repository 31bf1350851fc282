"""The admin story list's date hierarchy (the years, months or days above the list), found by
index probes instead of a ``SELECT DISTINCT DATE_TRUNC(...)`` over every listed story.

Django's own tag reads the whole list to find which years hold a story: a 40 ms sequential
scan at 100,000 stories on every view of the list, whatever the filter or sort (370 ms under a
search for a common word), and before it a MIN/MAX over the filtered list (670 ms for a rare
search word, walking the date index). Here the date range comes from the published-date index
of the unfiltered list (two index probes), and one query asks, for each year (or month, or day)
of that range, the first date the filtered list has in it: ``SELECT (SELECT published_at ...
ORDER BY published_at LIMIT 1), (...), ...``, each an index range probe (an EXISTS would let
PostgreSQL drop the ORDER BY and LIMIT and read a whole year). What editors see is Django's: the same levels,
links and titles, built by Django's own tag from the probed dates.
"""

import calendar
from datetime import datetime

from django.conf import settings
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import get_fields_from_path
from django.db import connections, models
from django.utils import timezone

# A date range that needs more probes than this (a stray date far in the past or future) is
# listed by Django's own DISTINCT query.
MAX_PROBES = 200
# A list of at most this many stories is bucketed from its own dates (one query, which the
# filter's own index answers, e.g. a search's full-text index) instead of probed by date.
FEW = 1000


def _start(year, month=1, day=1):
    moment = datetime(year, month, day)
    return timezone.make_aware(moment) if settings.USE_TZ else moment


def _months(year):
    return [(_start(year, m), _start(year + (m == 12), m % 12 + 1)) for m in range(1, 13)]


def _days(year, month):
    last = calendar.monthrange(year, month)[1]
    ends = [_start(year, month, d + 1) for d in range(1, last)] + [
        _start(year + (month == 12), month % 12 + 1)
    ]
    return [(_start(year, month, d), end) for d, end in zip(range(1, last + 1), ends, strict=True)]


def present(queryset, field_name, ranges):
    """The starts of the ``[start, end)`` ranges in which ``queryset`` has a row, in one query:
    for each range, its first date (``ORDER BY date LIMIT 1``), or none."""
    if not ranges:
        return []
    parts, params = [], []
    for start, end in ranges:
        probe = (
            queryset.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
            .order_by(field_name)
            .values(field_name)[:1]
        )
        sql, probe_params = probe.query.get_compiler(queryset.db).as_sql()
        # A first date, not EXISTS: PostgreSQL drops an EXISTS's ORDER BY and LIMIT, and then
        # reads a year's 33,000 stories in table order (a sequential scan) where the ordered
        # LIMIT 1 is one step down the date index.
        parts.append(f"({sql})")
        params.extend(probe_params)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        found = cursor.fetchone()
    return [start for (start, _), first in zip(ranges, found, strict=True) if first is not None]


class _Probed:
    """Stands for the list's queryset in Django's tag: its dates are the probed ones."""

    def __init__(self, found):
        self.found = found

    def datetimes(self, *args, **kwargs):
        return self.found

    dates = datetimes

    def aggregate(self, **kwargs):
        # Django's tag picks its starting level from the list's date range; the level is
        # already picked (it is in the params): no range.
        return dict.fromkeys(kwargs)


class _ChangeListView:
    """The change list as Django's tag sees it: the level found here (as if its year and month
    were in the address) and the probed dates. Links are the real list's."""

    def __init__(self, cl, params, found):
        self.date_hierarchy = cl.date_hierarchy
        self.model = cl.model
        self.params = params
        self.get_query_string = cl.get_query_string
        self.queryset = _Probed(found)


def date_hierarchy(cl):
    field_name = cl.date_hierarchy
    field = get_fields_from_path(cl.model, field_name)[-1]
    if not isinstance(field, models.DateTimeField):
        return admin_list.date_hierarchy(cl)
    keys = [f"{field_name}__{part}" for part in ("year", "month", "day")]
    year, month, day = (cl.params.get(key) for key in keys)
    if (year and month and day) or (not year and (month or day)):
        # One day (no query), or an address the admin does not make.
        return admin_list.date_hierarchy(cl)
    count = getattr(cl, "result_count", None)
    if count is not None and count <= FEW and not getattr(cl.paginator, "capped", False):
        # A short list (a search, a narrow filter): its own dates, one query that the
        # filter's index answers (none for an empty list).
        dates = [] if count == 0 else cl.queryset.order_by().values_list(field_name, flat=True)
        dates = sorted(timezone.localtime(d) if timezone.is_aware(d) else d for d in dates if d)

        def find(ranges):
            return [start for start, end in ranges if any(start <= d < end for d in dates)]

        bounds = (dates[0], dates[-1]) if dates else (None, None)
    else:

        def find(ranges):
            return present(cl.queryset, field_name, ranges)

        bounds = None
    params = dict(cl.params)
    try:
        if year and month:
            found = find(_days(int(year), int(month)))
        elif year:
            found = find(_months(int(year)))
        else:
            params, found = _top_level(cl, field_name, params, keys, find, bounds)
    except (ValueError, OverflowError):
        return admin_list.date_hierarchy(cl)
    if found is None:
        return admin_list.date_hierarchy(cl)
    return admin_list.date_hierarchy(_ChangeListView(cl, params, found))


def _top_level(cl, field_name, params, keys, find, bounds):
    """Django's starting level: the years; or, if the list's stories are all of one year,
    its months; or, all of one month, its days."""
    if bounds is None:
        # The range of the whole table (two probes of the date index): the list is in it.
        bounds = (
            cl.root_queryset.order_by()
            .aggregate(first=models.Min(field_name), last=models.Max(field_name))
            .values()
        )
    first, last = (timezone.localtime(v) if v and timezone.is_aware(v) else v for v in bounds)
    if first is None or last is None:
        return params, []
    if last.year - first.year >= MAX_PROBES:
        return params, None
    if first.year != last.year:
        years = find([(_start(y), _start(y + 1)) for y in range(first.year, last.year + 1)])
        if len(years) != 1:
            return params, years
        year = years[0].year
    else:
        year = first.year
    months = find(_months(year))
    if not months:
        return params, []  # Nothing listed: no years.
    params[keys[0]] = str(year)
    if len(months) > 1:
        return params, months
    params[keys[1]] = str(months[0].month)
    return params, find(_days(year, months[0].month))

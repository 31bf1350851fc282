"""Querysets compiled once per process and, on PostgreSQL, run as prepared statements.

A reader page's one big query (the story page's) cost more to build than to run: the ORM
compiled it anew on every request (about a millisecond for a query with a few subqueries),
and PostgreSQL parsed and planned it anew too (psycopg2 sends plain text). ``CompiledQuery``
builds the queryset once, with marker values where the request's values go, keeps its SQL, and
then only swaps the values in. The queryset stays the one source of the query: the visibility
rule, the joins and the columns are still written with the ORM (``Article.objects.published()``
and so on), never copied into hand-written SQL.

On PostgreSQL the SQL is also PREPAREd once per database connection and run with EXECUTE, so
the server plans it once too. ``DB_PREPARED_STATEMENTS=0`` turns that off (needed behind a
pooler in transaction mode, such as PgBouncer before 1.21, which moves sessions between
clients). The PREPARE itself is sent on the raw connection: like Django's own connection
set-up (time zone, encoding), it is not one of the page's queries.
"""

import itertools
import re
from datetime import datetime

from django.conf import settings
from django.db import connections

_names = itertools.count(1)
_PLACEHOLDER = re.compile(r"%([s%])")


class Marker:
    """Where a call's value goes in the compiled query: a value no real query would use."""

    def __init__(self, name: str, example):
        self.name = name
        self.example = example


def text_marker(name: str) -> Marker:
    return Marker(name, f"\x1fmarker:{name}\x1f")


def time_marker(name: str) -> Marker:
    # A moment no story has: 1 January 1901, 00:00:00.123457 UTC (with a made-up microsecond).
    from datetime import UTC

    return Marker(name, datetime(1901, 1, 1, 0, 0, 0, 123457, tzinfo=UTC))


class CompiledQuery:
    """``build(**examples)`` returns the queryset (a ``values_list()`` one: rows come back as
    tuples, in its columns' order); ``rows(**values)`` runs it with this call's values."""

    def __init__(self, build, *markers: Marker):
        self.build = build
        self.markers = {marker.name: marker for marker in markers}
        self.statement = f"newsroom_q{next(_names)}"
        self._compiled = {}

    def _compile(self, alias):
        connection = connections[alias]
        queryset = self.build(**{m.name: m.example for m in self.markers.values()})
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        adapt = _adapter(connection)
        examples = {adapt(m.example): m for m in self.markers.values()}
        slots = []
        for value in params:
            marker = examples.get(value) if isinstance(value, (str, datetime)) else None
            slots.append(marker.name if marker else None)
        missing = set(self.markers) - set(slots)
        if missing:
            raise ValueError(f"{self.statement}: markers not found in the SQL: {sorted(missing)}")
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        compiled = (sql, list(params), slots, compiler, converters)
        self._compiled[alias] = compiled
        return compiled

    def rows(self, using: str = "default", **values) -> list[tuple]:
        compiled = self._compiled.get(using) or self._compile(using)
        sql, params, slots, compiler, converters = compiled
        connection = connections[using]
        adapt = _adapter(connection)
        params = [
            param if slot is None else adapt(values[slot])
            for param, slot in zip(params, slots, strict=True)
        ]
        with connection.cursor() as cursor:
            if _prepares(connection):
                self._prepare(connection, sql)
                cursor.execute(
                    f"EXECUTE {self.statement}({', '.join(['%s'] * len(params))})"
                    if params
                    else f"EXECUTE {self.statement}",
                    params or None,
                )
            else:
                cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        return rows

    def _prepare(self, connection, sql):
        raw = connection.connection
        prepared = getattr(connection, "_newsroom_prepared", None)
        if prepared is None or prepared[0] is not raw:
            # A new connection (or the first): nothing is prepared on it yet.
            prepared = connection._newsroom_prepared = (raw, set())
        if self.statement in prepared[1]:
            return
        numbers = itertools.count(1)
        server_sql = _PLACEHOLDER.sub(lambda m: "%" if m[1] == "%" else f"${next(numbers)}", sql)
        with raw.cursor() as cursor:
            cursor.execute(f"PREPARE {self.statement} AS {server_sql}")
        prepared[1].add(self.statement)


def _adapter(connection):
    ops = connection.ops

    def adapt(value):
        return ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value

    return adapt


def _prepares(connection) -> bool:
    return connection.vendor == "postgresql" and getattr(
        settings, "DATABASE_PREPARED_STATEMENTS", True
    )

"""Querysets compiled once per process and, on PostgreSQL, run as prepared statements.

A reader page's one big query (the story page's) cost more to build than to run: the ORM
compiled it anew on every request (about a millisecond for a query with a few subqueries),
and PostgreSQL parsed and planned it anew too (psycopg2 sends plain text). ``CompiledQuery``
builds the queryset once, with marker values where the request's values go, keeps its SQL, and
then only swaps the values in (on PostgreSQL; elsewhere, SQLite in development, the queryset is
built and run on each call). The queryset stays the one source of the query: the visibility
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
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError, connections, router

_names = itertools.count(1)
INVALID_STATEMENT_NAME = "26000"  # "prepared statement ... does not exist"
_PLACEHOLDER = re.compile(r"%([s%])")


class Marker:
    """Where a call's value goes in the compiled query: a value no real query would use.
    Recognised in the SQL's parameters by value."""

    def __init__(self, name: str, example):
        self.name = name
        self.example = example

    def matches(self, param, adapt) -> bool:
        if isinstance(self.example, list):
            return isinstance(param, list) and param == self.example
        return isinstance(param, (str, datetime)) and param == adapt(self.example)


def text_marker(name: str) -> Marker:
    return Marker(name, f"\x1fmarker:{name}\x1f")


def time_marker(name: str) -> Marker:
    # A moment no story has: 1 January 1901, 00:00:00.123457 UTC (with a made-up microsecond).
    return Marker(name, datetime(1901, 1, 1, 0, 0, 0, 123457, tzinfo=UTC))


def list_marker(name: str) -> Marker:
    return Marker(name, [-987654321])


class CompiledQuery:
    """``build(**examples)`` returns the queryset (a ``values_list()`` one: rows come back as
    tuples, in its columns' order); ``rows(**values)`` runs it with this call's values."""

    def __init__(self, build, *markers: Marker):
        self.build = build
        self.markers = {marker.name: marker for marker in markers}
        self.statement = f"newsroom_q{next(_names)}"
        self._compiled = {}
        self.model = None

    def _model(self):
        if self.model is None:
            self.model = self.build(**{m.name: m.example for m in self.markers.values()}).model
        return self.model

    def _compile(self, alias):
        connection = connections[alias]
        queryset = self.build(**{m.name: m.example for m in self.markers.values()})
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        adapt = _adapter(connection)
        slots = []
        for value in params:
            marker = next((m for m in self.markers.values() if m.matches(value, adapt)), None)
            slots.append(marker.name if marker else None)
        missing = set(self.markers) - set(slots)
        if missing:
            raise ValueError(f"{self.statement}: markers not found in the SQL: {sorted(missing)}")
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        compiled = (sql, list(params), slots, compiler, converters)
        self._compiled[alias] = compiled
        return compiled

    def rows(self, using: str | None = None, **values) -> list[tuple]:
        """Run on ``using``, or where the database router sends the queryset's reads (a replica
        for a reader page when there is one): compiled once per database, prepared once per
        connection to it."""
        if using is None:
            using = router.db_for_read(self._model())
        connection = connections[using]
        if connection.vendor != "postgresql":
            # Elsewhere (SQLite in development) the queryset is simply built and run each time.
            return list(self.build(**values).using(using))
        compiled = self._compiled.get(using) or self._compile(using)
        sql, params, slots, compiler, converters = compiled
        adapt = _adapter(connection)
        params = [
            param if slot is None else adapt(values[slot])
            for param, slot in zip(params, slots, strict=True)
        ]
        with connection.cursor() as cursor:
            if getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
                self._execute_prepared(connection, cursor, sql, params)
            else:
                cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        return rows

    def _execute_prepared(self, connection, cursor, sql, params):
        execute = (
            f"EXECUTE {self.statement}({', '.join(['%s'] * len(params))})"
            if params
            else f"EXECUTE {self.statement}"
        )
        self._prepare(connection, sql)
        try:
            cursor.execute(execute, params or None)
        except DatabaseError as exc:
            # The server no longer has it (a pooler reset the session: DISCARD ALL): outside a
            # transaction, prepare again and retry once; inside one, the transaction is lost.
            if getattr(exc.__cause__, "pgcode", None) != INVALID_STATEMENT_NAME or (
                connection.in_atomic_block
            ):
                raise
            connection._newsroom_prepared = None
            self._prepare(connection, sql)
            cursor.execute(execute, params or None)

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
        # Django's error translation (and its note that the connection had an error, so a
        # broken one is replaced at the end of the request), as for any query.
        with connection.wrap_database_errors, raw.cursor() as cursor:
            cursor.execute(f"PREPARE {self.statement} AS {server_sql}")
        prepared[1].add(self.statement)


def _adapter(connection):
    ops = connection.ops

    def adapt(value):
        return ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value

    return adapt

"""Rows built by the database as JSON, and model instances made back from them.

A reader page can load what it shows in one or two queries when the lists under a row
(bylines, tags, linked stories) come back as JSON built by the database (an array of JSON
objects on PostgreSQL, one JSON array on SQLite), instead of one query per list and Django's
prefetch machinery. The instances made here are the ORM's own (as ``Model.from_db`` makes
them), so templates use them as usual; columns not loaded are deferred.
"""

import json
from datetime import UTC, datetime
from functools import cache

from django.db import models
from django.db.models import Lookup, Subquery
from django.db.models.base import ModelState
from django.db.models.functions import JSONObject


class JSONRows(Subquery):
    """The rows of a one-column ``values(row=JSONObject(...))`` queryset, as one value."""

    output_field = models.Field()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Not flattened by SQLite (an aggregate over an ordered subquery): rows keep their order.
        template = "(SELECT json_group_array(json(_rows.row)) FROM (%(subquery)s) _rows)"
        return self.as_sql(compiler, connection, template=template, **extra)


@models.BigAutoField.register_lookup
class InArray(Lookup):
    """``pk__in_array=[...]``: the list is one parameter on PostgreSQL (``= ANY(%s)``), so the
    SQL is the same whatever its length (a compiled query, common.prepared, can be reused);
    a plain ``IN (...)`` elsewhere."""

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]
        if not self.rhs:
            return "1 = 0", params
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]


def decode(value) -> list[dict]:
    if not value:
        return []
    if isinstance(value, str):  # SQLite: one JSON array.
        return json.loads(value)
    return [json.loads(item) if isinstance(item, str) else item for item in value]


# --- Columns ------------------------------------------------------------------------------------


def attnames(model, skip=()) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip]


def json_of(model, prefix="", skip=()) -> JSONObject:
    return JSONObject(**{name: f"{prefix}{name}" for name in attnames(model, skip)})


@cache
def _kinds(model) -> dict[str, str]:
    return {f.attname: f.get_internal_type() for f in model._meta.concrete_fields}


def _value(kind, value):
    if value is None:
        return None
    if kind == "DateTimeField":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind == "BooleanField":
        return bool(value)
    return value


def _loaded(model, values: dict):
    """An instance as ``Model.from_db`` makes one (loaded from "default", fields not given
    deferred), without running ``Model.__init__``: a reader page makes a few hundred of these
    to show and never saves them, and ``__init__`` (every field set one by one, and the
    pre_init/post_init signals) cost about 10 µs each, a millisecond and more on the front page.
    """
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = "default"
    return instance


def from_json(model, data: dict):
    """An instance from a JSON object of its column values."""
    kinds = _kinds(model)
    return _loaded(model, {name: _value(kinds[name], data[name]) for name in kinds if name in data})


def from_row(model, names, values):
    """An instance from ``values`` of the columns ``names``."""
    return _loaded(model, dict(zip(names, values, strict=True)))

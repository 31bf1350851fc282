"""A ``Q`` evaluated in Python against one object, so a rule written once as a query filter
can also answer for a row already in memory (without a query).

Only what plain column rules need: AND and OR of lookups ``exact``, ``in``, ``lt``, ``lte``,
``gt``, ``gte`` and ``isnull`` on the object's own attributes. A comparison with ``None``
is false, as SQL treats NULL in a WHERE clause. A saved row's primary key ``in`` a one-column
subquery (a ``values("column")`` queryset, or a union of them) is asked of the database for
this row, with one query, and only when the rest of the rule has not already decided (AND and
OR stop at the first part that settles them). Anything else (a negated ``Q``, a join, an expression)
raises ``ValueError``: better than answering differently from the database.
"""

import operator

from django.db.models import Q, QuerySet

_COMPARE = {
    "exact": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _lookup(obj, path: str, wanted) -> bool:
    name, _, lookup = path.partition("__")
    if "__" in lookup:
        raise ValueError(f"Cannot evaluate {path!r} in Python (a join or a transform).")
    value = getattr(obj, name)
    if lookup == "isnull":
        return (value is None) == bool(wanted)
    if value is None or wanted is None:
        return False
    if lookup == "in":
        if isinstance(wanted, QuerySet):
            return _in_subquery(obj, name, wanted)
        return value in wanted
    compare = _COMPARE.get(lookup or "exact")
    if compare is None:
        raise ValueError(f"Cannot evaluate the lookup {lookup!r} in Python.")
    return compare(value, wanted)


def _in_subquery(obj, name: str, subquery: QuerySet) -> bool:
    """Is the saved row ``obj`` among the ids ``subquery`` gives? One query, to the database
    that decides it for a list: ``SELECT 1 ... WHERE id = <obj> AND id IN (<subquery>)``."""
    if name not in {"pk", obj._meta.pk.attname} or obj.pk is None:
        raise ValueError("Only a saved row's primary key can be looked up in a subquery.")
    parts = subquery.query.combined_queries or (subquery.query,)
    if subquery.query.combinator not in {None, "union"} or any(
        len(part.values_select) != 1 for part in parts
    ):
        raise ValueError('Only a one-column subquery, values("column"), or a union of them.')
    return type(obj)._base_manager.filter(pk=obj.pk, pk__in=subquery).exists()


def holds(q: Q, obj) -> bool:
    """Does ``obj`` meet ``q``, as the database would decide for its row?"""
    if q.negated:
        raise ValueError("A negated Q has SQL's three-valued logic: not evaluated in Python.")
    results = (
        holds(child, obj) if isinstance(child, Q) else _lookup(obj, *child) for child in q.children
    )
    return all(results) if q.connector == Q.AND else any(results)

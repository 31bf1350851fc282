"""A ``Q`` evaluated in Python against one object, so a rule written once as a query filter
can also answer for a row already in memory (without a query).

Only what plain column rules need: AND and OR of lookups ``exact``, ``in``, ``lt``, ``lte``,
``gt``, ``gte`` and ``isnull`` on the object's own attributes. A comparison with ``None``
is false, as SQL treats NULL in a WHERE clause. ``in`` a one-column subquery (a
``values("column")`` queryset) is asked of the database for this one value, with one
``EXISTS`` query, and only when the rest of the rule has not already decided (AND and OR stop
at the first part that settles them). Anything else (a negated ``Q``, a join, an expression)
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
            return _in_subquery(value, wanted)
        return value in wanted
    compare = _COMPARE.get(lookup or "exact")
    if compare is None:
        raise ValueError(f"Cannot evaluate the lookup {lookup!r} in Python.")
    return compare(value, wanted)


def _in_subquery(value, subquery: QuerySet) -> bool:
    columns = subquery.query.values_select
    if len(columns) != 1:
        raise ValueError('Only a one-column subquery, values("column"), can be evaluated.')
    return subquery.filter(**{columns[0]: value}).exists()


def holds(q: Q, obj) -> bool:
    """Does ``obj`` meet ``q``, as the database would decide for its row?"""
    if q.negated:
        raise ValueError("A negated Q has SQL's three-valued logic: not evaluated in Python.")
    results = (
        holds(child, obj) if isinstance(child, Q) else _lookup(obj, *child) for child in q.children
    )
    return all(results) if q.connector == Q.AND else any(results)

"""A ``Q`` evaluated in Python against one object, so a rule written once as a query filter
can also answer for a row already in memory (without a query).

Only what plain column rules need: AND and OR of lookups ``exact``, ``in``, ``lt``, ``lte``,
``gt``, ``gte`` and ``isnull`` on the object's own attributes. A comparison with ``None``
is false, as SQL treats NULL in a WHERE clause. Anything else (a negated ``Q``, a join, an
expression) raises ``ValueError``: better than answering differently from the database.
"""

import operator

from django.db.models import Q

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
        return value in wanted
    compare = _COMPARE.get(lookup or "exact")
    if compare is None:
        raise ValueError(f"Cannot evaluate the lookup {lookup!r} in Python.")
    return compare(value, wanted)


def holds(q: Q, obj) -> bool:
    """Does ``obj`` meet ``q``, as the database would decide for its row?"""
    if q.negated:
        raise ValueError("A negated Q has SQL's three-valued logic: not evaluated in Python.")
    results = (
        holds(child, obj) if isinstance(child, Q) else _lookup(obj, *child) for child in q.children
    )
    return all(results) if q.connector == Q.AND else any(results)

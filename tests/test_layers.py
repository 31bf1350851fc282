"""The code's layers import one way: no import loops between modules or between packages.

import-linter's contracts (pyproject.toml, run by ``make test``) say which layer may import
which; this test adds what a layers contract does not: no two modules import each other,
directly or round a longer loop, counting every import (one inside a function too).
"""

from django.test import SimpleTestCase
from grimp import build_graph

PACKAGES = ["accounts", "articles", "authors", "common", "demo", "newsroom", "pagecache"]


def import_loops(imports: dict[str, set[str]]) -> list[list[str]]:
    """Groups of more than one name that reach each other (Tarjan's strongly connected
    components) in ``imports``: name -> the names it imports."""
    index, low, on_stack, stack, loops = {}, {}, set(), [], []

    def visit(name):
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for imported in sorted(imports.get(name, ())):
            if imported not in index:
                visit(imported)
                low[name] = min(low[name], low[imported])
            elif imported in on_stack:
                low[name] = min(low[name], index[imported])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == name:
                    break
            if len(group) > 1:
                loops.append(sorted(group))

    for name in sorted(imports):
        if name not in index:
            visit(name)
    return loops


def imports_between(depth: int | None) -> dict[str, set[str]]:
    """Who imports whom, by module (``depth`` None) or by the package ``depth`` names deep
    (1: ``articles``; 2: ``articles.reading``), a package's own imports left out."""
    graph = build_graph(*PACKAGES, exclude_type_checking_imports=True)

    def at(module: str) -> str:
        if depth is None:
            return module
        # A module directly in a package counts as that package's own (articles.views is
        # "articles" at depth 2), so a subpackage importing it is a subpackage importing its
        # parent, which a loop back would show.
        parts = module.split(".")
        return ".".join(parts[:depth]) if len(parts) > depth else module

    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = at(module), at(imported)
            if a != b:
                edges.setdefault(a, set()).add(b)
    return edges


class ImportLoopTests(SimpleTestCase):
    def test_no_module_imports_itself_round_a_loop(self):
        self.assertEqual(import_loops(imports_between(None)), [])

    def test_no_app_imports_itself_round_a_loop(self):
        self.assertEqual(import_loops(imports_between(1)), [])

    def test_no_package_inside_an_app_imports_itself_round_a_loop(self):
        self.assertEqual(import_loops(imports_between(2)), [])

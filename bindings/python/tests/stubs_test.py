"""Checks that the hand-written _core.pyi matches the extension module: every
public name the module defines is stubbed, and nothing stubbed is stale."""

import ast
import os
import unittest

import upgrade_core
from upgrade_core import _core


def _stub_tree():
    path = os.path.join(os.path.dirname(upgrade_core.__file__), "_core.pyi")
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read())


def _public(names):
    return {n for n in names if not n.startswith("_")}


def _dunders(obj):
    return {n for n in dir(obj) if n.startswith("__") and n.endswith("__")}


def _stub_members(tree):
    """{top-level name: set of public member names (classes only)}."""
    members = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            inner = set()
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        inner.add(item.name)
                    elif isinstance(item, ast.AnnAssign):
                        inner.add(item.target.id)
                    elif isinstance(item, ast.Assign):
                        inner.update(t.id for t in item.targets)
            members[node.name] = _public(inner)
        elif isinstance(node, ast.AnnAssign):
            members[node.target.id] = set()
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                # `Finding = Diagnostic`: an alias has its target's members.
                alias = node.value.id if isinstance(node.value, ast.Name) else None
                members[t.id] = set(members.get(alias, set()))
    return members


class StubsTest(unittest.TestCase):
    def test_module_names_match_stub(self):
        stub = _stub_members(_stub_tree())
        module = _public(dir(_core))
        self.assertEqual(set(), module - set(stub), "missing from _core.pyi")
        # Dunders the stub declares (__version__) must exist too.
        self.assertEqual(set(), set(stub) - module - _dunders(_core),
                         "stale in _core.pyi")
        self.assertIn("__version__", stub)

    def test_class_members_match_stub(self):
        for name, members in _stub_members(_stub_tree()).items():
            obj = getattr(_core, name)
            if not isinstance(obj, type):
                continue
            with self.subTest(cls=name):
                actual = _public(
                    n for n in dir(obj) if n not in dir(object) and n != "__init__"
                )
                # pybind11 adds these to every enum/class; they need no stub.
                actual -= {"name", "value"} if hasattr(obj, "__members__") else set()
                self.assertEqual(set(), actual - members, "members missing from stub")
                self.assertEqual(set(), members - actual, "stale members in stub")

    def test_package_exports_exist(self):
        for name in upgrade_core.__all__:
            with self.subTest(name=name):
                self.assertTrue(hasattr(upgrade_core, name))

    def test_typed_marker_ships(self):
        marker = os.path.join(os.path.dirname(upgrade_core.__file__), "py.typed")
        self.assertTrue(os.path.exists(marker))


if __name__ == "__main__":
    unittest.main()

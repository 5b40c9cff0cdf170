"""Checks that the hand-written _core.pyi matches the extension module: every
public name the module defines is stubbed, nothing stubbed is stale, and every
stubbed function or method has the runtime's parameter names, kinds and
defaults (read from the signature pybind11 writes as the first docstring line,
`name(self: T, arg: type = default) -> ret`)."""

import ast
import os
import re
import types
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
            # A stubbed base class (`ChartReport(Report)`) lends its members.
            for base in getattr(node, "bases", ()):
                if isinstance(base, ast.Name):
                    inner |= members.get(base.id, set())
            members[node.name] = _public(inner)
        elif isinstance(node, ast.AnnAssign):
            members[node.target.id] = set()
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                # `Finding = Diagnostic`: an alias has its target's members.
                alias = node.value.id if isinstance(node.value, ast.Name) else None
                members[t.id] = set(members.get(alias, set()))
    return members


_SIGNATURE = re.compile(r"^(\w+)\((.*)\)(?:\s*->\s*.*)?$")


def _split_top_level(text):
    """Splits `text` at the commas outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for c in text:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += c
    if cur.strip():
        parts.append(cur.strip())
    return parts


_NO_DEFAULT = object()
_UNKNOWN_DEFAULT = object()  # a default whose text is not a Python literal


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return _UNKNOWN_DEFAULT


def _runtime_params(obj):
    """[(name, default)] from pybind11's first docstring line ("*" marks the
    start of keyword-only parameters), or None for an overloaded function or
    one without a signature line."""
    doc = getattr(obj, "__doc__", None) or ""
    lines = doc.splitlines()
    match = _SIGNATURE.match(lines[0]) if lines else None
    if match is None or "Overloaded function." in doc:
        return None
    params = []
    if isinstance(obj, types.MethodDescriptorType):
        # A plain CPython method (the METH_FASTCALL fire): its docstring
        # signature leaves `self` out.
        params.append(("self", _NO_DEFAULT))
    for part in _split_top_level(match.group(2)):
        name_and_type, eq, default = part.partition("=")
        name = name_and_type.split(":")[0].strip()
        params.append(
            (name, _literal(default.strip()) if eq else _NO_DEFAULT))
    return params


def _stub_params(func):
    """[(name, default)] of a stub FunctionDef, "/" after positional-only
    parameters and "*" before keyword-only ones; a default written `...` is
    _UNKNOWN_DEFAULT."""
    args = func.args
    positional = args.posonlyargs + args.args
    defaults = [_NO_DEFAULT] * (len(positional) - len(args.defaults))
    defaults += [
        _UNKNOWN_DEFAULT if isinstance(d, ast.Constant) and d.value is Ellipsis
        else ast.literal_eval(d) for d in args.defaults
    ]
    params = [(a.arg, d) for a, d in zip(positional, defaults)]
    if args.posonlyargs:
        params.insert(len(args.posonlyargs), ("/", _NO_DEFAULT))
    if args.vararg:
        params.append(("*" + args.vararg.arg, _NO_DEFAULT))
    elif args.kwonlyargs:
        params.append(("*", _NO_DEFAULT))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        params.append((a.arg, _NO_DEFAULT if d is None
                       else _UNKNOWN_DEFAULT if isinstance(d, ast.Constant)
                       and d.value is Ellipsis else ast.literal_eval(d)))
    if args.kwarg:
        params.append(("**" + args.kwarg.arg, _NO_DEFAULT))
    return params


def _is_property(func):
    return any(isinstance(d, ast.Name) and d.id == "property"
               for d in func.decorator_list)


def _stub_functions(tree):
    """(qualified name, runtime object, stub FunctionDef) for every function
    and non-property method of the stub."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, getattr(_core, node.name), node
        elif isinstance(node, ast.ClassDef):
            cls = getattr(_core, node.name)
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not _is_property(item):
                    yield (f"{node.name}.{item.name}",
                           getattr(cls, item.name), item)


def _same_default(stub, runtime):
    if stub is _UNKNOWN_DEFAULT or runtime is _UNKNOWN_DEFAULT:
        # Either side does not spell it as a literal (`...`, `{}` of a
        # py::dict, a repr): only "has a default" is compared.
        return (stub is _NO_DEFAULT) == (runtime is _NO_DEFAULT)
    return stub == runtime and type(stub) is type(runtime)


class StubsTest(unittest.TestCase):
    def test_signatures_match_stub(self):
        compared = 0
        for name, obj, func in _stub_functions(_stub_tree()):
            runtime = _runtime_params(obj)
            if runtime is None:
                continue  # overloaded, or a slot pybind11 did not document
            compared += 1
            stub = _stub_params(func)
            if "/" in [n for n, _ in stub]:
                # pybind11 names unnamed (positional-only) arguments arg0,
                # arg1...: the stub marks them with "/" under any name.
                cut = [n for n, _ in stub].index("/")
                stub = [(f"arg{i - 1}" if 0 < i else n, d)
                        for i, (n, d) in enumerate(stub[:cut])] + stub[cut + 1:]
            with self.subTest(function=name):
                self.assertEqual([n for n, _ in stub], [n for n, _ in runtime],
                                 "parameter names")
                for (param, want), (_, got) in zip(runtime, stub):
                    self.assertTrue(
                        _same_default(got, want),
                        f"default of {param!r}: stub {got!r}, runtime {want!r}")
        # Most of the module is pybind11 functions with signature lines.
        self.assertGreater(compared, 80)

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

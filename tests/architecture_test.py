"""The package dependencies in BUILD files match docs/architecture.md, and
no C++ file in upgrade_core/ outgrows the size the project set itself.

Reads the Mermaid drawing in docs/architecture.md (edges `a --> b`) and every
BUILD.bazel under upgrade_core/, and fails for a library target whose deps
name another upgrade_core package without an arrow in the drawing, or for an
arrow that points up (a cycle). Test-only targets (cc_test, and libraries
marked testonly) may also use util's test helpers.

Every .cc and .h of a package (its `cc_files` filegroup), tests included,
stays under MAX_LINES: a file past that holds several concerns and is split
along them (docs/architecture.md, "Files").
"""

import os
import re
import unittest

ROOT_LABEL = {"//upgrade_core:version_info": "release"}
MAX_LINES = 600


def _workspace():
    here = os.path.dirname(os.path.abspath(__file__))
    for root in (os.path.join(os.environ.get("TEST_SRCDIR", ""), "upgrade_core"),
                 os.path.join(here, "..")):
        if os.path.exists(os.path.join(root, "docs", "architecture.md")):
            return root
    raise FileNotFoundError("docs/architecture.md")


def allowed_edges(doc):
    block = re.search(
        r"<!-- dependency graph: checked by tests/architecture_test.py -->\n"
        r"```mermaid\n(.*?)```", doc, re.S)
    if not block:
        raise AssertionError("no checked dependency graph in docs/architecture.md")
    return set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", block.group(1), re.M))


def package_of(label, own):
    if label in ROOT_LABEL:
        return ROOT_LABEL[label]
    if label.startswith(":"):
        return own
    m = re.match(r"//upgrade_core/(\w+)", label)
    return m.group(1) if m else None


def targets(build_text):
    """(rule kind, name, testonly, deps) for each rule call in a BUILD file."""
    out = []
    for m in re.finditer(r"^(\w+)\(\n(.*?)^\)", build_text, re.S | re.M):
        kind, body = m.group(1), m.group(2)
        name = re.search(r'name = "([^"]+)"', body)
        deps = re.search(r"deps = \[(.*?)\]", body, re.S)
        out.append((kind, name.group(1) if name else "",
                    "testonly = True" in body,
                    re.findall(r'"([^"]+)"', deps.group(1)) if deps else []))
    return out


def violations(root, edges):
    found = []
    base = os.path.join(root, "upgrade_core")
    for pkg in sorted(os.listdir(base)):
        build = os.path.join(base, pkg, "BUILD.bazel")
        if not os.path.isfile(build):
            continue
        with open(build, encoding="utf-8") as f:
            text = f.read()
        for kind, name, testonly, deps in targets(text):
            test_target = kind.endswith("_test") or testonly
            for dep in deps:
                other = package_of(dep, pkg)
                if other is None or other == pkg:
                    continue
                if test_target:
                    # Tests may use any package below, and util's helpers.
                    continue
                if (pkg, other) not in edges:
                    found.append(f"upgrade_core/{pkg}:{name} depends on {dep}, "
                                 f"but docs/architecture.md draws no {pkg} --> {other}")
    return found


def cycle(edges):
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    state = {}

    def visit(n, path):
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return path + [n, m]
            if not state.get(m):
                c = visit(m, path + [n])
                if c:
                    return c
        state[n] = 2
        return None

    for n in sorted(graph):
        if not state.get(n):
            c = visit(n, [])
            if c:
                return c
    return None


class ArchitectureTest(unittest.TestCase):
    def setUp(self):
        self.root = _workspace()
        with open(os.path.join(self.root, "docs", "architecture.md"), encoding="utf-8") as f:
            self.edges = allowed_edges(f.read())

    def test_build_files_follow_the_drawing(self):
        self.assertEqual([], violations(self.root, self.edges))

    def test_drawing_points_down_only(self):
        self.assertIsNone(cycle(self.edges))

    def test_checker_catches_a_forbidden_dependency(self):
        # The checker itself must fail for an edge the drawing lacks.
        forbidden = self.edges - {("plan", "compat")}
        self.assertTrue(any("plan --> compat" in v for v in violations(self.root, forbidden)))
        self.assertEqual(["a", "b", "a"], cycle({("a", "b"), ("b", "a")}))

    def test_no_cc_file_over_the_size_limit(self):
        base = os.path.join(self.root, "upgrade_core")
        sizes = {}
        for pkg in sorted(os.listdir(base)):
            if not os.path.isfile(os.path.join(base, pkg, "BUILD.bazel")):
                continue
            with self.subTest(pkg=pkg):
                files = [f for f in os.listdir(os.path.join(base, pkg))
                         if f.endswith((".cc", ".h"))]
                with open(os.path.join(base, pkg, "BUILD.bazel"), encoding="utf-8") as fh:
                    has_cc = re.search(r"^cc_(library|test|binary)\(", fh.read(), re.M)
                # A package with C++ targets must ship its files here
                # (a :cc_files filegroup in the test's data), or they
                # would escape the limit.
                if has_cc:
                    self.assertTrue(files, f"{pkg}: no C++ files in the test's "
                                    "data (add a :cc_files filegroup to its "
                                    "BUILD.bazel and to tests/BUILD.bazel)")
                for f in files:
                    with open(os.path.join(base, pkg, f), "rb") as fh:
                        sizes[f"upgrade_core/{pkg}/{f}"] = fh.read().count(b"\n")
        over = sorted(f"{path}: {n} lines" for path, n in sizes.items()
                      if n > MAX_LINES)
        self.assertEqual([], over, f"split these along their concerns "
                         f"(limit {MAX_LINES} lines)")
        self.assertGreater(len(sizes), 100)

    def test_every_package_is_drawn(self):
        drawn = {n for e in self.edges for n in e}
        base = os.path.join(self.root, "upgrade_core")
        for pkg in os.listdir(base):
            if os.path.isfile(os.path.join(base, pkg, "BUILD.bazel")):
                with self.subTest(pkg=pkg):
                    self.assertIn(pkg, drawn)


if __name__ == "__main__":
    unittest.main()

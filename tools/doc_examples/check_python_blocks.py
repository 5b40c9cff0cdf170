"""Runs the ```python blocks of Markdown pages and checks what they claim.

usage (as a py_test's main): check_python_blocks.py DOC...

Each DOC is a workspace-relative path (docs/graph.md), found in the test's
runfiles. A page's blocks run in order in one namespace, as one session, with
tracebacks pointing at the page's lines. Besides raising nothing (an `assert`
in a block is checked like any other statement), two kinds of comment are
claims, checked every time the line runs:

  print(g.waves())        # [['a'], ['b']]   what print() writes, verbatim
  print(cp.length, cp.path)
  # 95.0 ['a', 'b']                          (or on the comment lines right
                                             after it, one per output line)
  str(Constraint("1.2"))  # '>=1.2.0 <1.3.0-0'
                          an expression statement whose comment is a Python
                          literal: the expression equals it

Any other comment is prose. A claim whose line never runs (an `except` branch
not taken) is an error too, so a page cannot claim output nothing produces.
A block followed by a line saying "prints" and another block must write
exactly that block's text.
"""

import ast
import contextlib
import io
import os
import sys
import tokenize
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import markdown_blocks  # noqa: E402

_DOCS = []


def _find(doc):
    roots = [os.path.join(os.environ.get("TEST_SRCDIR", ""),
                          os.environ.get("TEST_WORKSPACE", "upgrade_core")),
             os.getcwd()]
    for root in roots:
        path = os.path.join(root, doc)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(doc)


def _comments(code):
    """{line: comment text without '#'}, and the set of comment-only lines."""
    comments, own_line = {}, set()
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string[1:].strip()
            if not tok.line[:tok.start[1]].strip():
                own_line.add(tok.start[0])
    return comments, own_line


def _is_print(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "print")


class _Claims(ast.NodeTransformer):
    """Wraps each claimed expression statement in a call to __doc_check__,
    with the claim's line on the page."""

    def __init__(self, code, first_line):
        self.comments, self.own_line = _comments(code)
        self.offset = first_line - 1
        self.claims = {}  # page line -> ("print", text) or ("value", literal)

    def visit_Expr(self, node):
        line = node.end_lineno
        trailing = None if line in self.own_line else self.comments.get(line)
        if _is_print(node.value):
            text = [trailing] if trailing is not None else []
            follow = line + 1
            while trailing is None and follow in self.own_line:
                text.append(self.comments[follow])
                follow += 1
            if not text:
                return node
            claim = ("print", "\n".join(text))
        else:
            if trailing is None:
                return node
            try:
                claim = ("value", ast.literal_eval(trailing))
            except (ValueError, SyntaxError):
                return node  # prose
        self.claims[line + self.offset] = claim
        call = ast.Call(
            func=ast.Name("__doc_check__", ast.Load()),
            args=[ast.Constant(line + self.offset),
                  ast.Lambda(ast.arguments([], [], None, [], [], None, []),
                             node.value)],
            keywords=[])
        return ast.copy_location(ast.Expr(ast.copy_location(call, node)), node)


class _Runner:
    def __init__(self, doc):
        self.doc = doc
        self.claims = {}  # page line -> claim
        self.checked = set()

    def check(self, line, thunk):
        kind, want = self.claims[line]
        self.checked.add(line)
        if kind == "print":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                thunk()
            sys.stdout.write(out.getvalue())
            got = "\n".join(s.rstrip() for s in out.getvalue().rstrip("\n").split("\n"))
            if got != want:
                raise AssertionError(
                    f"{self.doc}:{line}: prints\n{got}\nbut the page says\n{want}")
        else:
            got = thunk()
            if got != want:
                raise AssertionError(
                    f"{self.doc}:{line}: is {got!r} but the page says {want!r}")

    def run(self, blocks):
        namespace = {"__name__": "__doc__", "__doc_check__": self.check}
        for b in blocks:
            tree = ast.parse(b.code)
            claims = _Claims(b.code, b.first_line)
            tree = ast.fix_missing_locations(claims.visit(tree))
            ast.increment_lineno(tree, b.first_line - 1)
            self.claims.update(claims.claims)
            code = compile(tree, self.doc, "exec")
            if b.prints is None:
                exec(code, namespace)
                continue
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(code, namespace)
            sys.stdout.write(out.getvalue())
            if out.getvalue() != b.prints:
                raise AssertionError(
                    f"{self.doc}:{b.first_line}: the block prints\n"
                    f"{out.getvalue()}but the page says\n{b.prints}")
        never = sorted(set(self.claims) - self.checked)
        if never:
            raise AssertionError(
                f"{self.doc}: the claims on lines {never} never ran")
        return len(self.claims)


class PythonBlocksTest(unittest.TestCase):
    def test_blocks_run_and_claims_hold(self):
        self.assertTrue(_DOCS, "no page given")
        for doc in _DOCS:
            with self.subTest(doc=doc):
                with open(_find(doc), encoding="utf-8") as f:
                    blocks = [b for b in markdown_blocks.parse(f.read())
                              if b.lang == "python"]
                self.assertTrue(blocks, f"{doc}: no ```python block")
                claims = _Runner(doc).run(blocks)
                print(f"{doc}: {len(blocks)} block(s), {claims} claim(s) checked",
                      file=sys.stderr)


if __name__ == "__main__":
    _DOCS.extend(a for a in sys.argv[1:] if not a.startswith("-"))
    unittest.main(argv=[sys.argv[0]] + [a for a in sys.argv[1:] if a.startswith("-")])

"""docs/fsm.md stays true: its lifecycle diagrams are exactly what the
definitions emit, and its Python example runs."""

import os
import re
import unittest

import upgrade_core


def _doc():
    here = os.path.dirname(os.path.abspath(__file__))
    for root in (os.environ.get("TEST_SRCDIR", ""), here):
        for candidate in (
            os.path.join(root, "upgrade_core", "docs", "fsm.md"),
            os.path.join(here, "..", "..", "..", "docs", "fsm.md"),
        ):
            if os.path.exists(candidate):
                with open(candidate, encoding="utf-8") as f:
                    return f.read()
    raise FileNotFoundError("docs/fsm.md")


class FsmDocsTest(unittest.TestCase):
    def test_mermaid_blocks_are_generated_from_the_definitions(self):
        doc = _doc()
        blocks = re.findall(
            r"<!-- generated: upgrade_core\.(\w+)\(\)\.to_mermaid\(\).*?-->\n"
            r"```mermaid\n(.*?)```", doc, re.S)
        self.assertEqual([name for name, _ in blocks],
                         ["component_lifecycle", "plan_lifecycle"])
        for name, block in blocks:
            with self.subTest(name):
                self.assertEqual(block, getattr(upgrade_core, name)().to_mermaid())

    def test_python_example_runs(self):
        blocks = re.findall(r"```python\n(.*?)```", _doc(), re.S)
        self.assertTrue(blocks)
        for i, block in enumerate(blocks):
            with self.subTest(block=i):
                exec(compile(block, f"docs/fsm.md python block {i}", "exec"), {})


if __name__ == "__main__":
    unittest.main()

"""markdown_blocks reads fences, languages, lines and "prints" blocks."""

import unittest

import markdown_blocks

PAGE = """# Title

```cpp
int x = 1;
```

prints

```
1
```

Some prose.

```python
print(2)
```

More prose, then it prints:

```text
2
```
"""


class ParseTest(unittest.TestCase):
    def test_blocks(self):
        blocks = markdown_blocks.parse(PAGE)
        self.assertEqual([(b.lang, b.first_line, b.code) for b in blocks], [
            ("cpp", 4, "int x = 1;\n"),
            ("", 10, "1\n"),
            ("python", 16, "print(2)\n"),
            ("text", 22, "2\n"),
        ])

    def test_prints_only_right_after_a_block(self):
        blocks = markdown_blocks.parse(PAGE)
        self.assertEqual(blocks[0].prints, "1\n")
        # Prose before "prints" makes it not the block's output.
        self.assertIsNone(blocks[2].prints)

    def test_fails_with(self):
        blocks = markdown_blocks.parse("```yaml\na: [\n```\n\nfails with:\n\n"
                                       "```text\nerror\n```\n")
        self.assertEqual(blocks[0].prints, "error\n")

    def test_unclosed_fence(self):
        with self.assertRaisesRegex(ValueError, "line 1: unclosed"):
            markdown_blocks.parse("```cpp\nint x;\n")


if __name__ == "__main__":
    unittest.main()

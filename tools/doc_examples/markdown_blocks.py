"""The fenced code blocks of a Markdown page, with the line each starts on.

Shared by extract_cc.py (C++ blocks, at build time) and check_python_blocks.py
(Python blocks, at test time), so both read a page the same way.
"""

import dataclasses
import re
from typing import List, Optional

_FENCE = re.compile(r"^```(\S*)\s*$")
# The one line between two blocks that makes the second the expected output
# of the first: "prints", "It prints:", "which prints", "fails with:".
_PRINTS = re.compile(r"^((it|and|which) )?(prints|fails with):?$",
                     re.IGNORECASE)


@dataclasses.dataclass
class Block:
    lang: str  # the fence's info string: "cpp", "python", "" ...
    first_line: int  # 1-based line of the block's first code line
    code: str  # the lines between the fences, each ending in "\n"
    # The next block, when the only text between the two is one line saying
    # "prints" (or "prints:", "It prints:", "fails with:"): what this
    # block's code prints, or the error it gives.
    prints: Optional[str] = None


def parse(text: str) -> List[Block]:
    """Every fenced block of `text`, in order; raises ValueError on an
    unclosed fence."""
    blocks: List[Block] = []
    between: List[str] = []  # text lines since the last closing fence
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            between.append(lines[i].strip())
            i += 1
            continue
        start = i + 1
        end = start
        while end < len(lines) and lines[end].rstrip("\n") != "```":
            end += 1
        if end == len(lines):
            raise ValueError(f"line {i + 1}: unclosed ``` fence")
        block = Block(m.group(1), start + 1, "".join(lines[start:end]))
        intro = [s for s in between if s]
        if blocks and len(intro) == 1 and _PRINTS.match(intro[0]):
            blocks[-1].prints = block.code
        blocks.append(block)
        between = []
        i = end + 1
    return blocks

"""Turns the ```cpp blocks of a Markdown page into code a test compiles.

usage: extract_cc.py DOC HEADER_OUT BODY_OUT [SRC...]

DOC is the page's workspace-relative path (docs/graph.md); it is read from
the SRC whose path ends with it (a genrule passes $(locations //:docs)), or
from DOC itself. Writes:

  HEADER_OUT  the blocks' #include lines, and in namespace `doc_<page>`
              (doc_graph_md): kNumBlocks, the number of ```cpp blocks;
              kPrints[i], the output the page shows for the i-th one (the
              block after a line saying "prints"), or nullptr; and kBlocks,
              every fenced block of the page ({lang, line, code, prints}),
              for tests that check the other examples (YAML, messages).
  BODY_OUT    every ```cpp block in order, #include lines blanked, each
              preceded by a #line directive, so compiler errors point into
              the page.

A test includes HEADER_OUT at file scope and BODY_OUT where the blocks' code
belongs (a namespace for definitions, a function body for statements), then
checks what the code does. See doc_examples.bzl.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import markdown_blocks  # noqa: E402

_INCLUDE = re.compile(r"^\s*#\s*include\s")


def _raw_string(text: str) -> str:
    delimiter = "doc"
    while f"){delimiter}\"" in text:
        delimiter += "_"
    return f'R"{delimiter}({text}){delimiter}"'


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    doc, header_out, body_out = argv[1:4]
    path = next((s for s in argv[4:] if s.endswith(doc)), doc)
    with open(path, encoding="utf-8") as f:
        all_blocks = markdown_blocks.parse(f.read())
    blocks = [b for b in all_blocks if b.lang == "cpp"]
    if not blocks:
        sys.exit(f"{doc}: no ```cpp block")
    namespace = "doc_" + re.sub(r"\W", "_", os.path.basename(doc))
    generated = (f"// Generated from {doc} by //tools/doc_examples:extract_cc."
                 "\n// Do not edit: edit the page.\n")

    includes = []
    body = [generated]
    for b in blocks:
        body.append(f'#line {b.first_line} "{doc}"\n')
        for line in b.code.splitlines():
            if _INCLUDE.match(line):
                if line.strip() not in includes:
                    includes.append(line.strip())
                line = ""
            body.append(line + "\n")

    # The include path: the output path after bazel-out/<config>/bin/.
    include_path = re.sub(r"^.*?/bin/", "", header_out)
    guard = re.sub(r"\W", "_", include_path).upper() + "_"
    header = [generated, f"#ifndef {guard}\n#define {guard}\n\n"]
    header += [line + "\n" for line in includes]
    header.append(f"\nnamespace {namespace} {{\n\n")
    header.append(f"inline constexpr int kNumBlocks = {len(blocks)};\n")
    header.append("inline constexpr const char* kPrints[] = {\n")
    for b in blocks:
        header.append(
            f"    {_raw_string(b.prints) if b.prints is not None else 'nullptr'},\n")
    header.append("};\n\n")
    header.append("struct Block {\n"
                  "  const char* lang;    // the fence's info string\n"
                  "  int line;            // of the first code line\n"
                  "  const char* code;\n"
                  "  const char* prints;  // as kPrints, or nullptr\n"
                  "};\n")
    header.append("inline constexpr Block kBlocks[] = {\n")
    for b in all_blocks:
        prints = _raw_string(b.prints) if b.prints is not None else "nullptr"
        header.append(f'    {{"{b.lang}", {b.first_line}, {_raw_string(b.code)},'
                      f' {prints}}},\n')
    header.append(f"}};\n\n}}  // namespace {namespace}\n\n#endif  // {guard}\n")

    with open(header_out, "w", encoding="utf-8") as f:
        f.writelines(header)
    with open(body_out, "w", encoding="utf-8") as f:
        f.writelines(body)


if __name__ == "__main__":
    main(sys.argv)

"""Doc examples as tests (see BUILD.bazel).

doc_cc_blocks(name, doc): a genrule writing `name`.h (the #include lines of
the ```cpp blocks of `doc`, and the output the page shows for each) and
`name`.inc (the blocks' code, with #line directives pointing into the page).
A cc_test lists the genrule in srcs, includes the .h at file scope and the
.inc where the code belongs, and checks what it does (extract_cc.py).

doc_python_test(name, docs): a py_test running the ```python blocks of each
page in `docs` against `import upgrade_core`, checking the outputs and values
their comments claim (check_python_blocks.py).

Pages are workspace-relative paths under docs/ (members of //:docs).
"""

def doc_cc_blocks(name, doc, **kwargs):
    native.genrule(
        name = name,
        srcs = ["//:docs"],
        outs = [name + ".h", name + ".inc"],
        cmd = ("python3 $(location //tools/doc_examples:extract_cc.py) " +
               "%s $(location %s.h) $(location %s.inc) $(locations //:docs)") %
              (doc, name, name),
        tools = [
            "//tools/doc_examples:extract_cc.py",
            "//tools/doc_examples:markdown_blocks",
        ],
        **kwargs
    )

def doc_python_test(name, docs, **kwargs):
    native.py_test(
        name = name,
        srcs = ["//tools/doc_examples:check_python_blocks.py"],
        main = "//tools/doc_examples:check_python_blocks.py",
        args = docs,
        data = ["//:docs"] + kwargs.pop("data", []),
        deps = [
            "//bindings/python/upgrade_core",
            "//tools/doc_examples:markdown_blocks",
        ],
        **kwargs
    )

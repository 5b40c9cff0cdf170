"""Every fenced code block of docs/*.md and README.md is checked by a test.

This test enumerates the blocks (tools/doc_examples/markdown_blocks.py) and
fails unless each one is covered:

  python   the page is in a doc_python_test's `docs` list (read from the
           BUILD files below), or in OTHER_PYTHON_TESTS
  cpp      the page has a doc_cc_blocks genrule (read from the BUILD files)
  sh       run here, see below
  yaml     validated here by the loader its content names: `kind:
           UpgradePlan` by `upgradectl validate`, `kind: Cluster` by
           `upgradectl simulate --cluster` (the cluster loader), a state
           machine (`initial:` and `transitions:`) by `upgradectl fsm`, a
           rule pack (`rules:`) by `upgradectl check --rules`; a block
           annotated as a fragment is parsed as YAML only
  json     parsed
  starlark (WORKSPACE and BUILD snippets) must be an excerpt of a file a
           test builds (`excerpt of=examples/consumer/WORKSPACE`)
  text, console, mermaid, dot
           output and diagrams, not run (a mermaid block must start with a
           diagram type)
  untagged an error: every block names its language

Annotations: an HTML comment on the line before the opening fence (blank
lines between are allowed) says how to treat a block:

  <!-- doc-test: skip reason="needs a cluster" -->   not run (listed in
      EXPECTED_SKIPS: adding a skip means editing this file)
  <!-- doc-test: exit=1 -->        every command of the block exits 1
  <!-- doc-test: cwd=examples/rke2-ingress-nginx -->  the block's directory
  <!-- doc-test: env="D=upgrade_core/compat/testdata" -->  variables the
      block uses (exported before it runs)
  <!-- doc-test: file=lifecycle.yaml -->   a yaml/json block is also
      written to that file (in the page's scratch directory), for the sh
      blocks after it
  <!-- doc-test: fragment of="an UpgradePlan component" -->  parsed only
  <!-- doc-test: fragment syntax -->   a syntax summary, not parsed
  <!-- doc-test: data="Helm values" -->   YAML no loader here reads (the
      user's values for a chart): parsed only
  <!-- doc-test: excerpt of=upgrade_core/version_info.h -->   a block that
      quotes a file: its code lines must appear in it, in order (for cpp
      blocks, instead of being compiled)

Shell blocks: the sh blocks of a page run in order in one `bash` process
(variables and `cd` carry over, as for a reader typing them), in a scratch
copy of the repository's examples, with `upgradectl` on PATH. Each command
(a line, with its backslash continuations) must exit 0, or the code its
trailing comment names (`# exit 1: ...`, `# refused: exit 2`), or the
block's `exit=` annotation. A ```console block is a transcript: each `$ `
line runs, and its standard output must equal the lines after it (a line
`...` or `…` stands for any number of lines, `…` in a line for any text). `bazel` is a
stand-in: `bazel build` of a target this test provides (BAZEL_PREBUILT,
under bazel-bin/ as Bazel would put it) does nothing, `bazel run
//tools/upgradectl -- ARGS` runs upgradectl in another directory (as Bazel
does); anything else fails, so such a block needs a skip.

Besides: no page names an absolute path outside the repository (/tmp, /work,
/home, ...), except ABSOLUTE_PATH_ALLOWLIST.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import unittest

import yaml

_HERE = os.path.dirname(os.path.abspath(__file__))


def _root():
    srcdir = os.environ.get("TEST_SRCDIR")
    if srcdir:
        return os.path.join(srcdir, os.environ.get("TEST_WORKSPACE",
                                                   "upgrade_core"))
    return os.path.dirname(_HERE)


ROOT = _root()
sys.path.insert(0, os.path.join(ROOT, "tools", "doc_examples"))

import markdown_blocks  # noqa: E402

# BUILD files whose doc_python_test / doc_cc_blocks name the pages they run.
COVERAGE_BUILD_FILES = [
    "tests/BUILD.bazel",
    "upgrade_core/exec/BUILD.bazel",
    "upgrade_core/fsm/BUILD.bazel",
    "upgrade_core/graph/BUILD.bazel",
    "upgrade_core/sim/BUILD.bazel",
    "upgrade_core/version/BUILD.bazel",
]

# Pages whose ```python blocks another test runs.
OTHER_PYTHON_TESTS = {
    # The Python example and the generated mermaid diagrams.
    "docs/fsm.md": "//bindings/python/tests:fsm_docs_test",
    # Runs the example in the venv the page's install command makes.
    "docs/install.md": "//bindings/python/tests:wheel_install_test",
}

# Blocks that fail this test today, in pages this test's author does not
# own: (page, language) -> why. Each is a bug to fix in the page (or the
# code); remove the entry when it is fixed. The test fails when an entry
# no longer fails, so the list cannot go stale.
PENDING = {
    # None left. An entry is (page, language): a reason; the test reports
    # its blocks instead of failing, and fails once they pass.
}

# Skipped blocks, by page: how many. A new skip must be added here.
EXPECTED_SKIPS = {
    "README.md": 1,  # tools/bootstrap.sh and bazel test //...: .ci/run
    "docs/reliability.md": 1,  # bazel test //fuzz:all, tools/fuzz.sh
    "docs/run.md": 1,  # plan.yaml stands for the user's plan: tutorial.md runs them
    "docs/install.md": 3,  # Bazel, pip, apt: wheel_install_test runs the install
    "docs/embedding-cpp.md": 3,  # apt, Bazel: consumer_workspace_test builds it
    "docs/performance.md": 1,  # tools/bench.sh: tens of minutes of benchmarks
}

# Absolute paths a page may name (generic examples, not places on the
# machine the docs were written on).
ABSOLUTE_PATH_ALLOWLIST = {
    "/usr/bin/python3": "Debian's Python, which the build and benchmarks use",
    "/usr/bin/time": "the time(1) command, for peak memory",
    "/usr/share/bazel/tools/platforms": "where Debian's bazel-platforms is",
    "/usr/share/bazel/tools/skylib": "where Debian's bazel-skylib is",
    "/srv/values.yaml": "an example path in a diagnostic's SARIF URI",
    "/var/lib/x": "an example path in a plan field's description",
    "/etc/hostname": "an example of a file a command must not read",
}

OUTPUT_TAGS = {"text", "mermaid", "dot"}
MERMAID_TYPES = ("graph", "flowchart", "stateDiagram", "stateDiagram-v2",
                 "gantt", "sequenceDiagram", "classDiagram", "xychart-beta")

# Targets the `bazel` stand-in provides: target -> (bazel-bin path, runfile).
BAZEL_PREBUILT = {
    "//tools/upgradectl": ("tools/upgradectl/upgradectl",
                           "tools/upgradectl/upgradectl"),
    "//bindings/python:site": ("bindings/python/site",
                               "bindings/python/site"),
}

# What the scratch copy of the repository holds.
SCRATCH_DIRS = ["examples/rke2-ingress-nginx", "examples/local-ports",
                "upgrade_core/chart/testdata", "upgrade_core/compat/testdata"]

_ANNOTATION = re.compile(r"^<!--\s*doc-test:\s*(.*?)\s*-->\s*$")
_EXPECTED_EXIT = re.compile(r"\bexit (\d+)\b(?! if)")
_ABSOLUTE = re.compile(
    r"(?<![\w.~$/-])(/(?:tmp|work|home|root|usr|var|opt|etc|mnt|srv|Users)"
    r"(?:/[\w.@+-]+)*)")


def pages():
    docs = os.path.join(ROOT, "docs")
    names = sorted(f for f in os.listdir(docs) if f.endswith(".md"))
    return [f"docs/{n}" for n in names] + ["README.md"]


def read(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as f:
        return f.read()


def parse_annotation(text):
    """'skip reason="x y" exit=1' -> {'skip': '', 'reason': 'x y', ...}"""
    out = {}
    for word in shlex.split(text):
        key, _, value = word.partition("=")
        out[key] = value
    return out


def blocks_with_annotations(page):
    text = read(page)
    lines = text.splitlines()
    result = []
    for b in markdown_blocks.parse(text):
        fence = b.first_line - 2  # 0-based index of the opening fence
        ann = {}
        i = fence - 1
        while i >= 0 and not lines[i].strip():
            i -= 1
        if i >= 0:
            m = _ANNOTATION.match(lines[i].strip())
            if m:
                ann = parse_annotation(m.group(1))
        result.append((b, ann))
    return result


def covered_pages():
    python, cpp = set(OTHER_PYTHON_TESTS), set()
    for build in COVERAGE_BUILD_FILES:
        with open(os.path.join(ROOT, build), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"doc_cc_blocks\((.*?)\n\)", text, re.S):
            cpp.update(re.findall(r'doc\s*=\s*"([^"]+)"', m.group(1)))
        for m in re.finditer(r"doc_python_test\((.*?)\n\)", text, re.S):
            for lst in re.findall(r"docs\s*=\s*\[(.*?)\]", m.group(1), re.S):
                python.update(re.findall(r'"([^"]+)"', lst))
    return python, cpp


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_BAZEL_STUB = r'''#!/bin/bash
# The doc test's stand-in for bazel (tests/doc_blocks_test.py).
cmd=$1; shift
case "$cmd" in
  build)
    for t in "$@"; do
      case "$t" in
        %(prebuilt)s) ;;
        *) echo "doc test: bazel build $t is not available here" >&2; exit 3;;
      esac
    done;;
  run)
    target=$1; shift
    [ "$1" = "--" ] && shift
    case "$target" in
      //tools/upgradectl) cd "$(mktemp -d)" && exec "%(upgradectl)s" "$@";;
      *) echo "doc test: bazel run $target is not available here" >&2; exit 3;;
    esac;;
  *) echo "doc test: bazel $cmd is not available here" >&2; exit 3;;
esac
'''


class Scratch:
    """A scratch copy of the examples with upgradectl and a bazel stand-in."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="doc_blocks_")
        self.root = os.path.join(self.dir, "repo")
        for d in SCRATCH_DIRS:
            src = os.path.join(ROOT, d)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(self.root, d),
                                ignore=shutil.ignore_patterns(
                                    "__pycache__", "BUILD.bazel"))
        for target, (out, runfile) in BAZEL_PREBUILT.items():
            link = os.path.join(self.root, "bazel-bin", out)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(os.path.join(ROOT, runfile), link)
        self.upgradectl = os.path.join(ROOT, "tools/upgradectl/upgradectl")
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        os.symlink(self.upgradectl, os.path.join(bindir, "upgradectl"))
        stub = os.path.join(bindir, "bazel")
        with open(stub, "w") as f:
            f.write(_BAZEL_STUB % {
                "prebuilt": "|".join(BAZEL_PREBUILT),
                "upgradectl": self.upgradectl})
        os.chmod(stub, 0o755)
        for d in ("home", "tmp"):
            os.makedirs(os.path.join(self.dir, d))
        self.env = dict(os.environ)
        self.env.update({
            "PATH": bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.path.join(self.dir, "home"),
            "TMPDIR": os.path.join(self.dir, "tmp"),
            # examples/local-ports: ports the kernel reports free, servers
            # that end by themselves.
            "LP_DB_PORT": str(_free_port()),
            "LP_API_PORT": str(_free_port()),
            "LP_WEB_PORT": str(_free_port()),
            "LP_LIFETIME": "120",
        })
        self.env.pop("PYTHONPATH", None)

    def close(self):
        lp = os.path.join(self.root, "examples/local-ports/lp.py")
        for dirpath, _, files in os.walk(self.dir):
            if any(f.endswith(".pid") for f in files) and os.path.exists(lp):
                env = dict(self.env, LP_STATE=dirpath)
                subprocess.run([sys.executable, lp, "down"], env=env,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def logical_commands(code):
    """[(line offset, command text)]: lines joined over backslashes."""
    out, buf, start = [], [], 0
    for i, line in enumerate(code.splitlines()):
        if not buf:
            start = i
        buf.append(line)
        if line.rstrip().endswith("\\"):
            continue
        out.append((start, "\n".join(buf)))
        buf = []
    if buf:
        out.append((start, "\n".join(buf)))
    return out


def trailing_comment(command):
    """The shell comment ending a command's last line ('' if none): a `#`
    that starts a word outside quotes."""
    last = command.splitlines()[-1] if command else ""
    quote = None
    i = 0
    while i < len(last):
        c = last[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = None
        elif c == "\\":
            i += 1
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or last[i - 1].isspace()):
            return last[i:]
        i += 1
    return ""


def shell_script(page, block, ann):
    """The bash lines that run one sh block and check its exit codes."""
    default_exit = int(ann.get("exit", "0"))
    code = block.code
    lines = code.splitlines()
    script = [f"# {page}:{block.first_line}"]
    if "cwd" in ann:
        script.append(f'cd "$DOC_ROOT"/{shlex.quote(ann["cwd"])}')
    for assignment in ann.get("env", "").split():
        script.append(f"export {assignment}")
    if block.lang == "console":
        # A transcript: `$ ` lines run, their output is written to
        # $DOC_OUT and compared afterwards (check_transcripts).
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                i += 1
                continue
            cmd, where = lines[i][2:], block.first_line + i
            while cmd.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd += "\n" + lines[i]
            i += 1
            comment = trailing_comment(cmd)
            if comment:
                cmd = cmd[:cmd.rindex(comment)].rstrip()
            out = f'"$DOC_OUT"/{where}'
            script.append(f"{cmd} > {out}.out 2> {out}.err; echo $? > {out}.rc")
        return script
    for offset, cmd in logical_commands(code):
        stripped = cmd.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _EXPECTED_EXIT.search(trailing_comment(cmd))
        want = int(m.group(1)) if m else default_exit
        where = f"{page}:{block.first_line + offset}"
        script.append(cmd)
        if stripped.endswith("&"):
            continue
        script.append(
            f"__rc=$?; if [ $__rc -ne {want} ]; then echo "
            f"{shlex.quote(where + ': ')}\"exit $__rc, expected {want}: \""
            f"{shlex.quote(stripped.splitlines()[0])}; exit 97; fi")
    return script


def _matches(actual, expected):
    """Whether output lines match the expected ones; an expected line
    `...` (or `…`) stands for any number of lines, and `…` inside a line
    for any text."""
    pattern = "".join(
        r"(?:.*\n)*?" if e.strip() in ("...", "…")
        else ".*".join(re.escape(part) for part in e.split("…")) + r"\n"
        for e in expected)
    return re.fullmatch(pattern, "".join(l + "\n" for l in actual)) is not None


def check_transcript(block, ann, outdir):
    """Problems of one console block after its commands ran."""
    problems = []
    lines = block.code.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        where = block.first_line + i
        while lines[i].rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
        m = _EXPECTED_EXIT.search(trailing_comment(lines[i]))
        i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        want = int(m.group(1)) if m else int(ann.get("exit", "0"))
        path = os.path.join(outdir, str(where))
        if not os.path.exists(path + ".rc"):
            problems.append(f"line {where}: did not run")
            continue
        with open(path + ".rc") as f:
            rc = int(f.read().strip() or "-1")
        with open(path + ".out", encoding="utf-8", errors="replace") as f:
            actual = f.read().splitlines()
        with open(path + ".err", encoding="utf-8", errors="replace") as f:
            stderr = f.read()
        if rc != want:
            problems.append(f"line {where}: exit {rc}, expected {want}; "
                            f"stderr:\n{stderr}")
        if not _matches(actual, expected):
            problems.append(f"line {where}: prints\n" + "\n".join(actual)
                            + "\nbut the page shows\n" + "\n".join(expected))
    return problems


def _code_line(line, comment="//"):
    """A source line without its comment (// for C++, # for Starlark) and
    surrounding space."""
    return re.sub(r"\s*" + re.escape(comment) + r".*$", "", line).strip()


def excerpt_check(block, ann):
    """None if every code line of the block appears, in order, among the
    lines of the file it is an excerpt of (`excerpt of=PATH`); a string
    "..." in the block matches any string literal."""
    path = os.path.join(ROOT, ann.get("of", ""))
    if not ann.get("of") or not os.path.exists(path):
        return f"excerpt of a file this test cannot read: {ann.get('of')!r}"
    comment = "#" if block.lang == "starlark" else "//"
    with open(path, encoding="utf-8") as f:
        source = [_code_line(l, comment) for l in f.read().splitlines()]
    i = 0
    for line in block.code.splitlines():
        want = _code_line(line, comment)
        if not want:
            continue
        pattern = re.compile(
            r'\s*'.join(re.escape(w) for w in want.split()).replace(
                re.escape('"..."'), r'"[^"]*"'))
        while i < len(source) and not pattern.fullmatch(source[i]):
            i += 1
        if i == len(source):
            return f"not in {ann['of']} (in this order): {want}"
        i += 1
    return None


def yaml_check(scratch, page, block, ann, workdir):
    """None if the YAML block is valid for its loader, else why not."""
    code = textwrap.dedent(block.code)
    cwd = os.path.join(scratch.root, ann["cwd"]) if "cwd" in ann else workdir
    if "file" in ann:
        with open(os.path.join(cwd, ann["file"]), "w", encoding="utf-8") as f:
            f.write(code)
    if "fragment" in ann or "data" in ann:
        if ann.get("fragment") == "syntax" or "syntax" in ann:
            return None
        try:
            yaml.safe_load(code)
        except yaml.YAMLError as e:
            return f"not YAML: {e}"
        return None
    try:
        doc = yaml.safe_load(code)
    except yaml.YAMLError as e:
        return f"not YAML: {e}"
    if not isinstance(doc, dict):
        return "not a mapping: annotate it as a fragment"
    name = ann.get("file") or f"doc-block-{block.first_line}.yaml"
    path = os.path.join(cwd, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(code)
    ingress = os.path.join(scratch.root, "examples/rke2-ingress-nginx")
    if doc.get("kind") == "UpgradePlan":
        argv = ["validate", path]
    elif doc.get("kind") == "Cluster":
        argv = ["simulate", ann.get("plan", os.path.join(ingress, "plan.yaml")),
                "--cluster", path]
    elif "initial" in doc and "transitions" in doc:
        argv = ["fsm", path]
    elif "rules" in doc:
        argv = ["check", "--rules", path,
                "--old-defaults", os.path.join(ingress, "values-4.11.8.yaml"),
                "--new-defaults", os.path.join(ingress, "values-4.12.8.yaml"),
                "--values", os.path.join(ingress, "my-values.yaml")]
    else:
        return ("no loader for this YAML (no kind: UpgradePlan|Cluster, no "
                "state machine, no rule pack): annotate it as a fragment")
    want = int(ann.get("exit", "0"))
    r = subprocess.run([scratch.upgradectl] + argv, cwd=cwd, env=scratch.env,
                       capture_output=True, text=True, timeout=120)
    # A rule pack's findings on the example values are fine (exit 1); a
    # pack the loader refuses is exit 2.
    ok = r.returncode == want or (argv[0] == "check" and "exit" not in ann
                                  and r.returncode == 1)
    if not ok:
        return (f"upgradectl {argv[0]} exits {r.returncode}, expected "
                f"{want}:\n{r.stdout}{r.stderr}")
    return None


class DocBlocksTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.problems = {}  # (page, lang) -> [message]
        self.skips = {}

    def problem(self, page, block, message):
        self.problems.setdefault((page, block.lang), []).append(
            f"{page}:{block.first_line} ```{block.lang}: {message}")

    def check_problems(self, langs):
        failing = {k: v for k, v in self.problems.items() if k[1] in langs}
        pending = {k for k in PENDING if k[1] in langs}
        unexpected = {k: v for k, v in failing.items() if k not in PENDING}
        fixed = sorted(pending - set(failing))
        messages = [m for v in unexpected.values() for m in v]
        if fixed:
            messages.append("PENDING entries that pass now (remove them): "
                            + ", ".join(f"{p} {l}" for p, l in fixed))
        for k in sorted(pending & set(failing)):
            print(f"pending ({PENDING[k]}):", *failing[k], sep="\n  ",
                  file=sys.stderr)
        self.assertEqual(messages, [], "\n\n".join(messages))

    def test_every_block_has_a_language(self):
        for page in pages():
            for b, _ in blocks_with_annotations(page):
                if not b.lang:
                    self.problem(page, b, "untagged: name the language "
                                 "(text for output, console, mermaid, sh...)")
                elif b.lang == "mermaid":
                    first = b.code.strip().split(None, 1)[:1]
                    if not first or first[0] not in MERMAID_TYPES:
                        self.problem(page, b, "not a mermaid diagram")
                elif b.lang not in OUTPUT_TAGS | {
                        "python", "cpp", "sh", "console", "yaml", "json",
                        "starlark"}:
                    self.problem(page, b, "a language this test cannot check")
        self.check_problems({"", "mermaid"} | OUTPUT_TAGS)

    def test_python_and_cpp_blocks_are_run_by_a_test(self):
        python, cpp = covered_pages()
        for page in pages():
            for b, ann in blocks_with_annotations(page):
                if "excerpt" in ann:
                    why = excerpt_check(b, ann)
                    if why:
                        self.problem(page, b, why)
                    continue
                if b.lang == "starlark":  # BUILD and WORKSPACE files
                    self.problem(page, b, "starlark must be an excerpt of a "
                                 "file a test builds (excerpt of=PATH)")
                if b.lang == "python" and page not in python:
                    self.problem(page, b, "the page is in no doc_python_test")
                if b.lang == "cpp" and page not in cpp:
                    self.problem(page, b, "the page has no doc_cc_blocks test")
        self.check_problems({"python", "cpp"})

    def test_json_blocks_parse(self):
        for page in pages():
            for b, ann in blocks_with_annotations(page):
                if b.lang != "json" or "skip" in ann:
                    continue
                code = b.code
                if "placeholders" in ann:
                    code = code.replace('"..."', '""').replace("…", "")
                try:
                    json.loads(code)
                except ValueError as e:
                    self.problem(page, b, f"not JSON: {e}")
        self.check_problems({"json"})

    def test_yaml_and_sh_blocks_run(self):
        skips = {}
        for page in pages():
            blocks = blocks_with_annotations(page)
            if not any(b.lang in ("sh", "console", "yaml")
                       for b, _ in blocks):
                continue
            scratch = Scratch()
            try:
                self.run_page(scratch, page, blocks, skips)
            finally:
                scratch.close()
        for page, reasons in sorted(skips.items()):
            print(f"skipped in {page}:", *reasons, sep="\n  ", file=sys.stderr)
        counts = {p: len(r) for p, r in skips.items()}
        self.check_problems({"sh", "console", "yaml"})
        self.assertEqual(counts, EXPECTED_SKIPS,
                         "skipped blocks changed: update EXPECTED_SKIPS")

    def run_page(self, scratch, page, blocks, skips):
        # The page's commands run as if typed at the repository's root; a
        # block's own `cd` moves on from there.
        workdir = scratch.root
        script = ['cd "$DOC_ROOT"']
        sh_blocks = []
        for b, ann in blocks:
            if b.lang not in ("sh", "console", "yaml"):
                continue
            if "skip" in ann:
                reason = ann.get("reason", "")
                if not reason:
                    self.problem(page, b, "a skip needs reason=...")
                skips.setdefault(page, []).append(
                    f"{page}:{b.first_line}: {reason}")
                continue
            if b.lang == "yaml":
                why = yaml_check(scratch, page, b, ann, workdir)
                if why:
                    self.problem(page, b, why)
                continue
            sh_blocks.append((b, ann))
            script += shell_script(page, b, ann)
        if not sh_blocks:
            return
        outdir = os.path.join(scratch.dir, "out")
        os.makedirs(outdir)
        env = dict(scratch.env, DOC_ROOT=scratch.root, DOC_OUT=outdir)
        path = os.path.join(scratch.dir, "page.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(script) + "\n")
        proc = subprocess.Popen(["bash", path], cwd=scratch.root, env=env,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            self.problem(page, sh_blocks[0][0], f"timed out:\n{out}")
            return
        if proc.returncode != 0:
            # Name the block that failed: the line in the message.
            failed = sh_blocks[0][0]
            m = re.search(rf"{re.escape(page)}:(\d+): ", out)
            if m:
                line = int(m.group(1))
                failed = [b for b, _ in sh_blocks if b.first_line <= line][-1]
            self.problem(page, failed,
                         f"exit {proc.returncode}; output:\n{out[-3000:]}")
        for b, ann in sh_blocks:
            if b.lang == "console":
                for why in check_transcript(b, ann, outdir):
                    self.problem(page, b, why)

    def test_no_absolute_paths_outside_the_repository(self):
        found = []
        for page in pages():
            for n, line in enumerate(read(page).splitlines(), 1):
                for m in _ABSOLUTE.finditer(line):
                    if m.group(1) not in ABSOLUTE_PATH_ALLOWLIST:
                        found.append(f"{page}:{n}: {m.group(1)}")
        self.assertEqual(found, [], "\n".join(found))


class HelpersTest(unittest.TestCase):
    """The pieces the checks above rely on."""

    def test_matches(self):
        for actual, expected, want in [
            (["a", "b", "c"], ["a", "b", "c"], True),
            (["a", "b", "c"], ["a", "...", "c"], True),
            (["a", "b", "c"], ["a", "c"], False),
            (["a", "b"], ["a", "b", "c"], False),
            (["x/values.yaml:7:5: error"], ["…/values.yaml:7:5: …"], True),
            (["x/values.yaml:7:5: error"], ["…/values.yaml:8:5: …"], False),
        ]:
            self.assertEqual(_matches(actual, expected), want,
                             (actual, expected))

    def test_expected_exit(self):
        for command, want in [
            ("upgradectl validate p.yaml   # exit 1: unsafe", "1"),
            ("upgradectl run p.yaml    # refused: exit 2", "2"),
            ("upgradectl fsm f.yaml    # checks; exit 1 if any problem", None),
            ("echo '# exit 3'", None),
            ("upgradectl plan p.yaml", None),
        ]:
            m = _EXPECTED_EXIT.search(trailing_comment(command))
            self.assertEqual(m.group(1) if m else None, want, command)

    def test_logical_commands(self):
        self.assertEqual(logical_commands("a \\\n  b\nc\n"),
                         [(0, "a \\\n  b"), (2, "c")])

    def test_annotation(self):
        self.assertEqual(
            parse_annotation('skip reason="needs a cluster" exit=1'),
            {"skip": "", "reason": "needs a cluster", "exit": "1"})


if __name__ == "__main__":
    unittest.main()

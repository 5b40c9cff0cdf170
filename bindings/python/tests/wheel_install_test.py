"""Issue 13: the wheel (//bindings/python:wheel) installs with pip, offline,
into a fresh virtual environment, with the command docs/install.md gives;
there `import upgrade_core` works, the stubs and py.typed are installed, the
page's Python example prints what the page says, and `python -m upgrade_core
...` (and the `upgradectl` console script) answer exactly as the upgradectl
program does: same stdout, stderr and exit code, for the page's commands too.
"""

import base64
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import zipfile

from tools.doc_examples import markdown_blocks

ROOT = os.path.join(os.environ.get("TEST_SRCDIR", "."), "upgrade_core")
WHEEL_DIR = os.path.join(ROOT, "bindings", "python", "wheel")
SITE = os.path.join(ROOT, "bindings", "python", "site")
UPGRADECTL = os.path.join(ROOT, "tools", "upgradectl", "upgradectl")
EXAMPLE = os.path.join(ROOT, "examples", "rke2-ingress-nginx")
INSTALL_MD = os.path.join(ROOT, "docs", "install.md")
# The page's install command, run here with the glob resolved.
PIP_INSTALL = ("python -m pip install --no-index "
               "bazel-bin/bindings/python/wheel/upgrade_core-*.whl")

# Compiled inside the virtual environment through the Python API.
PLAN = """apiVersion: upgrade-core/v1
kind: UpgradePlan
metadata: {name: demo}
components:
  - {id: backend, kind: Deployment, replicas: 2}
  - id: controller
    kind: DaemonSet
    nodes: 3
    strategy: {type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}
    exclusive: ["hostPort:80"]
    dependsOn: [backend]
"""

PROBE = """
import importlib.metadata, json, os, sys
import upgrade_core
package = os.path.dirname(upgrade_core.__file__)
plan = upgrade_core.Plan.from_yaml(sys.stdin.read(), source="demo.yaml")
print(json.dumps({
    "package": package,
    "version": upgrade_core.__version__,
    "metadata_version": importlib.metadata.version("upgrade_core"),
    "installed": sorted(os.listdir(package)),
    "ok": plan.check().ok,
    "waves": upgrade_core.compile_plan(plan).waves,
}))
"""


def clean_env(keep_preload):
    """This process's environment without Bazel's PYTHONPATH (the venv must
    find only what pip installed) and pip configuration. The sanitizer
    preload (tools/testing/sanitizer_env.sh) is kept where the instrumented
    _core.so or upgradectl run, and dropped for the venv and pip steps."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))}
    if not keep_preload:
        env.pop("LD_PRELOAD", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def run(argv, cwd, env, stdin=None):
    return subprocess.run(argv, cwd=cwd, env=env, input=stdin, capture_output=True,
                          text=True, timeout=120)


class WheelInstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        wheels = glob.glob(os.path.join(WHEEL_DIR, "*.whl"))
        if len(wheels) != 1:
            raise AssertionError(f"expected one wheel in {WHEEL_DIR}, found {wheels}")
        cls.wheel = wheels[0]
        cls.tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        cls.venv = os.path.join(cls.tmp, "venv")
        cls.python = os.path.join(cls.venv, "bin", "python")
        env = clean_env(keep_preload=False)
        env["HOME"] = cls.tmp
        for argv in ([sys.executable, "-m", "venv", cls.venv],
                     # PIP_INSTALL, the glob resolved; no cache or version check
                     # in a test.
                     [cls.python, *PIP_INSTALL.split()[1:-1], "--no-cache-dir",
                      "--disable-pip-version-check", "--quiet", cls.wheel]):
            result = run(argv, cls.tmp, env)
            if result.returncode != 0:
                raise AssertionError(f"{argv} failed ({result.returncode}):\n"
                                     f"{result.stdout}{result.stderr}")
        cls.env = clean_env(keep_preload=True)
        cls.env["HOME"] = cls.tmp

    def upgradectl(self, *args):
        return run([UPGRADECTL, *args], EXAMPLE, self.env)

    def test_wheel_name_and_record(self):
        version = self.upgradectl("version").stdout.split()[1]
        tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
        self.assertRegex(os.path.basename(self.wheel),
                         rf"^upgrade_core-{re.escape(version)}-{tag}-{tag}-linux_\w+\.whl$")
        with zipfile.ZipFile(self.wheel) as archive:
            dist_info = f"upgrade_core-{version}.dist-info"
            record = archive.read(f"{dist_info}/RECORD").decode().splitlines()
            names = set(archive.namelist())
            listed = set()
            for line in record:
                name, digest, size = line.rsplit(",", 2)
                listed.add(name)
                if name == f"{dist_info}/RECORD":
                    self.assertEqual((digest, size), ("", ""))
                    continue
                data = archive.read(name)
                want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                self.assertEqual(digest, "sha256=" + want.decode(), name)
                self.assertEqual(int(size), len(data), name)
            self.assertEqual(listed, names)
            wheel_file = archive.read(f"{dist_info}/WHEEL").decode()
            self.assertIn("Root-Is-Purelib: false\n", wheel_file)
            mode = archive.getinfo("upgrade_core/_bin/upgradectl").external_attr >> 16
            self.assertEqual(mode & 0o777, 0o755)
        for name in ["__init__.py", "__main__.py", "_core.so", "_core.pyi", "py.typed"]:
            self.assertIn(f"upgrade_core/{name}", names)

    def test_imports_and_compiles_a_plan_in_the_venv(self):
        result = run([self.python, "-c", PROBE], self.tmp, self.env, stdin=PLAN)
        self.assertEqual(result.returncode, 0, result.stderr)
        probe = json.loads(result.stdout)
        site_packages = os.path.join(self.venv, "lib")
        self.assertTrue(os.path.realpath(probe["package"]).startswith(
            os.path.realpath(site_packages) + os.sep), probe["package"])
        version = self.upgradectl("version").stdout.split()[1]
        self.assertEqual(probe["version"], version)
        self.assertEqual(probe["metadata_version"], version)
        for name in ["_core.so", "_core.pyi", "py.typed", "__main__.py", "_bin"]:
            self.assertIn(name, probe["installed"])
        self.assertTrue(probe["ok"])
        self.assertEqual(probe["waves"], [["backend"], ["controller"]])

    def test_module_and_console_script_answer_as_upgradectl(self):
        missing = os.path.join(self.tmp, "missing.yaml")
        cases = [
            [],  # usage: exit 2
            ["version"],
            ["--version"],
            ["help"],
            ["validate", "plan.yaml"],
            ["validate", "plan-naive.yaml"],  # findings: exit 1
            ["validate", missing],  # bad input: exit 2
            ["plan", "--format", "json", "plan.yaml"],
            ["check", "--old-defaults", "values-4.11.8.yaml",
             "--new-defaults", "values-4.12.8.yaml", "--values", "my-values.yaml"],
            ["simulate", "plan.yaml", "--cluster", "cluster.yaml"],
            ["run", "--help"],
            ["no-such-command"],
            ["validate", "-"],  # the plan on standard input
        ]
        codes = set()
        for args in cases:
            stdin = PLAN if args[-1:] == ["-"] else ""
            want = run([UPGRADECTL, *args], EXAMPLE, self.env, stdin=stdin)
            codes.add(want.returncode)
            for how, argv in [
                    ("python -m upgrade_core", [self.python, "-m", "upgrade_core"]),
                    ("console script", [os.path.join(self.venv, "bin", "upgradectl")])]:
                with self.subTest(args=args, how=how):
                    got = run(argv + args, EXAMPLE, self.env, stdin=stdin)
                    self.assertEqual(
                        (got.returncode, got.stdout, got.stderr),
                        (want.returncode, want.stdout, want.stderr))
        self.assertEqual(codes, {0, 1, 2})

    def test_install_page_gives_this_command(self):
        with open(INSTALL_MD, encoding="utf-8") as f:
            blocks = markdown_blocks.parse(f.read())
        commands = [line for b in blocks if b.lang == "sh" for line in b.code.splitlines()]
        self.assertIn("bazel build //bindings/python:wheel && " + PIP_INSTALL, commands)

    def test_install_page_python_example_prints_what_it_says(self):
        with open(INSTALL_MD, encoding="utf-8") as f:
            blocks = [b for b in markdown_blocks.parse(f.read()) if b.lang == "python"]
        self.assertEqual(len(blocks), 1)
        self.assertIsNotNone(blocks[0].prints)
        script = os.path.join(self.tmp, "install_md_example.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(blocks[0].code)
        # From the repository's root, as the page says; the script's own
        # directory (not the root) is first on sys.path.
        got = run([self.python, script], ROOT, self.env)
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertEqual(got.stdout, blocks[0].prints)

    def test_install_page_commands_answer_as_upgradectl(self):
        with open(INSTALL_MD, encoding="utf-8") as f:
            blocks = markdown_blocks.parse(f.read())
        shown = 0
        for block in blocks:
            for line in block.code.splitlines() if block.lang == "sh" else []:
                for prefix, argv in [
                        ("python3 -m upgrade_core ", [self.python, "-m", "upgrade_core"]),
                        ("upgradectl ", [os.path.join(self.venv, "bin", "upgradectl")])]:
                    if not line.startswith(prefix):
                        continue
                    shown += 1
                    args = line[len(prefix):].split()
                    with self.subTest(line=line):
                        want = run([UPGRADECTL, *args], ROOT, self.env)
                        got = run(argv + args, ROOT, self.env)
                        self.assertEqual(want.returncode, 0, want.stderr)
                        self.assertEqual(
                            (got.returncode, got.stdout, got.stderr),
                            (want.returncode, want.stdout, want.stderr))
        self.assertGreaterEqual(shown, 3)

    def test_site_package_runs_upgradectl_too(self):
        env = dict(self.env, PYTHONPATH=SITE)
        got = run([sys.executable, "-S", "-m", "upgrade_core", "validate", "plan.yaml"],
                  EXAMPLE, env)
        want = self.upgradectl("validate", "plan.yaml")
        self.assertEqual((got.returncode, got.stdout, got.stderr),
                         (want.returncode, want.stdout, want.stderr))

    def test_without_the_program_says_where_it_ships(self):
        # The Bazel py_library (runfiles) has no _bin/: a clear error, exit 127.
        env = clean_env(keep_preload=True)
        env["PYTHONPATH"] = os.path.join(ROOT, "bindings", "python")
        got = run([sys.executable, "-S", "-m", "upgrade_core", "version"], self.tmp, env)
        self.assertEqual(got.returncode, 127, got.stderr)
        self.assertEqual(got.stdout, "")
        self.assertIn("has no upgradectl program", got.stderr)
        self.assertIn("docs/install.md", got.stderr)


if __name__ == "__main__":
    unittest.main()

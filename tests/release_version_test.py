"""Issue 17: the release number is defined once, in upgrade_core/version_info.h
(kVersion), and every place that shows it agrees: `upgradectl --version` (run
as a process), SARIF `tool.driver.version`, Python `upgrade_core.__version__`
(from `_core.__version__`), the laid-out package outside Bazel and its
metadata (`importlib.metadata.version`), CHANGELOG.md's newest release, and
every `upgradectl X.Y.Z` the README, the guides, docs/ and the CLI's help show.
"""

import glob
import json
import os
import re
import subprocess
import sys
import unittest

import upgrade_core
from upgrade_core import _core

ROOT = os.path.join(os.environ.get("TEST_SRCDIR", "."), "upgrade_core")
UPGRADECTL = os.path.join(ROOT, "tools", "upgradectl", "upgradectl")
SITE = os.path.join(ROOT, "bindings", "python", "site")
EXAMPLE = os.path.join(ROOT, "examples", "rke2-ingress-nginx")

# semver.org's grammar (no leading zeros; optional pre-release and build).
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?")


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def header_version():
    """kVersion as written in upgrade_core/version_info.h (exactly once)."""
    found = re.findall(
        r'^inline constexpr absl::string_view kVersion = "([^"]*)";$',
        read("upgrade_core", "version_info.h"), re.MULTILINE)
    if len(found) != 1:
        raise AssertionError(f"version_info.h defines kVersion {len(found)} times")
    return found[0]


def run(*args):
    return subprocess.run([UPGRADECTL, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


class ReleaseVersionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.version = header_version()

    def test_header_defines_a_semver_version(self):
        self.assertRegex(self.version, "^" + SEMVER.pattern + "$")

    def test_upgradectl_prints_it(self):
        want = (f"upgradectl {self.version} (plan schema upgrade-core/v1, "
                "JSON output version 3)\n")
        for args in (["--version"], ["version"]):
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, want)
                self.assertEqual(result.stderr, "")

    def test_sarif_names_it(self):
        result = run("check",
                     "--old-defaults", os.path.join(EXAMPLE, "values-4.11.8.yaml"),
                     "--new-defaults", os.path.join(EXAMPLE, "values-4.12.8.yaml"),
                     "--values", os.path.join(EXAMPLE, "my-values.yaml"),
                     "--format", "sarif")
        self.assertEqual(result.returncode, 0, result.stderr)
        driver = json.loads(result.stdout)["runs"][0]["tool"]["driver"]
        self.assertEqual(driver["version"], self.version)

    def test_python_package_reads_it_from_the_core(self):
        self.assertEqual(_core.__version__, self.version)
        self.assertEqual(upgrade_core.__version__, self.version)

    def test_laid_out_package_and_its_metadata(self):
        # As a user runs it: PYTHONPATH=bazel-bin/bindings/python/site, no
        # site-packages (-S), so nothing else named upgrade_core can answer.
        env = dict(os.environ, PYTHONPATH=SITE)
        result = subprocess.run(
            [sys.executable, "-S", "-c",
             "import importlib.metadata as m, os, upgrade_core\n"
             "print(os.path.dirname(upgrade_core.__file__))\n"
             "print(upgrade_core.__version__)\n"
             "print(m.version('upgrade_core'))\n"
             "print(m.metadata('upgrade_core')['License'])\n"],
            env=env, cwd="/", capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        package_dir, version, metadata_version, license_ = (
            result.stdout.splitlines())
        self.assertEqual(os.path.realpath(package_dir),
                         os.path.realpath(os.path.join(SITE, "upgrade_core")))
        self.assertEqual(version, self.version)
        self.assertEqual(metadata_version, self.version)
        self.assertEqual(license_, "Apache-2.0")
        with open(os.path.join(SITE, "upgrade_core.dist-info", "LICENSE"),
                  encoding="utf-8") as f:
            self.assertIn("Apache License\n", f.read())

    def test_changelog_newest_release_is_it(self):
        headings = re.findall(r"^## \[([^\]]+)\]", read("CHANGELOG.md"),
                              re.MULTILINE)
        self.assertGreaterEqual(len(headings), 2, headings)
        self.assertEqual(headings[0], "Unreleased")
        self.assertEqual(headings[1], self.version)
        for heading in headings[1:]:
            self.assertRegex(heading, "^" + SEMVER.pattern + "$")

    def test_docs_and_help_show_it(self):
        texts = {"upgradectl version --help": run("version", "--help").stdout}
        for name in ["README.md", "CONTRIBUTING.md"]:
            texts[name] = read(name)
        for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
            with open(path, encoding="utf-8") as f:
                texts["docs/" + os.path.basename(path)] = f.read()
        self.assertIn("docs/versioning.md", texts)
        shown = 0
        for name, text in texts.items():
            for match in re.finditer(r"upgradectl v?(\d+\.\d+\.\d+\S*)", text):
                shown += 1
                with self.subTest(file=name, text=match.group(0)):
                    self.assertEqual(match.group(1).rstrip(".,;:)`"),
                                     self.version)
        self.assertGreater(shown, 0, "no document shows the version")

    def test_readme_links_the_project_files(self):
        readme = read("README.md")
        for target in ["LICENSE", "CHANGELOG.md", "CONTRIBUTING.md",
                       "docs/versioning.md"]:
            with self.subTest(target=target):
                self.assertIn(f"]({target})", readme)
                self.assertTrue(os.path.exists(os.path.join(ROOT, target)))


if __name__ == "__main__":
    unittest.main()

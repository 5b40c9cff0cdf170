"""The laid-out package (//bindings/python:site) imports on its own, as it does
for users who put bazel-bin/bindings/python/site on PYTHONPATH."""

import os
import subprocess
import sys
import unittest


class SitePackageTest(unittest.TestCase):
    def test_imports_outside_bazel_runfiles_layout(self):
        here = os.path.dirname(os.path.abspath(__file__))
        site = os.path.join(here, "..", "site")
        self.assertTrue(os.path.exists(os.path.join(site, "upgrade_core", "_core.so")))
        env = dict(os.environ, PYTHONPATH=site)
        out = subprocess.run(
            [sys.executable, "-S", "-c",
             "import upgrade_core, os; print(os.path.dirname(upgrade_core.__file__));"
             "print(upgrade_core.Version('v1.2'))"],
            env=env, capture_output=True, text=True, check=True, cwd="/")
        package_dir, version = out.stdout.split()
        self.assertEqual(os.path.realpath(package_dir),
                         os.path.realpath(os.path.join(site, "upgrade_core")))
        self.assertEqual(version, "1.2.0")


if __name__ == "__main__":
    unittest.main()

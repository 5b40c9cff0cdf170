"""Another Bazel workspace builds against upgrade_core (docs/embedding-cpp.md).

examples/consumer is a workspace of its own: it declares upgrade_core with
local_repository and calls deps.bzl's upgrade_core_dependencies(), as the
page tells users to. This test runs the Debian `bazel` there in batch mode
(no server left behind) with a private output root under TEST_TMPDIR
(nothing shared with the outer build, no convenience symlinks in the source
tree) and downloads disabled (the setup must be offline), builds the
consumer's program and runs it.

It compiles the part of the library the program uses from scratch (minutes:
docs/embedding-cpp.md has the figures), so it runs once per `bazel test //...`
that changed that part, and not under --config=asan (.bazelrc filters the
`no_asan` tag): a nested Bazel under the sanitizer wrapper would preload the
sanitizer runtimes into the compiler and the JVM.

examples/consumer is outside the main workspace (.bazelignore), so its files
are not inputs of this test: after editing only them, rerun with
--cache_test_results=no.
"""

import os
import shutil
import subprocess
import time
import unittest


def source_root():
    """The repository on disk (the consumer's local_repository points there)."""
    marker = os.path.join(os.environ["TEST_SRCDIR"], "upgrade_core", "api",
                          "BUILD.bazel")
    return os.path.dirname(os.path.dirname(os.path.realpath(marker)))


class ConsumerWorkspaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.consumer = os.path.join(source_root(), "examples", "consumer")
        tmp = os.environ["TEST_TMPDIR"]
        env = dict(os.environ, HOME=tmp)
        # The outer test's runfiles variables would mislead the inner build.
        for name in list(env):
            if name.startswith(("RUNFILES_", "TEST_", "BUILD_")):
                del env[name]
        bazel = [shutil.which("bazel") or "/usr/bin/bazel", "--batch",
                 "--nohome_rc",
                 "--output_user_root=" + os.path.join(tmp, "bazel")]
        start = time.monotonic()
        cls.build = subprocess.run(
            bazel + ["build", "--experimental_repository_disable_download",
                     "--experimental_convenience_symlinks=ignore",
                     "//:rollout"],
            cwd=cls.consumer, env=env, capture_output=True, text=True,
            timeout=840)
        print("consumer build: %.0f s" % (time.monotonic() - start))
        cls.bin = subprocess.run(
            bazel + ["info", "bazel-bin"], cwd=cls.consumer, env=env,
            capture_output=True, text=True, timeout=120).stdout.strip()

    def rollout(self, *args):
        return subprocess.run([os.path.join(self.bin, "rollout"), *args],
                              cwd=self.consumer, capture_output=True,
                              text=True, timeout=60)

    def test_builds(self):
        self.assertEqual(self.build.returncode, 0, self.build.stderr[-5000:])

    def test_runs(self):
        if self.build.returncode != 0:
            self.skipTest("the build failed (test_builds)")
        cases = [
            # (arguments, exit code, text that must appear)
            (["plan.yaml"], 0, "Wave 1: controller\n"),
            (["plan.yaml"], 0, "run controller/terminate-old\n"
                               "run controller/start-new\n"),
            (["plan.yaml"], 0, "plan: succeeded\n"),
            (["missing.yaml"], 2, "missing.yaml"),
            ([], 2, "usage: rollout PLAN.yaml"),
        ]
        for args, code, text in cases:
            with self.subTest(args=args, text=text):
                result = self.rollout(*args)
                self.assertEqual(result.returncode, code, result.stderr)
                self.assertIn(text, result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()

"""upgrade_core.Version, Constraint and check_version_skew from Python: the
first real binding, so it also checks that a C++ InvalidArgument status
arrives as upgrade_core.InputError (a ValueError) with its message."""

import pickle
import unittest

import upgrade_core
from upgrade_core import Constraint, InputError, Version, check_version_skew


class VersionTest(unittest.TestCase):
    def test_fields_and_normalized_str(self):
        cases = [
            # text, strict, (major, minor, patch, prerelease, build), str
            ("1.2.3", False, (1, 2, 3, "", ""), "1.2.3"),
            ("v1.2", False, (1, 2, 0, "", ""), "1.2.0"),
            ("v1.31.5+rke2r1", False, (1, 31, 5, "", "rke2r1"), "1.31.5+rke2r1"),
            ("v1.32.2-rc1+rke2r1", False, (1, 32, 2, "rc1", "rke2r1"),
             "1.32.2-rc1+rke2r1"),
            ("v1.28.3-gke.100", False, (1, 28, 3, "gke.100", ""),
             "1.28.3-gke.100"),
            ("01.02.03", False, (1, 2, 3, "", ""), "1.2.3"),
            ("1.0.0-alpha.1+001", True, (1, 0, 0, "alpha.1", "001"),
             "1.0.0-alpha.1+001"),
            ("18446744073709551615.0.0", True,
             (18446744073709551615, 0, 0, "", ""), "18446744073709551615.0.0"),
        ]
        for text, strict, fields, normalized in cases:
            with self.subTest(text=text, strict=strict):
                v = Version(text, strict=strict)
                self.assertEqual(
                    (v.major, v.minor, v.patch, v.prerelease, v.build), fields)
                self.assertEqual(v.original, text)
                self.assertEqual(str(v), normalized)
                self.assertEqual(v.is_prerelease, fields[3] != "")
                self.assertEqual(repr(v), f"Version({text!r})")

    def test_invalid_raises_input_error_with_position(self):
        cases = [
            ("", False, "empty version at position 0"),
            ("1.2.x", False, "unexpected 'x' (expected a digit after '.') at position 4"),
            ("1.2.3-01", False, "leading zero in a numeric prerelease identifier at position 6"),
            ("v1.2.3", True, "a leading 'v' is not SemVer (strict mode) at position 0"),
            ("1.2", True, "at position 3"),
            ("1.2.3 ", False, "at position 5"),
        ]
        for text, strict, message in cases:
            with self.subTest(text=text, strict=strict):
                with self.assertRaises(InputError) as ctx:
                    Version(text, strict=strict)
                err = ctx.exception
                self.assertIsInstance(err, ValueError)
                self.assertIsInstance(err, upgrade_core.Error)
                self.assertEqual(err.code, "INVALID_ARGUMENT")
                self.assertIn(message, str(err))
                self.assertIn(f'invalid version "{text}"', str(err))

    def test_total_ordering(self):
        ascending = ["0.9.0", "1.0.0-0", "1.0.0-alpha", "1.0.0-alpha.1",
                     "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
                     "v1.2", "1.10.0", "2.0.0"]
        vs = [Version(t) for t in ascending]
        self.assertEqual([v.original for v in sorted(reversed(vs))], ascending)
        for i, a in enumerate(vs):
            for j, b in enumerate(vs):
                with self.subTest(a=a, b=b):
                    self.assertEqual(a < b, i < j)
                    self.assertEqual(a <= b, i <= j)
                    self.assertEqual(a > b, i > j)
                    self.assertEqual(a >= b, i >= j)
                    self.assertEqual(a == b, i == j)
                    self.assertEqual(a != b, i != j)
        self.assertEqual(max(vs), Version("2.0.0"))

    def test_build_metadata_equality_and_hash(self):
        a, b = Version("1.2.3+build.1"), Version("v1.2.3+build.2")
        self.assertEqual(a, b)
        self.assertEqual(hash(a), hash(b))
        self.assertEqual(len({a, b, Version("1.2.3")}), 1)
        self.assertNotEqual(str(a), str(b))
        self.assertNotEqual(Version("1.2.3-rc.1"), Version("1.2.3"))
        self.assertEqual({Version("v1.2"): "x"}[Version("1.2.0")], "x")

    def test_comparison_with_other_types(self):
        self.assertFalse(Version("1.0.0") == "1.0.0")
        self.assertTrue(Version("1.0.0") != "1.0.0")
        with self.assertRaises(TypeError):
            Version("1.0.0") < "2.0.0"

    def test_pickle_round_trip(self):
        v = Version("v1.32.2-rc1+rke2r1")
        w = pickle.loads(pickle.dumps(v))
        self.assertEqual(w, v)
        self.assertEqual(w.original, v.original)
        self.assertEqual(w.build, "rke2r1")


class ConstraintTest(unittest.TestCase):
    def test_allows_table(self):
        cases = [
            (">= 1.28.0-0", "v1.28.3-gke.100", True),
            (">= 1.28.0", "v1.28.3-gke.100", False),
            (">= 1.28.0", "v1.31.5+rke2r1", True),
            (">=1.2 <2.0 || 3.x", "3.4.0", True),
            (">=1.2 <2.0 || 3.x", "2.4.0", False),
            ("^1.2.3", "1.9.0", True),
            ("^1.2.3", "2.0.0", False),
            ("~1.2.3", "1.2.9", True),
            ("~1.2.3", "1.3.0", False),
            ("1.2 - 1.4.5", "1.4.5", True),
            ("1.2 - 1.4.5", "1.4.6", False),
            ("1.2-1.4.5", "1.2.7", True),   # prerelease version, not a range
            ("1.2-1.4.5", "1.3.0", False),
            ("^*", "1.2.3", False),         # Masterminds: only 0.0.0
            ("*", "1.2.3-beta", False),
            ("!=1.2.3, >1", "1.5.0", False),  # ">1" means >= 2.0.0
            ("!=1.2.3, >1", "2.5.0", True),
        ]
        for text, version, want in cases:
            with self.subTest(constraint=text, version=version):
                c = Constraint(text)
                self.assertEqual(c.allows(version), want)
                self.assertEqual(c.allows(Version(version)), want)
                self.assertEqual(version in c, want)
                self.assertEqual(Constraint(str(c)).allows(version), want)

    def test_canonical_str_and_repr(self):
        cases = [
            (">= 1.2", ">=1.2.0"),
            (">= 1.28.0-0 < 1.31", ">=1.28.0-0 <1.31.0"),
            ("1.2 - 1.4.5", ">=1.2.0 <=1.4.5"),
            ("=> v1.2.3, != 1.2.5 || ~> 2.1", ">=1.2.3 !=1.2.5 || ~2.1.x"),
            ("1.2", "1.2.x"),
        ]
        for text, canonical in cases:
            with self.subTest(text=text):
                c = Constraint(text)
                self.assertEqual(str(c), canonical)
                self.assertEqual(c.original, text)
                self.assertEqual(repr(c), f"Constraint({text!r})")

    def test_include_prerelease(self):
        self.assertFalse(Constraint(">=1.0 <2").allows("1.5.0-rc.1"))
        c = Constraint(">=1.0 <2", include_prerelease=True)
        self.assertTrue(c.include_prerelease)
        self.assertTrue(c.allows("1.5.0-rc.1"))

    def test_invalid_raises_value_error_with_position(self):
        cases = [
            ("", "empty constraint at position 0"),
            ("   ", "empty constraint at position 0"),
            (">=", "expected a version at position 2"),
            (">=1.2<2", "at position 5"),
            ("1.2 ||", "empty \"||\" alternative) at position 6"),
            ("1x", "at position 1"),
            ("1.0 2 - 3", "at position 3"),
        ]
        for text, message in cases:
            with self.subTest(text=text):
                with self.assertRaises(ValueError) as ctx:
                    Constraint(text)
                self.assertIsInstance(ctx.exception, InputError)
                self.assertIn(message, str(ctx.exception))

    def test_allows_rejects_bad_version_arguments(self):
        c = Constraint(">=1.0")
        with self.assertRaises(InputError):
            c.allows("1.x")
        with self.assertRaises(TypeError):
            c.allows(1.0)


class BatchTest(unittest.TestCase):
    """Constraint.allows_all and upgrade_core.match agree with allows()."""

    CONSTRAINTS = [">=1.2 <2", "^1.28.0-0", "~1.2.3", "1.x || >=3", ">= 1.28.0-0",
                   "1.2 - 1.4.5", "!=1.5.0", "*", "=v2.0.0"]
    VERSIONS = ["1.2.0", "1.9.9", "2.0.0", "v1.31.5+rke2r1", "1.32.2-rc1+rke2r1",
                "1.2.9", "1.4.5", "1.5.0", "3.1", "0.9.0", "1.28.0-rc.1", "v2"]

    def test_matches_single_calls(self):
        versions = [Version(v) for v in self.VERSIONS]
        for text in self.CONSTRAINTS:
            c = Constraint(text)
            want = [c.allows(v) for v in self.VERSIONS]
            with self.subTest(constraint=text):
                self.assertEqual(c.allows_all(self.VERSIONS), want)
                self.assertEqual(c.allows_all(versions), want)
                self.assertEqual(c.allows_all(iter(self.VERSIONS)), want)
                self.assertEqual(upgrade_core.match(text, self.VERSIONS), want)
                self.assertEqual(upgrade_core.match(c, versions), want)

    def test_pairwise(self):
        pairs = [(c, v) for c in self.CONSTRAINTS for v in self.VERSIONS]
        want = [Constraint(c).allows(v) for c, v in pairs]
        cs, vs = [c for c, _ in pairs], [v for _, v in pairs]
        parsed_cs = [Constraint(c) for c in cs]
        parsed_vs = [Version(v) for v in vs]
        cases = [("strings", cs, vs), ("parsed", parsed_cs, parsed_vs),
                 ("mixed", [x if i % 2 else y for i, (x, y) in enumerate(zip(cs, parsed_cs))],
                  [x if i % 3 else y for i, (x, y) in enumerate(zip(vs, parsed_vs))]),
                 ("tuples", tuple(cs), tuple(parsed_vs))]
        for name, c, v in cases:
            with self.subTest(name):
                self.assertEqual(upgrade_core.match(c, v), want)
        self.assertEqual(upgrade_core.match([], []), [])
        # include_prerelease is the parsed constraint's own.
        c = Constraint(">=1.0 <2", include_prerelease=True)
        self.assertEqual(c.allows_all(["1.5.0-rc.1"]), [True])
        self.assertEqual(upgrade_core.match(">=1.0 <2", ["1.5.0-rc.1"]), [False])

    def test_subclass_items(self):
        class MyVersion(Version):
            pass
        self.assertEqual(Constraint("^1").allows_all([MyVersion("1.3.0")]), [True])

    def test_bad_input(self):
        c = Constraint(">=1.0")
        cases = [
            # call, error, message fragment
            (lambda: c.allows_all(["1.0", "1.x"]), InputError, "versions[1]: invalid version"),
            (lambda: c.allows_all(["1.0", 2]), TypeError, "versions[1] must be an"),
            (lambda: c.allows_all("1.0"), TypeError, "not a single str"),
            (lambda: c.allows_all(5), TypeError, "not iterable"),
            (lambda: upgrade_core.match(["1", ">>1"], ["1", "1"]), InputError,
             "constraints[1]: invalid constraint"),
            (lambda: upgrade_core.match(["1"], ["1", "2"]), ValueError, "same length"),
            (lambda: upgrade_core.match([1], ["1"]), TypeError, "constraints[0] must be an"),
        ]
        for call, error, fragment in cases:
            with self.subTest(fragment):
                with self.assertRaises(error) as ctx:
                    call()
                self.assertIn(fragment, str(ctx.exception))

    def test_large_batch_while_another_thread_runs(self):
        # The batch runs without the GIL: another Python thread keeps running.
        import threading
        versions = [Version(f"1.{i % 50}.{i % 7}") for i in range(200_000)]
        c = Constraint(">=1.10 <1.40 || 1.45.x")
        ticks, done = [], threading.Event()

        def tick():
            while not done.is_set():
                ticks.append(1)

        t = threading.Thread(target=tick)
        t.start()
        try:
            got = c.allows_all(versions)
        finally:
            done.set()
            t.join()
        self.assertEqual(sum(got), sum(c.allows(v) for v in versions))


class SkewTest(unittest.TestCase):
    def test_compliant_cluster(self):
        self.assertEqual(check_version_skew({
            "kube-apiserver": "v1.31.5+rke2r1",
            "kubelet": ["1.31.5", "1.30.2", "1.28.0"],
            "kube-proxy": "1.31.5",
            "kube-controller-manager": "1.31.5",
            "kube-scheduler": Version("1.30.0"),
            "cloud-controller-manager": "1.31.0",
            "kubectl": "1.32.0",
        }), [])
        self.assertEqual(upgrade_core.SKEW_POLICY_RELEASE, "1.35")

    def test_violations_table(self):
        cases = [
            ({"kube-apiserver": "1.31.5", "kubelet": "1.27.2"},
             [("kubelet", "1.27.2", "kube-apiserver", "1.31.5",
               "kubelet-vs-apiserver")]),
            ({"kube-apiserver": "1.31.5", "kubelet": "1.32.0"},
             [("kubelet", "1.32.0", "kube-apiserver", "1.31.5",
               "kubelet-vs-apiserver")]),
            ({"kube-apiserver": ["1.31.0", "1.29.0"]},
             [("kube-apiserver", "1.31.0", "kube-apiserver", "1.29.0",
               "apiserver-ha")]),
            ({"kube-apiserver": "1.31.0", "kubectl": "1.29.9"},
             [("kubectl", "1.29.9", "kube-apiserver", "1.31.0",
               "kubectl-vs-apiserver")]),
            ({"kubelet": {"node-a": "1.31.0", "node-b": "1.27.0"},
              "kube-proxy": {"node-a": "1.27.0", "node-b": "1.27.0"}},
             [("kube-proxy", "1.27.0", "kubelet", "1.31.0",
               "kube-proxy-vs-kubelet")]),
            ({"kube-apiserver": "1.31.0", "kube-scheduler": "1.29.0",
              "kube-controller-manager": "1.32.0"},
             [("kube-controller-manager", "1.32.0", "kube-apiserver", "1.31.0",
               "kube-controller-manager-vs-apiserver"),
              ("kube-scheduler", "1.29.0", "kube-apiserver", "1.31.0",
               "kube-scheduler-vs-apiserver")]),
        ]
        for components, want in cases:
            with self.subTest(components=components):
                got = [(v.component, str(v.version), v.other_component,
                        str(v.other_version), v.rule)
                       for v in check_version_skew(components)]
                self.assertEqual(got, want)

    def test_violation_fields(self):
        (v,) = check_version_skew(
            {"kube-apiserver": "1.31.5", "kubelet": {"node-7": "1.27.9"}})
        self.assertEqual(v.instance, "node-7")
        self.assertEqual(v.other_instance, "")
        self.assertIsInstance(v.version, Version)
        self.assertEqual(v.message,
                         "kubelet (node-7) 1.27.9 is 4 minor versions older than "
                         "kube-apiserver 1.31.5; kubelet may be at most 3 minor "
                         "versions older")
        self.assertIn("three minor versions older", v.rule_text)
        self.assertIn("kubelet-vs-apiserver", repr(v))

    def test_bad_input(self):
        with self.assertRaises(InputError) as ctx:
            check_version_skew({"kube-dns": "1.0.0"})
        self.assertIn('unknown Kubernetes component "kube-dns"', str(ctx.exception))
        with self.assertRaises(InputError) as ctx:
            check_version_skew({"kubelet": "one.two"})
        self.assertIn('invalid version "one.two"', str(ctx.exception))
        with self.assertRaises(TypeError):
            check_version_skew({"kubelet": 1.28})
        with self.assertRaises(TypeError):
            check_version_skew({1: "1.28.0"})


if __name__ == "__main__":
    unittest.main()

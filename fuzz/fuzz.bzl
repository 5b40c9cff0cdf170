"""upgrade_core_fuzzer: a libFuzzer target and its corpus replay test."""

# The project's warning flags (.bazelrc applies them to the other packages).
FUZZ_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-sign-compare",
    "-Wno-unused-parameter",
]

def upgrade_core_fuzzer(name, deps):
    """Defines <name>_fuzzer, <name>_fuzzer_lib and <name>_fuzzer_test.

    <name>_fuzzer.cc defines LLVMFuzzerTestOneInput; corpus/<name>/ holds its
    seed inputs.

    * <name>_fuzzer: under --config=fuzz (which sets --define=fuzz=1 and
      builds with clang + -fsanitize=fuzzer-no-link,address,undefined) a
      libFuzzer binary (linked with -fsanitize=fuzzer); otherwise the same
      code with replay_main.cc, which runs the files and directories named
      on its command line.
    * <name>_fuzzer_test: a cc_test that replays corpus/<name>/ through the
      target with replay_main.cc in every configuration, so that a plain
      `bazel test //...` compiles every target and checks its properties on
      the seeds (and any reproducer added there).
    * <name>_reproducers_test (manual; only when reproducers/<name>/ has
      files): replays the inputs of bugs fuzzing found that are still open
      (docs/reliability.md). It fails until they are fixed; then move the
      files into corpus/<name>/ so the replay test keeps them fixed.
    """
    lib = name + "_fuzzer_lib"
    native.cc_library(
        name = lib,
        testonly = True,
        srcs = [name + "_fuzzer.cc"],
        copts = FUZZ_COPTS,
        deps = deps + [":fuzz_check"],
        alwayslink = True,
    )
    native.cc_binary(
        name = name + "_fuzzer",
        testonly = True,
        copts = FUZZ_COPTS,
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = [":" + lib] + select({
            ":libfuzzer": [],
            "//conditions:default": [":replay_main"],
        }),
    )
    native.cc_test(
        name = name + "_fuzzer_test",
        size = "small",
        args = ["fuzz/corpus/" + name],
        data = native.glob(["corpus/" + name + "/**"]),
        deps = [
            ":" + lib,
            ":replay_main",
        ],
    )
    reproducers = native.glob(["reproducers/" + name + "/**"])
    if reproducers:
        native.cc_test(
            name = name + "_reproducers_test",
            size = "small",
            args = ["fuzz/reproducers/" + name],
            data = reproducers,
            tags = ["manual"],
            deps = [
                ":" + lib,
                ":replay_main",
            ],
        )

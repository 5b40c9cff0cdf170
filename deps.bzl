"""The repositories upgrade_core's BUILD files use, for any WORKSPACE.

upgrade_core's own WORKSPACE and a workspace that depends on it
(docs/embedding-cpp.md) both call:

    load("@upgrade_core//:deps.bzl", "upgrade_core_dependencies")
    upgrade_core_dependencies()

Each repository is one directory of third_party/: a BUILD file that wraps a
Debian package (headers on the system include path, libraries by -l flags),
or a stand-in for a rules_* repository that re-exports Bazel 4's native rules.
Nothing is downloaded. The directories are found through this file's own
label, so the same macro works whether upgrade_core is the main repository or
an external one, wherever it lives on disk.

A repository that the calling WORKSPACE has already declared is left alone
(the first declaration wins, as with bazel_tools' maybe()). upgrade_core's
BUILD files expect these wrappers' targets (`@com_google_absl//:absl`,
`@zlib//:zlib`, ...), so a workspace that brings its own repository under one
of these names must provide the same targets.
"""

load("//third_party/python:python_configure.bzl", "python_configure")

# Resolved here, at load time, so that it names upgrade_core's third_party/
# (not the calling workspace's) whichever repository loads this file.
_THIRD_PARTY_BUILD = Label("//third_party:BUILD")

# Repository name -> its directory under third_party/.
_THIRD_PARTY = {
    # Stand-ins: Bazel 4's own WORKSPACE suffix would download these.
    "rules_cc": "rules_cc",
    "rules_java": "rules_java",
    "rules_proto": "rules_proto",
    "rules_python": "rules_python",
    "remote_coverage_tools": "remote_coverage_tools",
    # Debian packages (tools/bootstrap.sh installs them; docs/building.md).
    "com_google_protobuf": "protobuf",
    "com_google_absl": "absl",
    "yaml_cpp": "yaml_cpp",
    "libyaml": "libyaml",
    "libarchive": "libarchive",
    "valijson": "valijson",
    "zlib": "zlib",
    "openssl": "openssl",
    "com_google_googletest": "googletest",
    "com_github_google_benchmark": "benchmark",
    "pybind11": "pybind11",
}

def _third_party_repository_impl(ctx):
    src = ctx.path(_THIRD_PARTY_BUILD).dirname.get_child(ctx.attr.dir)
    if not src.exists:
        fail("upgrade_core: no third_party/%s directory at %s" % (ctx.attr.dir, src))

    # The directory's files (BUILD, WORKSPACE, scripts, .bzl subdirectories)
    # are linked, not copied: edits to them are seen at once.
    for child in src.readdir():
        ctx.symlink(child, child.basename)

_third_party_repository = repository_rule(
    implementation = _third_party_repository_impl,
    attrs = {"dir": attr.string(mandatory = True)},
    local = True,
)

def upgrade_core_dependencies():
    """Declares every repository upgrade_core's BUILD files name.

    Declares nothing that the calling WORKSPACE already declared. Does not
    register the Python toolchain (upgrade_core's own WORKSPACE does, for its
    py_test targets).
    """
    for name, directory in _THIRD_PARTY.items():
        if not native.existing_rule(name):
            _third_party_repository(name = name, dir = directory)
    if not native.existing_rule("local_python"):
        # Headers of the python3 on PATH, for the pybind11 module. Only
        # evaluated when a target that needs them is built.
        python_configure(name = "local_python")

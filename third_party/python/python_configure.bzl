"""Repository rule exposing the headers of the `python3` found on PATH."""

def _python_configure_impl(ctx):
    python3 = ctx.which("python3")
    if not python3:
        fail("python3 not found on PATH; run tools/bootstrap.sh")
    result = ctx.execute([
        python3,
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['include'])",
    ])
    if result.return_code != 0:
        fail("python3 could not report its include directory: " + result.stderr)
    include_dir = result.stdout.strip()
    if not ctx.path(include_dir + "/Python.h").exists:
        fail("Python.h not found in %s; install python3-dev" % include_dir)
    ctx.symlink(include_dir, "include")
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

cc_library(
    name = "python_headers",
    hdrs = glob(["include/**/*.h"]),
    includes = ["include"],
)
""")

python_configure = repository_rule(
    implementation = _python_configure_impl,
    environ = ["PATH"],
    local = True,
)

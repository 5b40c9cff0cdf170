"""site_package: lays out an importable `upgrade_core` package directory.

Bazel keeps sources and the built extension in different trees; this rule
copies both into `<name>/upgrade_core/` under bazel-bin, so
`PYTHONPATH=bazel-bin/bindings/python/<name>` works outside Bazel.
"""

def _site_package_impl(ctx):
    outputs = []
    for f in ctx.files.srcs:
        out = ctx.actions.declare_file("%s/%s/%s" % (ctx.label.name, ctx.attr.package, f.basename))
        ctx.actions.run_shell(
            inputs = [f],
            outputs = [out],
            command = "cp -L '%s' '%s'" % (f.path, out.path),
        )
        outputs.append(out)
    return [DefaultInfo(files = depset(outputs), runfiles = ctx.runfiles(files = outputs))]

site_package = rule(
    implementation = _site_package_impl,
    attrs = {
        "package": attr.string(mandatory = True),
        "srcs": attr.label_list(allow_files = True, mandatory = True),
    },
)

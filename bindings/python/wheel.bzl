"""py_wheel_dir: a directory holding the package's wheel (PEP 427).

`bazel build //bindings/python:wheel` writes
`bazel-bin/bindings/python/wheel/upgrade_core-<version>-cpXY-cpXY-<platform>.whl`.
The file name carries the release (read from the site package's METADATA,
which //upgrade_core:print_version wrote) and the CPython the extension was
compiled for (its patchlevel.h), neither known when Bazel analyses the build,
so the rule's output is the directory and make_wheel.py names the file in it.

The wheel holds exactly what the site package lays out (see site_package.bzl):
the Python sources, `_core.so`, `_core.pyi`, `py.typed`, the bundled
`_bin/upgradectl`, and the METADATA and LICENSE, with the WHEEL file, an
`upgradectl` console script and the RECORD of sha256 hashes added.
"""

def _py_wheel_dir_impl(ctx):
    site = ctx.attr.site
    prefix = "%s/%s/" % (site.label.package, site.label.name) if site.label.package else site.label.name + "/"
    dist_info = ctx.attr.distribution + ".dist-info/"
    package_files = []
    dist_info_files = []
    metadata = None
    for f in site[DefaultInfo].files.to_list():
        if not f.short_path.startswith(prefix):
            fail("%s is not under %s" % (f.short_path, prefix))
        rel = f.short_path[len(prefix):]
        if rel == dist_info + "METADATA":
            metadata = f
        elif rel.startswith(dist_info):
            dist_info_files.append((rel[len(dist_info):], f))
        else:
            package_files.append((rel, f))
    if not metadata:
        fail("%s has no %sMETADATA" % (site.label, dist_info))

    patchlevel = [
        h
        for h in ctx.attr.python_headers[CcInfo].compilation_context.headers.to_list()
        if h.basename == "patchlevel.h" and h.dirname.endswith("/include")
    ]
    if len(patchlevel) != 1:
        fail("expected one include/patchlevel.h in %s, found %d" %
             (ctx.attr.python_headers.label, len(patchlevel)))

    out = ctx.actions.declare_directory(ctx.label.name)
    args = ctx.actions.args()
    args.add("--out_dir", out.path)
    args.add("--distribution", ctx.attr.distribution)
    args.add("--metadata", metadata)
    args.add("--patchlevel_h", patchlevel[0])
    for name, f in dist_info_files:
        args.add("--dist_info_file", "%s=%s" % (name, f.path))
    for script in ctx.attr.console_scripts:
        args.add("--console_script", script)
    for rel, _ in package_files:
        if "/_bin/" in rel:
            args.add("--executable", rel)
    for rel, f in package_files:
        args.add("%s=%s" % (rel, f.path))
    ctx.actions.run(
        executable = ctx.executable._make_wheel,
        arguments = [args],
        inputs = [metadata, patchlevel[0]] + [f for _, f in dist_info_files + package_files],
        outputs = [out],
        mnemonic = "PyWheel",
        progress_message = "Writing the %s wheel" % ctx.attr.distribution,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

py_wheel_dir = rule(
    implementation = _py_wheel_dir_impl,
    attrs = {
        "site": attr.label(mandatory = True, doc = "a site_package target"),
        "distribution": attr.string(mandatory = True),
        "console_scripts": attr.string_list(doc = "NAME=module:function"),
        "python_headers": attr.label(
            default = "@local_python//:python_headers",
            providers = [CcInfo],
        ),
        "_make_wheel": attr.label(
            default = "//bindings/python:make_wheel",
            executable = True,
            cfg = "exec",
        ),
    },
)

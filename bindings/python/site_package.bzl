"""site_package: lays out an importable `upgrade_core` package directory.

Bazel keeps sources and the built extension in different trees; this rule
copies both (and the programs in `bin`, into `_bin/`) into
`<name>/upgrade_core/` under bazel-bin, so
`PYTHONPATH=bazel-bin/bindings/python/<name>` works outside Bazel.

Beside the package it writes the package metadata, `<name>/<package>.dist-info/`
(METADATA and the LICENSE), so `importlib.metadata.version("upgrade_core")`
works too. The version in METADATA is not written here: the action runs
//upgrade_core:print_version, which prints upgrade_core::kVersion
(upgrade_core/version_info.h, the one place the release number is defined).
"""

_METADATA_SCRIPT = """
set -eu
v="$("$1")"
case "$v" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "site_package: '$1' printed '$v', not a version" >&2; exit 1 ;;
esac
printf 'Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\nSummary: %s\\nLicense: %s\\n' \
    "$3" "$v" "$4" "$5" > "$2"
"""

def _copy(ctx, src, out):
    ctx.actions.run_shell(
        inputs = [src],
        outputs = [out],
        command = "cp -L '%s' '%s'" % (src.path, out.path),
    )

def _site_package_impl(ctx):
    outputs = []
    for f in ctx.files.srcs:
        out = ctx.actions.declare_file("%s/%s/%s" % (ctx.label.name, ctx.attr.package, f.basename))
        _copy(ctx, f, out)
        outputs.append(out)
    for f in ctx.files.bin:
        out = ctx.actions.declare_file("%s/%s/_bin/%s" % (ctx.label.name, ctx.attr.package, f.basename))
        _copy(ctx, f, out)
        outputs.append(out)

    dist_info = "%s/%s.dist-info" % (ctx.label.name, ctx.attr.package)
    metadata = ctx.actions.declare_file(dist_info + "/METADATA")
    ctx.actions.run_shell(
        tools = [ctx.executable._print_version],
        outputs = [metadata],
        command = _METADATA_SCRIPT,
        arguments = [
            ctx.executable._print_version.path,
            metadata.path,
            ctx.attr.package,
            ctx.attr.summary,
            ctx.attr.license,
        ],
        mnemonic = "SitePackageMetadata",
    )
    outputs.append(metadata)
    license = ctx.actions.declare_file(dist_info + "/LICENSE")
    _copy(ctx, ctx.file.license_file, license)
    outputs.append(license)

    return [DefaultInfo(files = depset(outputs), runfiles = ctx.runfiles(files = outputs))]

site_package = rule(
    implementation = _site_package_impl,
    attrs = {
        "package": attr.string(mandatory = True),
        "srcs": attr.label_list(allow_files = True, mandatory = True),
        # Programs copied into <package>/_bin/ (upgradectl, which
        # `python -m upgrade_core` runs).
        "bin": attr.label_list(allow_files = True),
        "summary": attr.string(
            default = "Safe multi-part upgrades: state machines, dependency " +
                      "graphs, config compatibility checks, upgrade plans",
        ),
        "license": attr.string(default = "Apache-2.0"),
        "license_file": attr.label(default = "//:LICENSE", allow_single_file = True),
        "_print_version": attr.label(
            default = "//upgrade_core:print_version",
            executable = True,
            cfg = "exec",
        ),
    },
)

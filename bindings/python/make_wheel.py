"""Writes the `upgrade_core` wheel (PEP 427) from the laid-out package.

Run by the `py_wheel_dir` rule in wheel.bzl (`bazel build //bindings/python:wheel`);
standard library only. Inputs are the files of //bindings/python:site, each
given as ARCNAME=PATH (ARCNAME is the path inside the wheel), the package's
METADATA (from which the version is read), further .dist-info files (the
LICENSE) and CPython's patchlevel.h from the
headers the extension was compiled against (which gives the cpXY tag).

The archive is reproducible: entries sorted, fixed timestamps, files 0644
and the programs named by --executable 0755 (pip keeps the bit, so the bundled
upgradectl stays executable once installed).
"""

import argparse
import base64
import hashlib
import os
import re
import sys
import sysconfig
import zipfile

# 1980-01-01, the earliest time a zip entry can carry.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def python_tag(patchlevel_h):
    """'cp311' from the PY_MAJOR_VERSION/PY_MINOR_VERSION of patchlevel.h."""
    with open(patchlevel_h, encoding="utf-8") as f:
        text = f.read()
    parts = []
    for name in ("PY_MAJOR_VERSION", "PY_MINOR_VERSION"):
        m = re.search(r"^#define\s+%s\s+(\d+)\s*$" % name, text, re.MULTILINE)
        if not m:
            raise SystemExit(f"make_wheel: {patchlevel_h} does not define {name}")
        parts.append(m.group(1))
    return "cp" + "".join(parts), ".".join(parts)


def platform_tag():
    """'linux_x86_64': the platform Bazel builds on (the wheel's only target)."""
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


def metadata_field(metadata, field):
    m = re.search(r"^%s: (.*)$" % re.escape(field), metadata, re.MULTILINE)
    if not m:
        raise SystemExit(f"make_wheel: METADATA has no {field} field")
    return m.group(1).strip()


def record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{arcname},sha256={digest.decode('ascii')},{len(data)}"


def write_entry(archive, arcname, data, mode):
    info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16  # a regular file, with its mode
    archive.writestr(info, data)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out_dir", required=True)
    parser.add_argument("--distribution", required=True)
    parser.add_argument("--metadata", required=True)
    parser.add_argument("--patchlevel_h", required=True)
    parser.add_argument("--dist_info_file", action="append", default=[],
                        help="NAME=PATH: a further file for the .dist-info directory")
    parser.add_argument("--executable", action="append", default=[],
                        help="ARCNAME: a program, installed executable")
    parser.add_argument("--console_script", action="append", default=[],
                        help="NAME=module:function")
    parser.add_argument("files", nargs="+", help="ARCNAME=PATH")
    args = parser.parse_args(argv)

    with open(args.metadata, encoding="utf-8") as f:
        metadata = f.read()
    name = metadata_field(metadata, "Name")
    if name != args.distribution:
        raise SystemExit(f"make_wheel: METADATA names {name!r}, not {args.distribution!r}")
    version = metadata_field(metadata, "Version")
    py_tag, py_version = python_tag(args.patchlevel_h)
    tag = f"{py_tag}-{py_tag}-{platform_tag()}"
    # The extension is built for one CPython minor release; say so to pip too.
    metadata = metadata.rstrip("\n") + f"\nRequires-Python: =={py_version}.*\n"

    dist_info = f"{name}-{version}.dist-info"
    entries = {}  # arcname -> (bytes, mode)
    specs = args.files + [f"{dist_info}/{s}" for s in args.dist_info_file]
    for spec in specs:
        arcname, sep, path = spec.partition("=")
        if not sep or not arcname or arcname.startswith("/") or ".." in arcname.split("/"):
            raise SystemExit(f"make_wheel: bad file argument {spec!r}")
        if arcname in entries:
            raise SystemExit(f"make_wheel: {arcname} given twice")
        with open(path, "rb") as f:
            data = f.read()
        # Bazel marks every output executable, so the mode is not read from it.
        mode = 0o755 if arcname in args.executable else 0o644
        entries[arcname] = (data, mode)

    entries[f"{dist_info}/METADATA"] = (metadata.encode("utf-8"), 0o644)
    entries[f"{dist_info}/WHEEL"] = ((
        "Wheel-Version: 1.0\n"
        "Generator: upgrade_core bindings/python/make_wheel.py\n"
        "Root-Is-Purelib: false\n"
        f"Tag: {tag}\n").encode("utf-8"), 0o644)
    unknown = set(args.executable) - set(entries)
    if unknown:
        raise SystemExit(f"make_wheel: --executable names no file: {sorted(unknown)}")
    if args.console_script:
        lines = ["[console_scripts]"]
        for script in args.console_script:
            script_name, sep, target = script.partition("=")
            if not sep or ":" not in target:
                raise SystemExit(f"make_wheel: bad --console_script {script!r}")
            lines.append(f"{script_name} = {target}")
        entries[f"{dist_info}/entry_points.txt"] = (
            ("\n".join(lines) + "\n").encode("utf-8"), 0o644)

    record_name = f"{dist_info}/RECORD"
    wheel_name = f"{name}-{version}-{tag}.whl"
    os.makedirs(args.out_dir, exist_ok=True)
    record = []
    with zipfile.ZipFile(os.path.join(args.out_dir, wheel_name), "w") as archive:
        # Package files first, dist-info last (as the wheel spec recommends).
        for arcname in sorted(entries, key=lambda a: (a.startswith(dist_info), a)):
            data, mode = entries[arcname]
            write_entry(archive, arcname, data, mode)
            record.append(record_line(arcname, data))
        record.append(f"{record_name},,")
        write_entry(archive, record_name, ("\n".join(record) + "\n").encode("utf-8"), 0o644)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

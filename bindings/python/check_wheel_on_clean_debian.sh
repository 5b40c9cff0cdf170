#!/usr/bin/env bash
# Installs the wheel in a fresh Debian 12 root that has only the runtime
# packages docs/install.md lists (no compiler, no -dev packages), and runs it
# there: import, `python -m upgrade_core validate` and `simulate`, and the
# `upgradectl` console script. Not part of `bazel test`: it needs root
# (chroot), debootstrap, and the Debian archive.
#
# usage: sudo bindings/python/check_wheel_on_clean_debian.sh ROOT_DIR
#   ROOT_DIR  an empty or missing directory for the Debian root (reused if it
#             already holds one)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:?usage: $0 ROOT_DIR}"

# Keep in step with the apt-get line in docs/install.md.
runtime=python3,python3-venv,libabsl20220623,libprotobuf32,libyaml-0-2,libarchive13,libssl3,libatomic1

bazel build //bindings/python:wheel
wheel=$(ls "$(bazel info bazel-bin)"/bindings/python/wheel/upgrade_core-*.whl)

if [ ! -x "$root/usr/bin/python3" ]; then
  debootstrap --variant=minbase --include="$runtime" bookworm "$root" http://deb.debian.org/debian
fi
rm -rf "$root/work" "$root/venv"
mkdir -p "$root/work"
cp "$wheel" "$root/work/"
cp -r examples "$root/work/"

# A clean environment: nothing of this machine's (PIP_*, PYTHONPATH) leaks in.
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -eux -c '
  if dpkg -l | grep -E "^ii +((g\+\+|gcc)(-[0-9]+)?|[^ ]+-dev)(:[a-z0-9]+)? "; then
    echo "the root has build packages; use a fresh one" >&2; exit 1
  fi
  python3 -m venv /venv
  /venv/bin/python -m pip install --no-index /work/upgrade_core-*.whl
  cd /work
  /venv/bin/python -c "import upgrade_core; print(upgrade_core.__version__)"
  /venv/bin/python -m upgrade_core validate examples/rke2-ingress-nginx/plan.yaml
  /venv/bin/python -m upgrade_core simulate examples/rke2-ingress-nginx/plan.yaml > /dev/null
  /venv/bin/upgradectl version
'
echo "check_wheel_on_clean_debian: OK ($(basename "$wheel"))"

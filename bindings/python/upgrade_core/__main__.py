"""`python -m upgrade_core ARGS...`: the upgradectl command line.

The wheel and the site package carry the built `upgradectl` in
`upgrade_core/_bin/`; this replaces the Python process with it, so the
subcommands (`validate`, `plan`, `check`, `simulate`, `run`, `fsm`,
`version`), flags, output and exit codes are upgradectl's own. The wheel also
installs this as the `upgradectl` console script.
"""

import os
import sys

# Exit status when the program is missing (a shell's "command not found");
# upgradectl itself exits 0, 1 or 2.
EXIT_NOT_INSTALLED = 127


def upgradectl_path():
    """Where this installation keeps its upgradectl."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "upgradectl")


def main(argv=None):
    """Runs upgradectl with `argv` (default: this process's arguments).

    Does not return unless upgradectl is missing or cannot be started.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    path = upgradectl_path()
    if not os.access(path, os.X_OK):
        sys.stderr.write(
            "python -m upgrade_core: this installation has no upgradectl "
            f"program ({path} is missing or not executable). It ships in the "
            "wheel and in the site package (`bazel build //bindings/python:wheel` "
            "or `//bindings/python:site`, see docs/install.md).\n")
        return EXIT_NOT_INSTALLED
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(path, ["upgradectl", *args])
    except OSError as e:
        sys.stderr.write(f"python -m upgrade_core: cannot run {path}: {e}\n")
        return EXIT_NOT_INSTALLED


if __name__ == "__main__":
    sys.exit(main())

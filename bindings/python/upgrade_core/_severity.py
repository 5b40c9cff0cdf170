"""Severity of a diagnostic."""

import enum


class Severity(enum.IntEnum):
    """How serious a diagnostic is. Ordered, so thresholds read naturally:
    ``[d for d in report.findings if d.severity >= Severity.WARNING]``.
    ``str()`` gives the name used in every output: "error", "warning", "info".
    """

    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        """"error", "warning" ("warn") or "info" ("note"), any case."""
        names = {"error": cls.ERROR, "warning": cls.WARNING, "warn": cls.WARNING,
                 "info": cls.INFO, "note": cls.INFO}
        try:
            return names[text.lower()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None

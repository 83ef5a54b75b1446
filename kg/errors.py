"""The one error type the library raises for bad input, rendered as one line."""

from __future__ import annotations


class KgError(Exception):
    """A user-facing error: what went wrong, where, and how to fix it.

    >>> str(KgError("quote not found", where="a.yaml: entity x", hint="copy it verbatim"))
    'a.yaml: entity x: quote not found (copy it verbatim)'
    """

    exit_code = 1

    def __init__(self, what: str, *, where: str = "", hint: str = "") -> None:
        self.what = what
        self.where = where
        self.hint = hint
        super().__init__(self.line())

    def line(self) -> str:
        """The single line shown to the user."""
        text = f"{self.where}: {self.what}" if self.where else self.what
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())


class StoreMissing(KgError):
    """No built graph in the data dir."""


class AmbiguousQuery(KgError):
    """A query matched several entities equally well."""

    exit_code = 2

"""The errors that end a run; everything else is an outcome, not an exception."""

from __future__ import annotations


class DocstringHookError(Exception):
    """A problem the user must fix; the CLI prints it as one line, exit 2."""


class ConfigError(DocstringHookError):
    """Bad settings, flags or credentials."""


class FatalAPIError(DocstringHookError):
    """The endpoint refused in a way no retry can fix (401, 403, 404, quota)."""

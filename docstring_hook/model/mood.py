"""Whether a summary is in the imperative mood, as the project's linter will judge it.

The judge is ruff's own D401 rule (pydocstyle's check, with its word list
and stemmer), run on the summary alone: the same verdict `ruff check`
gives right after the hook, from a well-kept implementation rather than a
word list of ours. When ruff cannot be run, nothing is judged.
"""

from __future__ import annotations

import functools
import json
import subprocess

_CHECK = ("check", "--isolated", "--select", "D401", "--output-format", "json", "--stdin-filename", "summary.py", "-")


def mood_problem(summary: str) -> str | None:
    """A repair instruction when `summary` is not in the imperative mood; None when it is (or cannot be judged)."""
    if not summary.strip() or _is_imperative(summary.strip()):
        return None
    first = summary.split(maxsplit=1)[0]
    return f'the summary must be in the imperative mood ("Return ...", not "{first} ..."): start with a verb'


@functools.lru_cache(maxsize=4096)
def _is_imperative(summary: str) -> bool:
    ruff = _ruff()
    if ruff is None:
        return True
    source = f"def f():\n    {json.dumps(summary)}\n"  # a JSON string is a Python string literal
    try:
        result = subprocess.run([ruff, *_CHECK], check=False, input=source, capture_output=True, text=True, timeout=10)
        findings = json.loads(result.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return True
    return not any(isinstance(f, dict) and f.get("code") == "D401" for f in findings)


@functools.lru_cache(maxsize=1)
def _ruff() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        return None
    try:
        return str(find_ruff_bin())
    except FileNotFoundError:
        return None

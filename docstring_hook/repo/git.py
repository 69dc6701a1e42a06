"""Which lines a change touches, from git: the staged change, or a range of commits.

`parse_diff` is pure (patch text in, lines per file out); the functions
below it are thin calls of git. Paths in a `ChangedLines` are relative to
the repository root, as git prints them; `ChangedLines.of` matches the
paths a user or pre-commit passes, relative to the working directory.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from docstring_hook.errors import DocstringHookError

# Every flag pins down what user configuration could change: prefixes
# (diff.noPrefix, diff.mnemonicPrefix), diff.relative, external diff
# drivers, textconv, colour, and octal-quoted non-ASCII names.
_DIFF = (
    "-c", "core.quotePath=false", "diff", "-U0", "-M", "--no-color", "--no-ext-diff", "--no-textconv",
    "--no-relative", "--src-prefix=a/", "--dst-prefix=b/",
)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class GitError(DocstringHookError):
    """Git refused a command whose answer the run cannot do without."""


@dataclass(frozen=True)
class ChangedLines:
    """The new-file line numbers a change adds or alters, per file.

    `lines` is keyed by POSIX paths relative to the work tree `root`; a file
    the change touches without changing any line (a pure rename, a mode
    change) maps to an empty set.
    """

    root: str
    lines: Mapping[str, frozenset[int]]

    def key(self, path: str) -> str:
        """`path` (relative to the working directory, or absolute) as a key of `lines`."""
        absolute = os.path.abspath(path)
        # Resolve the folder, not the file: a symlink committed as such is its own path.
        folder = os.path.realpath(os.path.dirname(absolute))
        return Path(os.path.relpath(os.path.join(folder, os.path.basename(absolute)), self.root)).as_posix()

    def touches(self, path: str) -> bool:
        """Whether the change includes `path` at all."""
        return self.key(path) in self.lines

    def of(self, path: str) -> frozenset[int]:
        """The changed lines of `path`; none when the change leaves it alone."""
        return self.lines.get(self.key(path), frozenset())


def parse_diff(patch: str) -> dict[str, frozenset[int]]:
    """The lines each file of a `git diff -U0` gains or changes, by new path.

    A deletion touches the line just before it (`@@ -a,b +c,0 @@` names line
    c; the first line when c is 0): removing lines from a function changes
    that function. Deleted files are left out; renamed files are keyed by
    their new path and carry their changed lines only.
    """
    result: dict[str, frozenset[int]] = {}
    for section in re.split(r"^diff --git ", patch, flags=re.MULTILINE)[1:]:
        header, _, hunks = section.partition("\n@@ ")
        path = _new_path(header.split("\n"))
        if path is not None:
            result[path] = frozenset(_new_lines(("@@ " + hunks).split("\n") if hunks else []))
    return result


def _new_path(header: Sequence[str]) -> str | None:
    """The file a section's header names after the change; None for a deleted file.

    The `+++` line names every file with a hunk; `rename to` every rename;
    the `diff --git` line itself is left for a change with neither (a mode
    change, an empty new file), where both of its sides are the same path.
    """
    if any(line.startswith("deleted file mode") for line in header):
        return None
    for line in header:
        if line.startswith(("+++ b/", '+++ "b/')):
            return _unquote(line[len("+++ ") :].removesuffix("\t"))[len("b/") :]
    for line in header:
        if line.startswith(("rename to ", "copy to ")):
            return _unquote(line.split(" to ", 1)[1])
    return _header_path(header[0])


def _new_lines(hunks: Sequence[str]) -> set[int]:
    lines: set[int] = set()
    for line in hunks:
        if hunk := _HUNK.match(line):
            lines.update(_hunk_lines(int(hunk[1]), 1 if hunk[2] is None else int(hunk[2])))
    return lines


def _hunk_lines(start: int, count: int) -> range:
    if count == 0:
        return range(max(start, 1), max(start, 1) + 1)
    return range(start, start + count)


def _header_path(rest: str) -> str | None:
    """X of `a/X b/X` (the rest of a `diff --git` line); None when the sides differ."""
    if rest.startswith('"'):
        match = re.match(r'("(?:[^"\\]|\\.)*") ', rest)
        return _unquote(match[1])[2:] if match else None
    size = (len(rest) - len("a/ b/")) // 2
    old, new = rest[2 : 2 + size], rest[size + 5 :]
    return new if old == new and rest[:2] == "a/" and rest[2 + size : size + 5] == " b/" else None


def _unquote(name: str) -> str:
    """Undo git's C-style quoting of a path ("tab\\there", octal UTF-8 bytes)."""
    if not (name.startswith('"') and name.endswith('"') and len(name) >= 2):
        return name
    data = bytearray()
    body = name[1:-1]
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            data.extend(char.encode("utf-8", "surrogateescape"))
            index += 1
        elif body[index + 1 : index + 4].isdigit():
            data.append(int(body[index + 1 : index + 4], 8))
            index += 4
        else:
            data.append(_ESCAPES.get(body[index + 1], ord(body[index + 1])))
            index += 2
    return data.decode("utf-8", "surrogateescape")


def changes_in_scope(scope: str, paths: Sequence[str], environ: Mapping[str, str]) -> ChangedLines | None:
    """The lines that count under the `scope` setting; None when every target counts.

    "all": None. "staged": the staged change. "auto": the range pre-commit
    names in PRE_COMMIT_FROM_REF/TO_REF (`--from-ref/--to-ref`, pre-push);
    else the staged change when every path passed is a file that change
    touches, which is how a `git commit` under pre-commit calls a hook
    (`pre-commit run --all-files` passes unchanged files too); else None.
    """
    if scope == "all":
        return None
    from_ref, to_ref = environ.get("PRE_COMMIT_FROM_REF", ""), environ.get("PRE_COMMIT_TO_REF", "")
    if scope == "auto" and from_ref and to_ref:
        return range_changes(from_ref, to_ref)
    staged = staged_changes()
    if scope == "staged":
        if staged is None:
            raise GitError(f"scope is staged but {os.getcwd()} is not in a git work tree")
        return staged
    if staged is None or not paths or not all(os.path.isfile(p) and staged.touches(p) for p in paths):
        return None
    return staged


def repository_root(cwd: str = ".") -> str | None:
    """The top of the work tree containing `cwd`, or None outside one."""
    output = _git_or_none(cwd, "rev-parse", "--show-toplevel")
    return None if output is None else os.path.realpath(output.rstrip("\n"))


def staged_changes(cwd: str = ".") -> ChangedLines | None:
    """The lines the index changes against HEAD, or None outside a work tree.

    Before the first commit everything staged is new. While a merge is being
    committed, a line counts only if it differs from every parent: what the
    other branch brought in was written (and documented, or not) there.
    """
    root = repository_root(cwd)
    if root is None:
        return None
    parents = [_head(root), *_merge_heads(root)]
    diffs = [parse_diff(_git(root, *_DIFF, "--cached", parent, "--")) for parent in parents]
    names = set().union(*diffs)
    lines = {name: frozenset.intersection(*(d.get(name, frozenset()) for d in diffs)) for name in names}
    return ChangedLines(root, lines)


def range_changes(from_ref: str, to_ref: str, cwd: str = ".") -> ChangedLines:
    """The lines `to_ref` changes since it forked from `from_ref` (`git diff FROM...TO`)."""
    root = repository_root(cwd)
    if root is None:
        raise GitError(f"PRE_COMMIT_FROM_REF/TO_REF are set but {os.path.abspath(cwd)} is not in a git work tree")
    return ChangedLines(root, parse_diff(_git(root, *_DIFF, f"{from_ref}...{to_ref}", "--")))


def _head(root: str) -> str:
    """HEAD, or the empty tree before the first commit."""
    if _git_or_none(root, "rev-parse", "-q", "--verify", "HEAD^{commit}") is None:
        return "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    return "HEAD"


def _merge_heads(root: str) -> list[str]:
    """The other parents of a merge in progress (several for an octopus)."""
    path = _git_or_none(root, "rev-parse", "--git-path", "MERGE_HEAD")
    if path is None:
        return []
    try:
        text = Path(root, path.rstrip("\n")).read_text()
    except OSError:
        return []
    return text.split()


def run_git(cwd: str, *arguments: str) -> bytes:
    """Git's standard output; `GitError` naming the command when git is missing or says no."""
    try:
        result = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, check=False)
    except OSError as error:
        raise GitError(f"cannot run git: {error}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {' '.join(_shown(arguments))} failed: {message[-1] if message else result.returncode}")
    return result.stdout


def git_or_none(cwd: str, *arguments: str) -> bytes | None:
    """Git's standard output, or None when git is missing or says no."""
    try:
        return run_git(cwd, *arguments)
    except GitError:
        return None


def _git(root: str, *arguments: str) -> str:
    return run_git(root, *arguments).decode("utf-8", "surrogateescape")


def _shown(arguments: Sequence[str]) -> list[str]:
    return [a for a in arguments if a not in _DIFF]


def _git_or_none(cwd: str, *arguments: str) -> str | None:
    output = git_or_none(cwd, *arguments)
    return None if output is None else output.decode("utf-8", "surrogateescape")

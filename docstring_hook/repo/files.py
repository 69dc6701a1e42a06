"""The user's files: which ones, their bytes and encoding, and atomic writes."""

from __future__ import annotations

import fnmatch
import io
import os
import stat
import tempfile
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from docstring_hook.repo.git import git_or_none

PYTHON_SUFFIXES = (".py", ".pyi")


class UnreadableFile(Exception):
    """A file that cannot be decoded; the run reports it and goes on."""


class ChangedOnDisk(Exception):
    """The file no longer holds the bytes that were read: someone edited it during the run."""


@dataclass(frozen=True)
class SourceFile:
    """A file's text and everything needed to write it back the same way.

    `encoding` is what `tokenize.detect_encoding` found: `utf-8-sig` when the
    file has a BOM, so decoding drops it and encoding restores it.
    """

    path: str
    raw: bytes
    text: str
    encoding: str
    identity: tuple[int, int, int] | None = None  # (device, inode, mode) when read

    def encode(self, text: str) -> bytes:
        """The bytes of `text` in this file's encoding (and BOM)."""
        return text.encode(self.encoding)


def read_source(path: str) -> SourceFile:
    """Read and decode a Python file, refusing what would not round-trip."""
    raw = Path(path).read_bytes()
    status = os.stat(path)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        text = raw.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise UnreadableFile(f"cannot decode: {error}") from None
    if text.encode(encoding) != raw:
        raise UnreadableFile(f"{encoding} does not round-trip its bytes")
    return SourceFile(path, raw, text, encoding, _identity(status))


def _identity(status: os.stat_result) -> tuple[int, int, int]:
    return status.st_dev, status.st_ino, status.st_mode


def write_atomic(path: str, data: bytes, expected: SourceFile | None = None) -> None:
    """Replace a file's content at once, keeping its mode; never half-written.

    A symbolic link is written through, to its target. With `expected`, the
    file is replaced only if it still is what was read (same bytes, inode
    and mode) just before the rename; otherwise `ChangedOnDisk` is raised and
    the file is left as the user made it.
    """
    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode & 0o7777
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if expected is not None and not _unchanged(target, expected):
            raise ChangedOnDisk(path)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def replace_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write one of the tool's own files (cache entries, saved state) at once: a reader sees old or new, never half.

    The temporary name ends in ".tmp", so a reader looking for the real
    name never opens it. `durable` flushes it to the disk before the rename.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _unchanged(target: Path, expected: SourceFile) -> bool:
    try:
        identity = _identity(target.stat())
        raw = target.read_bytes()
    except OSError:
        return False
    return raw == expected.raw and (expected.identity is None or identity == expected.identity)


def write_refusal(path: str, root: str) -> tuple[str, str] | None:
    """Why writing `path` would do harm, as (kind, detail), or None when it is safe.

    Kinds: "outside" (a symbolic link leading out of `root`), "linked" (a
    file with several hard links, which a rename would split) and "read-only".
    """
    try:
        status = os.stat(path)
    except OSError:
        return None  # reading it failed already, or will
    if os.path.islink(path):
        real, top = os.path.realpath(path), os.path.realpath(root)
        if os.path.commonpath([real, top]) != top:
            return "outside", f"a symbolic link to {real}, outside the project: document that file itself"
    if status.st_nlink > 1:
        return "linked", (
            f"the file has {status.st_nlink} hard links and replacing it would split them: "
            "use --diff and apply the patch"
        )
    # os.access answers for the user; the mode bits also for root, whom access never refuses.
    if not os.access(path, os.W_OK) or not status.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "read-only", "the file is read-only"
    return None


def is_excluded(path: str, root: str, globs: Iterable[str]) -> bool:
    """Whether a glob excludes `path`, as gitignore would read it.

    A glob without a slash matches any single path component (`build`,
    `*_pb2.py`); a glob with one matches the path relative to `root`, or any
    folder above it (`src/legacy` excludes everything below).
    """
    relative = _relative_posix(path, root)
    parts = PurePosixPath(relative).parts
    for glob in globs:
        pattern = glob.strip("/")
        if "/" not in pattern:
            if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
        elif any(fnmatch.fnmatchcase("/".join(parts[:n]), pattern) for n in range(1, len(parts) + 1)):
            return True
    return False


def _relative_posix(path: str, root: str) -> str:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.path.abspath(root))
    if relative.startswith(".."):
        return Path(absolute).as_posix()
    return Path(relative).as_posix()


def discover(paths: Sequence[str], root: str, exclude_globs: Sequence[str]) -> list[str]:
    """The Python files named or found below `paths`, excludes applied to all.

    Folders are walked through git when inside a repository, so .gitignore
    is honoured exactly as git reads it.
    """
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found.extend(_files_below(path))
        else:
            found.append(path)
    unique = dict.fromkeys(os.path.normpath(p) for p in found)
    kept = [p for p in unique if not is_excluded(p, root, exclude_globs)]
    return _one_name_per_file(kept)


def _one_name_per_file(paths: list[str]) -> list[str]:
    """A file reached under two names (a link and its target) is documented once, under the first."""
    seen: set[str] = set()
    unique = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return unique


def _files_below(folder: str) -> list[str]:
    listed = _git_files(folder)
    if listed is None:
        listed = _walk(folder)
    return sorted(p for p in listed if p.endswith(PYTHON_SUFFIXES))


def _git_files(folder: str) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, or None outside git.

    A folder that git ignores as a whole was named on purpose: it is walked.
    """
    listed = git_or_none(folder, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if listed is None or (not listed and git_or_none(folder, "check-ignore", "-q", ".") is not None):
        return None
    names = listed.decode("utf-8", "surrogateescape").split("\0")
    return [os.path.join(folder, name) for name in names if name and os.path.isfile(os.path.join(folder, name))]


def _walk(folder: str) -> list[str]:
    files: list[str] = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        files.extend(os.path.join(directory, name) for name in names)
    return files

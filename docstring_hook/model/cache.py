"""Drafts already paid for: every accepted answer is bought once.

`DiskCache` keeps one JSON file per cache key under
`<folder>/v1/<key[:2]>/<key>.json`, holding `{"version": 1, "draft": {...}}`
and nothing else: never the prompt, never a header or a credential. Writes
are atomic (a temporary file in the same folder, then `os.replace`), so
concurrent processes may share a folder: the last writer wins and readers
never see a partial entry. A cache is an optimisation, never a reason to
fail: an unreadable or malformed entry is a miss, and a put that cannot
write (full disk, read-only folder) returns False instead of raising.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Protocol

import platformdirs

from docstring_hook.datatypes import DocstringDraft, FunctionFacts
from docstring_hook.model.draftjson import draft_from_json, draft_to_json, record
from docstring_hook.model.names import unknown_names
from docstring_hook.model.validate import check
from docstring_hook.repo.files import replace_atomically

FORMAT_VERSION = 1
ENV_VARIABLE = "DOCSTRING_HOOK_CACHE_DIR"
MAX_ENTRY_BYTES = 1_048_576
"""Entries are a few kilobytes; anything larger is not ours and is a miss."""

_KEY = re.compile(r"[0-9a-f]{64}")
class DraftCache(Protocol):
    """Where drafts are looked up by cache key before any request is sent."""

    def get(self, key: str) -> DocstringDraft | None:
        """The stored draft, or None on a miss."""
        ...

    def put(self, key: str, draft: DocstringDraft) -> bool:
        """Store `draft`; True when it was stored, False when it could not be."""
        ...

    def __contains__(self, key: str) -> bool:
        """Whether `get(key)` would hit."""
        ...

    def failure(self, key: str) -> tuple[str, str] | None:
        """(reason, detail) of a request for `key` that failed for good on an earlier run, or None."""
        ...

    def remember_failure(self, key: str, reason: str, detail: str) -> bool:
        """Note that the request for `key` failed for good; True when it was stored."""
        ...

    def claim(self, key: str) -> Claim | None:
        """The right to ask for `key`, or None while another run (or request) is asking for it."""
        ...


class Claim:
    """The right to send the request for one cache key; released once its answer is stored (or not)."""

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self._stream = stream

    def release(self) -> None:
        """Let others ask (they find the answer in the cache first)."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None


class DiskCache(DraftCache):
    """One JSON file per entry under `folder`, created on the first put."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_of(self, key: str) -> Path:
        """The entry file of `key`; ValueError unless `key` is a sha256 hex digest."""
        if not isinstance(key, str) or _KEY.fullmatch(key) is None:
            raise ValueError(
                f"a cache key is a lowercase sha256 hex digest, not {key!r}"
            )
        return self.folder / f"v{FORMAT_VERSION}" / key[:2] / f"{key}.json"

    def get(self, key: str) -> DocstringDraft | None:
        """The stored draft; None when absent, unreadable, corrupt or of another version."""
        path = self.path_of(key)
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_ENTRY_BYTES:
            return None
        try:
            return _entry_from_bytes(data)
        except (ValueError, RecursionError):
            return None

    def put(self, key: str, draft: DocstringDraft) -> bool:
        """Store `draft` atomically; False (never an exception) when the disk refuses."""
        path = self.path_of(key)
        entry = {"version": FORMAT_VERSION, "draft": draft_to_json(draft)}
        # ASCII escapes keep lone surrogates from model output encodable.
        data = json.dumps(entry, ensure_ascii=True, sort_keys=True).encode("ascii")
        return _stored(path, data)

    def __contains__(self, key: str) -> bool:
        """Whether a valid entry is stored for `key`."""
        return self.get(key) is not None

    def failure(self, key: str) -> tuple[str, str] | None:
        """The remembered failure of `key`; None when absent or unreadable."""
        path = self._failure_path(key)
        try:
            entry = json.loads(path.read_bytes()[:MAX_ENTRY_BYTES])
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("reason", "detail")):
            return None
        return entry["reason"], entry["detail"]

    def remember_failure(self, key: str, reason: str, detail: str) -> bool:
        """Store the failure atomically; False (never an exception) when the disk refuses."""
        path = self._failure_path(key)
        data = json.dumps({"reason": reason, "detail": detail}, ensure_ascii=True).encode("ascii")
        return _stored(path, data)

    def claim(self, key: str) -> Claim | None:
        """An advisory lock on `key` shared by every process using this folder; None when held elsewhere.

        Without `flock` (Windows) or a writable folder every claim succeeds:
        the worst case is paying twice, as without the lock.
        """
        try:
            import fcntl
        except ImportError:
            return Claim()
        path = self.folder / "inflight" / self.path_of(key).parent.name / f"{key}.lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            stream = open(path, "ab")  # noqa: SIM115 - held until the claim is released
        except OSError:
            return Claim()
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            stream.close()
            return None
        except OSError:
            stream.close()
            return Claim()
        return Claim(stream)

    def _failure_path(self, key: str) -> Path:
        entry = self.path_of(key)
        return self.folder / "failures" / entry.parent.name / entry.name


class NullCache(DraftCache):
    """The cache of `--no-cache`: never hits, stores nothing."""

    def get(self, key: str) -> DocstringDraft | None:
        """Always a miss."""
        return None

    def put(self, key: str, draft: DocstringDraft) -> bool:
        """Stores nothing, so always False."""
        return False

    def __contains__(self, key: str) -> bool:
        """Always False."""
        return False

    def failure(self, key: str) -> tuple[str, str] | None:
        """Nothing is remembered."""
        return None

    def remember_failure(self, key: str, reason: str, detail: str) -> bool:
        """Remembers nothing, so always False."""
        return False

    def claim(self, key: str) -> Claim | None:
        """Always granted: without a cache, nothing can be shared."""
        return Claim()


def cached_draft(
    cache: DraftCache, key: str, facts: FunctionFacts, line_length: int | None = None
) -> DocstringDraft | None:
    """The cached draft for `key` if it is still valid for `facts`.

    Validated again because the validation rules may have changed since it was stored, and
    the names it mentions against the repository as it is now.
    """
    draft = cache.get(key)
    if draft is None or check(draft, facts, line_length=line_length) or unknown_names(draft, facts):
        return None
    return draft


def cache_folder(flag: str | None, environ: Mapping[str, str]) -> Path:
    """`--cache-dir`, else `$DOCSTRING_HOOK_CACHE_DIR`, else the user cache folder.

    Empty values count as unset; `~` is expanded in both.
    """
    if flag:
        return Path(flag).expanduser()
    configured = environ.get(ENV_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_cache_dir("docstring-hook"))


def _entry_from_bytes(data: bytes) -> DocstringDraft:
    entry = record(json.loads(data), frozenset(("version", "draft")), "entry")
    version = entry["version"]
    # `type(...) is int`: JSON `true` and `1.0` compare equal to 1 but are not ours.
    if type(version) is not int or version != FORMAT_VERSION:
        raise ValueError(f"unknown cache entry version {version!r}")
    return draft_from_json(entry["draft"])


def _stored(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically; False (never an exception) when the disk refuses."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, data)
    except OSError:
        return False
    return True



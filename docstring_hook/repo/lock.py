"""One writing run per project at a time: an advisory lock held for the whole run.

Two runs writing the same tree would each replace files the other just
wrote. The lock is a file in the cache folder named after the project's
real path, locked with `flock`, so it is released when the process ends,
however it ends. A second writing run stops at once with one line; runs
that write nothing (`--check`, `--diff`, `--dry-run`) take no lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from docstring_hook.errors import DocstringHookError


class ProjectBusy(DocstringHookError):
    """Another run is writing in the same project."""


@contextlib.contextmanager
def project_lock(root: str, folder: Path) -> Iterator[None]:
    """Hold the project's writing lock for the block; `ProjectBusy` when another run holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the per-file checks before each write still hold
        yield
        return
    real = os.path.realpath(root)
    path = folder / "locks" / f"{hashlib.sha256(real.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, "a+")  # noqa: SIM115 - held open for the whole block
    except OSError:
        yield  # no writable cache folder: run unlocked rather than not at all
        return
    with stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            stream.seek(0)
            holder = stream.read().strip() or "another process"
            raise ProjectBusy(
                f"another docstring-hook run ({holder}) is writing in {real}: wait for it to finish"
            ) from None
        stream.seek(0)
        stream.truncate()
        stream.write(f"pid {os.getpid()}")
        stream.flush()
        yield

"""A project's batch job on disk, so that the same command, run again on any day, resumes it.

The state lives in `<cache folder>/batches/<resume key>.json`; the resume
key is a hash of the project root (resolved), the endpoint URL and the
deployment or model, so one project has at most one job per endpoint and
deployment. It is written atomically (temporary file, then `os.replace`)
before each step that creates something on the service, and again right
after: a part is recorded before its file is uploaded, its file id as soon
as the upload returns, its batch id as soon as the batch exists. A process
killed between an upload and the next save leaves a file on the service
that the next run deletes before uploading the part again (found by the
part's file name, used by no batch), never a batch: a part with a file and
no batch is looked up among the service's batches by input file before a
new one is made.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docstring_hook.repo.files import replace_atomically

MISSING = {
    "expired": "the batch expired before this request ran: run again to send it again",
    "cancelled": "the batch was cancelled before this request ran: run again to send it again",
    "completed": "the batch gave no result for this request: run again to send it again",
    "new": "cancelled before it was sent: run again to send it",
    "lost": "the service no longer knows the batch (deleted or too old): run again to send it again",
}
"""Why a line has no result, by the status of the part that held it."""

STATE_VERSION = 1


@dataclass(frozen=True)
class Part:
    """One uploaded file and its batch: the cache keys of its lines, and how far it got.

    `repair` parts hold the repair requests of replies that had problems,
    or, for the keys in `shorten`, the small request for a shorter summary.
    `held` parts wait until no other part of the job is running (what is
    left after the enqueued-token quota refused a batch). `done` parts have
    had their results read into the cache (or their failure reported).
    """

    keys: tuple[str, ...]
    repair: bool = False
    held: bool = False
    file_id: str | None = None
    batch_id: str | None = None
    done: bool = False
    status: str = "new"
    repairs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a repair part: (reply, *problems) by key
    shorten: tuple[str, ...] = ()  # keys whose only problem was length: (reply, summary), asked to shorten it
    resent: bool = False  # the lines of an expired batch, sent once more


@dataclass(frozen=True)
class Job:
    """A project's batch job: its parts, and the targets each cache key stands for (for the report)."""

    resume_key: str
    endpoint: str
    model: str
    parts: tuple[Part, ...] = ()
    targets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    created: float = field(default_factory=time.time)

    def replaced(self, index: int, *parts: Part) -> Job:
        """The job with part `index` replaced by `parts` (none: removed)."""
        return dataclasses.replace(self, parts=(*self.parts[:index], *parts, *self.parts[index + 1 :]))

    @property
    def finished(self) -> bool:
        """Whether every part's results were read."""
        return all(p.done for p in self.parts)


def resume_key(root: str, endpoint: str, model: str) -> str:
    """The job's name: the same project, endpoint and deployment find the same job."""
    text = "\n".join((str(Path(root).resolve()), endpoint.rstrip("/"), model))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def state_path(cache_folder: Path, key: str) -> Path:
    """Where the job named `key` is kept."""
    return cache_folder / "batches" / f"{key}.json"


def load(path: Path) -> Job | None:
    """The saved job, or None when there is none; a file that is not one of ours raises ValueError."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ValueError(f"{path} is not a docstring-hook batch state (version {STATE_VERSION})")
    return _job(data)


def save(path: Path, job: Job) -> None:
    """Write the job atomically: a reader sees the old state or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"version": STATE_VERSION, **dataclasses.asdict(job)}
    document["targets"] = {key: list(names) for key, names in job.targets.items()}
    replace_atomically(path, json.dumps(document, indent=1).encode(), durable=True)


def forget(path: Path) -> None:
    """Remove the saved job (finished or cancelled)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _job(data: Mapping[str, Any]) -> Job:
    try:
        parts = tuple(
            Part(
                keys=tuple(p["keys"]),
                repair=bool(p.get("repair", False)),
                held=bool(p.get("held", False)),
                file_id=p.get("file_id"),
                batch_id=p.get("batch_id"),
                done=bool(p.get("done", False)),
                status=str(p.get("status", "new")),
                repairs={str(k): tuple(map(str, v)) for k, v in p.get("repairs", {}).items()},
                shorten=tuple(map(str, p.get("shorten", ()))),
                resent=bool(p.get("resent", False)),
            )
            for p in data["parts"]
        )
        targets = {str(k): tuple(v) for k, v in data.get("targets", {}).items()}
        created = float(data.get("created", 0.0))
        return Job(str(data["resume_key"]), str(data["endpoint"]), str(data["model"]), parts, targets, created)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"a malformed batch state: {error}") from None

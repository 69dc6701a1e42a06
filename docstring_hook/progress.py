"""A one-line progress display for long runs on a terminal.

A plain carriage-return line: a display library would cost more import
time than the line is worth. Off when stderr is not a terminal, under
pre-commit (which captures the output) and with -q.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

REFRESH_SECONDS = 0.25


@dataclass(frozen=True)
class Snapshot:
    """What the run has done so far."""

    targets: int
    settled: int
    documented: int
    cached: int
    failed: int
    in_flight: int
    tokens: int
    elapsed: float


def status_line(snapshot: Snapshot) -> str:
    """The progress line for one snapshot."""
    s = snapshot
    parts = [
        f"{s.settled}/{s.targets} targets",
        f"{s.documented} documented",
        f"{s.cached} cached",
        f"{s.failed} failed",
        f"{s.in_flight} in flight",
        f"{s.tokens} tokens",
    ]
    fresh = s.settled - s.cached
    if s.elapsed > 0 and fresh > 0:
        rate = fresh / s.elapsed
        remaining = s.targets - s.settled
        parts.append(f"{rate:.1f}/s, ETA {_duration(remaining / rate)}")
    return " | ".join(parts)


def wanted(stream: TextIO, verbosity: int, environ: Mapping[str, str]) -> bool:
    """Show progress only to a person watching a terminal."""
    return verbosity >= 0 and stream.isatty() and "PRE_COMMIT" not in environ


async def show(take: Callable[[float], Snapshot], stream: TextIO = sys.stderr) -> None:
    """Redraw the line until cancelled, then clear it."""
    start = time.monotonic()
    width = 0
    try:
        while True:
            line = status_line(take(time.monotonic() - start))
            stream.write("\r" + line.ljust(width))
            stream.flush()
            width = len(line)
            await asyncio.sleep(REFRESH_SECONDS)
    finally:
        stream.write("\r" + " " * width + "\r")
        stream.flush()


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{rest:02d}s"

"""Ctrl-C during a generating run: stop sending, then, if pressed again, stop waiting.

The first Ctrl-C asks the run to send no new request and lets the requests
in flight finish (their answers are paid for: they are cached and written);
a second Ctrl-C, or the grace period running out, abandons them. Files are
only ever replaced whole, so no file is half-written either way.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from types import TracebackType
from typing import final

GRACE_SECONDS = 30.0


@final
class CtrlC:
    """Installs the two-step SIGINT handler on the running loop for a `with` block."""

    def __init__(self, stop_sending: Callable[[], None], abandon: asyncio.Event, grace: float = GRACE_SECONDS) -> None:
        self._stop_sending = stop_sending
        self._abandon = abandon
        self._grace = grace
        self._presses = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> CtrlC:
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, self._pressed)
        except (NotImplementedError, RuntimeError):
            return self  # Windows, or not the main thread: Ctrl-C stays a KeyboardInterrupt.
        self._loop = loop
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._loop is not None:
            self._loop.remove_signal_handler(signal.SIGINT)

    @property
    def pressed(self) -> bool:
        """Whether Ctrl-C was pressed at least once."""
        return self._presses > 0

    def _pressed(self) -> None:
        self._presses += 1
        if self._presses == 1:
            print(
                "\ndocstring-hook: stopping: no new requests; waiting for those in flight "
                f"(at most {self._grace:.0f} s, Ctrl-C again to abandon them)",
                file=sys.stderr,
            )
            self._stop_sending()
            assert self._loop is not None
            self._loop.call_later(self._grace, self._abandon.set)
        else:
            self._abandon.set()

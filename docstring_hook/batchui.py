"""What a `--batch` run shows and hears: the batch price, its lines on stderr, Ctrl-C, how to resume."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import sys
from collections.abc import Callable

from docstring_hook.config import Settings

RESUME = "run the same command again to collect its results (add --batch-cancel to cancel it instead)"
RESUME_HINT = "the batch job keeps running on the service: " + RESUME


def at_batch_price(settings: Settings) -> Settings:
    """The settings with both prices at the batch rate (`batch-discount`): for the budget and the reports."""
    return dataclasses.replace(
        settings,
        price_per_million_input=_times(settings.price_per_million_input, settings.batch_discount),
        price_per_million_output=_times(settings.price_per_million_output, settings.batch_discount),
    )


def _times(price: float | None, factor: float) -> float | None:
    return None if price is None else price * factor


def sayer(verbosity: int) -> Callable[[str], None]:
    """A function printing one `docstring-hook: ...` line on stderr, unless -q."""

    def say(message: str) -> None:
        if verbosity >= 0:
            print(f"docstring-hook: {message}", file=sys.stderr, flush=True)

    return say


def on_ctrl_c(stop: asyncio.Event, say: Callable[[str], None]) -> Callable[[], None]:
    """Install a SIGINT handler that stops polling; returns its remover."""
    loop = asyncio.get_running_loop()

    def pressed() -> None:
        if not stop.is_set():
            say("stopping: no more polling (an upload under way finishes and is saved)")
        stop.set()

    try:
        loop.add_signal_handler(signal.SIGINT, pressed)
    except (NotImplementedError, RuntimeError):
        return lambda: None
    def remove() -> None:
        loop.remove_signal_handler(signal.SIGINT)

    return remove

"""The run's token counter: which one, in which process, and its one warning."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from docstring_hook.config import Settings
from docstring_hook.model.cache import cache_folder
from docstring_hook.model.tokens import TokenCounter, load_counter
from docstring_hook.pool import usable_cores

Warn = Callable[[str], None]


def token_counter(settings: Settings, environ: Mapping[str, str], warn: Warn, *, helper: bool = False) -> TokenCounter:
    """tiktoken's counter for the model, or the estimate with a warning: once per cache folder, always with -v.

    `helper`: a shipped encoding is loaded in a helper process (`model.tokenprocess`)
    when there is a core to spare, unless `workers = 1` keeps everything in-process.
    """
    spare_core = settings.workers != 1 and usable_cores() > 1
    counter, warning = load_counter(settings.model, helper=helper and spare_core)
    if warning and (settings.verbosity > 0 or _first_time(warning, cache_folder(settings.cache_dir, environ))):
        warn(warning)
    return counter


@contextlib.contextmanager
def run_counter(settings: Settings, environ: Mapping[str, str], warn: Warn) -> Iterator[TokenCounter]:
    """A generating run's counter, its helper process (if any) ended when the run is."""
    counter = token_counter(settings, environ, warn, helper=True)
    try:
        yield counter
    finally:
        close = getattr(counter, "close", None)
        if close is not None:
            close()


def _first_time(warning: str, folder: Path) -> bool:
    """Whether `warning` was never given with this cache folder; notes that it now was."""
    marker = folder / "warnings" / hashlib.sha256(warning.encode()).hexdigest()
    if marker.exists():
        return False
    with contextlib.suppress(OSError):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    return True

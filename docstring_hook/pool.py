"""The `spawn`ed process pool shared by rewriting (workers.py) and `--check` (checkpool.py).

This module imports nothing heavy (multiprocessing only once a pool starts): a worker imports only what the functions
sent to it need, so a `--check` worker never loads LibCST or openai.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PARENT_CHECK_SECONDS = 0.5


def usable_cores() -> int:
    """The cores this process may run on: `taskset` and container CPU sets count, unlike `os.cpu_count()`."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def spawn_pool(count: int, *, nice: int = 0) -> ProcessPoolExecutor:
    """A pool of `count` fresh interpreters that ignore Ctrl-C and exit when their parent dies.

    `nice`: how much lower than the parent's their scheduling priority is.
    """
    # Imported here: a commit's `--check` never starts a pool and should not pay for these modules.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(), nice),
    )


def start_worker(parent: int, nice: int = 0) -> None:
    """Set up a helper process of `parent`: deaf to Ctrl-C, gone when orphaned, no teardown at exit."""
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    # Ctrl-C reaches the whole process group; only the main process decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A killed parent cannot stop its workers, which would wait for work forever
    # holding the hook's output pipes open (and pre-commit waiting on them).
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    # A worker holds nothing to save when the pool shuts it down: tearing down the
    # modules it imported (LibCST) would only keep the run waiting for it.
    atexit.register(_exit_at_once)


def _exit_at_once() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)

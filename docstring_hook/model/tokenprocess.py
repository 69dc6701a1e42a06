"""The model's tokenizer in a helper process, loaded while the run starts.

Building tiktoken's o200k_base encoding takes about 0.85 CPU seconds
(parsing 200,000 ranks, then tiktoken's constructor, which holds the GIL),
and a run cannot send its first request before it can count it. In the
main process that work adds to the imports of openai and the survey of the
repository; in a helper process it runs on another core at the same time
(bench/README.md, "Concurrency": the start-up). Counting then goes through
a pipe, about 80 µs a call besides the count itself.

Counts stay exact whatever happens to the helper: if it dies, hangs or
is interrupted mid-call, the counter loads the encoding in-process and
carries on.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from docstring_hook.model.tokens import TiktokenCounter, TokenCounter

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

READY_SECONDS = 60.0
"""How long a count waits for the helper's answer (the first one includes its loading) before counting in-process."""


class HelperCounter:
    """Exact counts from the shipped encoding `name`, computed by a helper process."""

    def __init__(self, name: str) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._name = name
        self._lock = threading.Lock()
        self._local: TokenCounter | None = None
        self._connection, theirs = context.Pipe()
        self._process: BaseProcess | None = context.Process(
            target=serve, args=(theirs, name, os.getpid()), name="docstring-hook tokenizer", daemon=True
        )
        try:
            self._process.start()
        except OSError:  # no process to be had (a limit on processes, memory): count in-process
            self._process = None
            self._connection.close()
        theirs.close()

    @property
    def pid(self) -> int | None:
        """The helper's process id; None once it is stopped and counts are made in-process."""
        return self._process.pid if self._process is not None else None

    def count(self, text: str) -> int:
        """The number of tokens of `text`; special tokens count as plain text."""
        with self._lock:
            if self._process is not None:
                answer = self._ask(text)
                if answer is not None:
                    return answer
            return self._in_process().count(text)

    def close(self) -> None:
        """Stop the helper (it holds nothing to save); later counts are made in-process."""
        with self._lock:
            self._stop_helper()

    def _ask(self, text: str) -> int | None:
        """The helper's count, or None when it cannot give one any more (and is stopped)."""
        try:
            self._connection.send(text)
            if self._connection.poll(READY_SECONDS):
                answer = self._connection.recv()
                if isinstance(answer, int):
                    return answer
        except (OSError, EOFError, ValueError):
            pass
        except BaseException:
            # Ctrl-C between the question and the answer: the pipe's state is unknown.
            self._stop_helper()
            raise
        self._stop_helper()
        return None

    def _in_process(self) -> TokenCounter:
        if self._local is None:
            from docstring_hook.model.encodings import load_encoding

            self._local = TiktokenCounter(load_encoding(self._name))
        return self._local

    def _stop_helper(self) -> None:
        # Terminated, not asked to finish: a helper still loading would keep the run's exit waiting.
        if self._process is None:
            return
        process, self._process = self._process, None
        self._connection.close()
        process.terminate()
        process.join(timeout=1.0)
        if process.is_alive():
            process.kill()
            process.join(timeout=1.0)


def serve(connection: Connection, name: str, parent: int) -> None:
    """The helper: load the encoding, then answer each text with its token count until the pipe closes."""
    from docstring_hook.model.encodings import load_encoding
    from docstring_hook.pool import start_worker

    start_worker(parent)
    try:
        counter = TiktokenCounter(load_encoding(name))
    except Exception:  # noqa: BLE001 - the parent loads it itself and reports what is wrong
        return
    while True:
        try:
            text = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: int | str = counter.count(text)
        except Exception as error:  # noqa: BLE001 - the parent counts this text itself and meets the error there
            answer = repr(error)
        connection.send(answer)

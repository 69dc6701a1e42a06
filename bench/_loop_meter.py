"""Run `docstring-hook` with its event loop metered; write the figures as JSON.

    python bench/_loop_meter.py <figures.json> <docstring-hook arguments...>

The CLI's own `main` runs unchanged; around it are measured the main
thread's CPU seconds (`time.thread_time`), the CPU the loop's callbacks
take (each `asyncio.Handle._run` timed; and of that, what was spent before
the first request: the run's imports, tokenizer and facts), and the CPU and
wall seconds spent when the first request leaves (`Generator._ask`
first called). These
do not depend on what else runs on the machine, unlike wall time: they are
the load-independent figures of bench/concurrency.py --meter.
"""

from __future__ import annotations

import asyncio.events
import atexit
import json
import sys
import time
from typing import Any

LAUNCHED = time.monotonic()
figures: dict[str, Any] = {"loop_callbacks": 0, "loop_cpu": 0.0}


def _metered_run(original: Any) -> Any:
    def run(self: asyncio.events.Handle) -> None:
        start = time.thread_time()
        try:
            original(self)
        finally:
            figures["loop_callbacks"] += 1
            figures["loop_cpu"] += time.thread_time() - start

    return run


def _metered_ask(original: Any) -> Any:
    async def ask(self: Any, *arguments: Any, **options: Any) -> Any:
        if "first_request_cpu" not in figures:
            figures["first_request_cpu"] = time.thread_time()
            figures["first_request_wall"] = time.monotonic() - LAUNCHED
            figures["loop_cpu_before_first_request"] = figures["loop_cpu"]  # imports, tokenizer, scan, facts
        return await original(self, *arguments, **options)

    return ask


def _write(path: str) -> None:
    figures["main_thread_cpu"] = time.thread_time()
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(figures, stream)


def main() -> int:
    path, arguments = sys.argv[1], sys.argv[2:]
    asyncio.events.Handle._run = _metered_run(asyncio.events.Handle._run)  # type: ignore[method-assign]
    from docstring_hook.cli import main as cli_main
    from docstring_hook.model import generate  # not the client: importing openai here would change the run's start

    generate.Generator._ask = _metered_ask(generate.Generator._ask)  # type: ignore[method-assign]
    atexit.register(_write, path)
    return cli_main(arguments)


if __name__ == "__main__":  # a spawned pool worker imports this module too: it must not run the CLI
    sys.exit(main())

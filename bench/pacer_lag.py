"""How long after the pacer admits a request does it reach the server?

`--rpm`/`--tpm` are paced on the times `Pacer` admits requests; the server
counts them when they arrive. The CLI is run with `Pacer._admit` wrapped to
log each admission's `time.monotonic()` (the same clock as the fake's arrival
times on Linux) against the fake (latency 0.5 s, `--concurrency 8
--no-cache`), for a small and a large generated project; the lag of the
first two batches is printed. Admissions are spread evenly at the quota's
per-second rate; a lag that is the same for every request only shifts them,
but one that differs (the first batch waiting on prompt building, the next
not) bunches them at the server, where a 1-second window counts them.

    python bench/pacer_lag.py [--sizes 3x10,50x20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_environment
from _project import FakeAzure, cli_env, write_project

RUNNER = '''
import os, sys


def patched_main():
    from docstring_hook.model import pacing
    log = open(os.environ["ADMIT_LOG"], "w")
    original = pacing.Pacer._admit

    async def _admit(self, tokens):
        await original(self, tokens)
        log.write(f"{self._entries[-1][0]!r}\\n")
        log.flush()

    pacing.Pacer._admit = _admit
    from docstring_hook.cli import main
    return main(sys.argv[1:])


if __name__ == "__main__":  # the process pool's spawned workers import this module too
    sys.exit(patched_main())
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="3x10,50x20", help="files x functions, comma-separated")
    arguments = parser.parse_args()
    print_environment()
    print("| targets | first admission after launch s | admission to arrival, requests 1-8 s | requests 9-16 s |")
    print("|---:|---:|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-lag-") as temporary:
        root = Path(temporary)
        runner = root / "run_patched.py"
        runner.write_text(RUNNER)
        for size in arguments.sizes.split(","):
            files, functions = (int(x) for x in size.split("x"))
            project = root / "project"
            targets = write_project(project, files, functions)
            with FakeAzure(latency=0.5) as fake:
                env = cli_env(fake, root / "cache")
                env["ADMIT_LOG"] = str(root / "admit.log")
                launched = time.monotonic()
                subprocess.run([sys.executable, str(runner), "--no-cache", "--concurrency", "8", str(project)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=targets * 0.5 / 8 * 3 + 120, check=False)
                arrivals = sorted(r.timestamp for r in fake.requests)
            admissions = [float(x) for x in (root / "admit.log").read_text().split()]
            lags = [arrived - admitted for arrived, admitted in zip(arrivals, admissions)]
            print(f"| {targets} | {admissions[0] - launched:.2f} | {', '.join(f'{x:.2f}' for x in lags[:8])} | {', '.join(f'{x:.2f}' for x in lags[8:16])} |", flush=True)


if __name__ == "__main__":
    main()

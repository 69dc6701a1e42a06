"""Does a cache written by an older revision still hit? (no request sent the second time)

A generated project (6 files x 5 undocumented functions) is rewritten by the
real CLI at `--old` (a `git archive` of that revision) with a fresh cache
folder, against the fake Azure server; the project is regenerated and
rewritten again by the code under benchmark (BENCH_SOURCE, HEAD by default)
with the same cache. Every target of the second run should come from the
cache, with no request at the fake: the prompts, and so the cache keys, are
the same.

    python bench/cache_keys.py [--old 9fbbb93]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, SOURCE, SOURCE_REVISION, print_environment, tool
from _project import FakeAzure, cli_env, write_project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", default="9fbbb93", help="the revision that writes the cache")
    arguments = parser.parse_args()
    print_environment()
    with tempfile.TemporaryDirectory(prefix="bench-cache-keys-") as temporary:
        old = Path(temporary, "old")
        old.mkdir()
        archive = subprocess.run(["git", "archive", arguments.old, "docstring_hook"], cwd=REPO, capture_output=True, check=True, timeout=60)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True, timeout=60)
        project, cache = Path(temporary, "project"), Path(temporary, "cache")
        print("| code | requests at the fake | summary |")
        print("|---|---:|---|")
        for label, source in ((arguments.old, old), (SOURCE_REVISION, SOURCE)):
            write_project(project, 6, 5)
            with FakeAzure() as fake:
                env = cli_env(fake, cache)
                env["PYTHONPATH"] = str(source)
                done = subprocess.run(
                    [tool("docstring-hook"), "--concurrency", "8", str(project)], cwd=temporary, env=env,
                    capture_output=True, text=True, timeout=300, check=False,
                )
                summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
                print(f"| {label} | {fake.count()} | {summary.split(';')[0]} |")


if __name__ == "__main__":
    main()

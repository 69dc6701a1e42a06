"""The no-op pre-commit case: one line of a documented 3,000-line file staged.

A temporary git repository holds one fully documented module of about
3,000 lines, committed; one line inside a function body is then changed and
staged, which is what pre-commit hands the hook. Timed (whole process, output
discarded), with no model credentials in the environment:

- `python -c pass`                   the floor of any Python process
- `docstring-hook module.py`         generating mode: nothing to document
- `docstring-hook --check module.py`
- `interrogate -M -i -m -p -n -O -S --fail-under 0 module.py`

Then `python -X importtime` of the generating run lists which heavy modules
(openai, httpx, libcst, tiktoken, tenacity) it imported: with nothing to
document it should import none of them and exit 0.

    python bench/noop_commit.py [--runs 15]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_env, documented_module, print_environment, time_command, timing_table, tool

HEAVY = ("openai", "httpx", "httpx2", "libcst", "tiktoken", "tenacity", "docstring_parser", "platformdirs", "pydantic")


def git(folder: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True, text=True, timeout=60).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    env = bench_env(drop=("AZURE_OPENAI", "OPENAI_"))
    print_environment()
    with tempfile.TemporaryDirectory(prefix="bench-noop-") as temporary:
        repo = Path(temporary)
        git(repo, "init", "-q")
        git(repo, "config", "user.email", "bench@example.invalid")
        git(repo, "config", "user.name", "bench")
        module = repo / "module.py"
        module.write_text(documented_module(3000))
        git(repo, "add", "module.py")
        git(repo, "commit", "-q", "-m", "documented module")
        text = module.read_text()
        module.write_text(text.replace("        total -= 100\n", "        total -= 101\n", 1))
        git(repo, "add", "module.py")
        staged = git(repo, "diff", "--cached", "--numstat")
        print(f"repository {repo}: module.py, {text.count(chr(10))} lines; staged change (added, removed, path): {staged.strip()}\n")

        hook, interrogate, python = tool("docstring-hook"), tool("interrogate"), sys.executable
        timings = [
            time_command("python -c pass", [python, "-c", "pass"], runs=arguments.runs, cwd=temporary, env=env),
            time_command("docstring-hook module.py", [hook, "module.py"], runs=arguments.runs, cwd=temporary, env=env),
            time_command("docstring-hook --check module.py", [hook, "--check", "module.py"], runs=arguments.runs, cwd=temporary, env=env),
            time_command(
                "interrogate -M -i -m -p -n -O -S --fail-under 0 module.py",
                [interrogate, "-M", "-i", "-m", "-p", "-n", "-O", "-S", "--fail-under", "0", "module.py"],
                runs=arguments.runs, cwd=temporary, env=env,
            ),
        ]
        print(timing_table(timings))
        print()
        after = module.read_text()
        print(f"module.py unchanged by the runs: {after == text.replace('        total -= 100', '        total -= 101', 1)}")

        traced = subprocess.run(
            [python, "-X", "importtime", "-c", "import sys; from docstring_hook.cli import main; sys.exit(main(['module.py']))"],
            cwd=temporary, env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        imported = {}
        for line in traced.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if match:
                imported[match.group(4)] = int(match.group(2))
        heavy = sorted(name for name in imported if name.split(".")[0] in HEAVY)
        ours = sum(us for name, us in imported.items() if name == "docstring_hook.cli")
        print(f"\n`python -X importtime` of the generating run: exit {traced.returncode}; {len(imported)} modules imported; "
              f"docstring_hook.cli cumulative import {ours / 1000:.1f} ms")
        print(f"heavy modules imported: {', '.join(heavy) if heavy else 'none'}")
        top = sorted(((us, name) for name, us in imported.items() if "." not in name), reverse=True)[:8]
        print("largest top-level imports (cumulative ms): " + ", ".join(f"{name} {us / 1000:.1f}" for us, name in top))


if __name__ == "__main__":
    main()

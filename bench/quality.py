"""Quality of what the tool writes, with a real local model, on real repositories (issue 10, section 5).

    python bench/quality.py [--work-dir DIR] [--per-repo 10] [--configs today,new] [--seed 10] [--parallel]

For each repository (pinned sdists of MemDocAgent's benchmark repositories)
a fixed sample of functions, methods and classes with human docstrings
that document parameters is drawn (seeded), exactly those docstrings are
removed (nothing else changes: `ast`-checked), and the result committed in
a git repository. Then, per configuration, the real CLI documents them
against Qwen2.5-Coder-1.5B-Instruct served by llama-cpp-python on
127.0.0.1, and what it wrote is scored offline (`quality_score`) next to
the human docstrings (the control). Configurations:

- today: no repository context (`context-budget = 0`), targets unordered
  (`order = "none"` when the tool has the setting);
- new: the defaults (context, and callees first when the tool orders).

The work folder (default `bench/.quality/`, gitignored) keeps the
downloads, the model, the server's virtualenv and every run. Needs about
1.2 GB of disk and, the first time, ~7 minutes to compile llama.cpp.
Not a test: it takes about an hour. Results go to bench/results/quality.{json,md}.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import dataclasses
import datetime
import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import quality_model
import quality_sample
import quality_score
from _common import BENCH, SOURCE_REVISION, bench_env, tool

from docstring_hook.config import Settings
from docstring_hook.scan import ScannedFile, scan_file
from docstring_hook.source.definitions import walk_definitions
from docstring_hook.source.facts import describe_file
from docstring_hook.survey import survey

DEFAULT_REPOS = ("Wikipedia-API", "Jinja2", "mackup")
RUN_TIMEOUT = 4 * 3600


@dataclasses.dataclass(frozen=True)
class Project:
    """One repository prepared for a configuration: its folder and its sample."""

    repo: str
    root: Path
    sample: tuple[quality_sample.Candidate, ...]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", type=Path, default=BENCH / ".quality")
    parser.add_argument("--repos", default=",".join(DEFAULT_REPOS))
    parser.add_argument("--per-repo", type=int, default=10, help="functions sampled per repository")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--configs", default="today,new")
    parser.add_argument("--label", default="", help="name of this run's folder (default: a time stamp)")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "quality")
    parser.add_argument("--parallel", action="store_true", help="one model server per configuration, run at once (a core each)")
    parser.add_argument("--score-only", action="store_true", help="score the run named by --label again; run nothing")
    args = parser.parse_args(argv)
    work: Path = args.work_dir.resolve()
    configs = args.configs.split(",")
    repos = args.repos.split(",")
    if args.score_only:
        print(score(work / "runs" / args.label, configs, repos, args.per_repo, args.seed, args.out))
        return 0
    try:
        model = quality_model.assemble(work)
        python = quality_model.server_python(work)
    except quality_model.Unavailable as error:
        print(f"quality: skipped: {error}", file=sys.stderr)
        return 0
    run_dir = work / "runs" / (args.label or datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S"))
    run_dir.mkdir(parents=True, exist_ok=True)
    # A SIGTERM unwinds like Ctrl-C, so the model server is always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, object] = {"revision": SOURCE_REVISION, "seed": args.seed, "per_repo": args.per_repo, "runs": []}
    lock = threading.Lock()

    def record(entry: dict[str, object]) -> None:
        with lock:
            results["runs"].append(entry)  # type: ignore[attr-defined]
            print(f"quality: {entry}", file=sys.stderr)
            (run_dir / "runs.json").write_text(json.dumps(results, indent=1))

    with contextlib.ExitStack() as servers:
        if args.parallel:
            # One server (one thread) per configuration, all at once: one core each.
            logs = {c: run_dir / f"server-{c}.log" for c in configs}
            bases = {c: servers.enter_context(quality_model.serving(python, model, logs[c])) for c in configs}
            with concurrent.futures.ThreadPoolExecutor(len(configs)) as pool:
                runs = [pool.submit(run_config, c, repos, args, work, run_dir, bases[c], logs[c], record) for c in configs]
                for done in runs:
                    done.result()
        else:
            log = run_dir / "server.log"
            base = servers.enter_context(quality_model.serving(python, model, log))
            # Repository by repository, every configuration in turn: a run cut short still compares like with like.
            for repo in repos:
                for config in configs:
                    run_config(config, [repo], args, work, run_dir, base, log, record)
    print(score(run_dir, configs, repos, args.per_repo, args.seed, args.out))
    return 0


def run_config(
    config: str, repos: Sequence[str], args: argparse.Namespace, work: Path, run_dir: Path, base: str, log: Path,
    record: Callable[[dict[str, object]], None],
) -> None:
    """Document each repository's sample with one configuration against the server at `base`; record each run."""
    for repo in repos:
        project = prepare(repo, work, run_dir / config, args.per_repo, args.seed, config)
        offset = log.stat().st_size
        started = time.monotonic()
        code = run_cli(project, base, run_dir / config)
        seconds = time.monotonic() - started
        posts = _statuses(log.read_bytes()[offset:].decode(errors="replace"))
        record({"repo": repo, "config": config, "seconds": round(seconds, 1), "exit": code, "server_posts": posts})


def settings_for(config: str) -> dict[str, object]:
    """The `[tool.docstring-hook]` values of a configuration (beyond the sample's selection)."""
    values: dict[str, object] = {"timeout": 900.0, "scope": "all"}
    has_order = "order" in {f.name for f in dataclasses.fields(Settings)}
    if config == "today":
        values["context_budget"] = 0
        if has_order:
            values["order"] = "none"
    return values


def prepare(repo: str, work: Path, config_dir: Path, per_repo: int, seed: int, config: str) -> Project:
    """Unpack the sdist afresh, strip the sample's docstrings, configure the tool, commit; check the targets."""
    archive = quality_sample.fetch_sdist(repo, quality_sample.REPOSITORIES[repo], work / "sdists")
    holder = config_dir / repo
    shutil.rmtree(holder, ignore_errors=True)
    holder.mkdir(parents=True)
    root = quality_sample.unpack(archive, holder)
    quality_sample.git_commit(root, "the sdist as published")
    sample = quality_sample.pick(quality_sample.candidates(repo, root), per_repo, seed)
    quality_sample.strip_sample(root, sample)
    _configure(root, sample, settings_for(config))
    quality_sample.git_commit(root, "sampled docstrings stripped")
    _check_targets(root, sample)
    return Project(repo, root, tuple(sample))


def _configure(root: Path, sample: Sequence[quality_sample.Candidate], values: dict[str, object]) -> None:
    """Append the tool's table to pyproject.toml: only the sample's qualified names are targets."""
    pattern = [f"^{re.escape(c.qualname)}$" for c in sample]
    table = {"include-regex": pattern, **{k.replace("_", "-"): v for k, v in values.items()}}
    lines = ["", "[tool.docstring-hook]"]
    for key, value in table.items():
        lines.append(f"{key} = {json.dumps(value)}")
    pyproject = root / "pyproject.toml"
    before = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    if "[tool.docstring-hook]" in before:
        raise SystemExit(f"{pyproject} already configures docstring-hook")
    pyproject.write_text(before + "\n".join(lines) + "\n", encoding="utf-8")


def _paths(sample: Sequence[quality_sample.Candidate]) -> list[str]:
    return sorted({c.path for c in sample})


def _check_targets(root: Path, sample: Sequence[quality_sample.Candidate]) -> None:
    """The tool's own --check over the files must list exactly the sample: nothing else is documented."""
    done = subprocess.run(
        [tool("docstring-hook"), "--check", *_paths(sample)], cwd=root, env=bench_env(),
        capture_output=True, text=True, timeout=600, check=False,
    )
    found = set(re.findall(r"^(.+?):\d+: (\S+): missing docstring$", done.stdout, re.MULTILINE))
    wanted = {(c.path, c.qualname) for c in sample}
    if found != wanted:
        raise SystemExit(f"{root}: targets differ from the sample: extra {found - wanted}, missing {wanted - found}")


def run_cli(project: Project, base: str, config_dir: Path) -> int:
    """The real CLI over the sample's files against the local server (its JSON report beside); its exit code."""
    report = config_dir / f"{project.repo}.report.json"
    env = bench_env({"OPENAI_BASE_URL": base, "OPENAI_API_KEY": "local-no-key"}, drop=("AZURE_OPENAI_", "OPENAI_API_VERSION"))
    command = [
        tool("docstring-hook"), "--model", quality_model.SERVED_NAME, "--concurrency", "1",
        "--cache-dir", str(config_dir / "cache"), "--report", str(report), "-v", *_paths(project.sample),
    ]
    with (config_dir / f"{project.repo}.log").open("w") as log:
        done = subprocess.run(command, cwd=project.root, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT, check=False)
    return done.returncode


def _docstrings(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {scope.qualname: doc for d, scope in walk_definitions(tree) if (doc := ast.get_docstring(d))}


def _facts(root: Path, sample: Sequence[quality_sample.Candidate]) -> tuple[dict[tuple[str, str], object], frozenset[str]]:
    """The tool's facts for each sampled target, from the stripped commit, with the repository's symbols."""
    stripped = _views(root) / "stripped"
    if not stripped.exists():
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(stripped), "HEAD"], cwd=root, check=True, timeout=120)
    settings = Settings(root=str(stripped))
    symbols = survey(settings).symbols
    facts: dict[tuple[str, str], object] = {}
    for relative in _paths(sample):
        scanned = scan_file(str(stripped / relative), settings)
        if not isinstance(scanned, ScannedFile):
            raise SystemExit(f"{stripped / relative}: cannot be scanned: {scanned}")
        described = describe_file(scanned.tree, scanned.lines, scanned.targets, symbols)
        for item in described.facts.values():
            facts[(relative, item.target.qualname)] = item
    table = quality_score.repository_identifiers(p for p in stripped.rglob("*.py") if ".git" not in p.parts)
    return facts, table


def score(run_dir: Path, configs: Sequence[str], repos: Sequence[str], per_repo: int, seed: int, out: Path) -> str:
    """Score every configuration of a run and the human control; write JSON and Markdown; return the table."""
    judged: dict[str, list[quality_score.Judged]] = {c: [] for c in ["human", *configs]}
    requests: dict[str, int] = {c: 0 for c in configs}
    details: list[dict[str, object]] = []
    targets = 0
    done = [r for r in repos if all((run_dir / c / f"{r}.report.json").exists() for c in configs)]
    if done != list(repos):
        print(f"quality: scoring only the repositories every configuration finished: {done}", file=sys.stderr)
    for repo in done:
        root = _root(run_dir / configs[0] / repo)
        sample = quality_sample.pick(quality_sample.candidates(repo, _original(root)), per_repo, seed)
        facts, table = _facts(root, sample)
        targets += len(sample)
        for config in configs:
            report = json.loads((run_dir / config / f"{repo}.report.json").read_text())
            requests[config] += report["totals"]["requests"]
        for candidate in sample:
            key = (candidate.path, candidate.qualname)
            item = facts[key]
            entry: dict[str, object] = {"repo": repo, "path": candidate.path, "qualname": candidate.qualname}
            for config in ["human", *configs]:
                if config == "human":
                    text: str | None = candidate.docstring
                else:
                    text = _docstrings(_root(run_dir / config / repo) / candidate.path).get(candidate.qualname)
                entry[config] = text
                if text is not None:
                    verdict = quality_score.judge(text, item, table)  # type: ignore[arg-type]
                    judged[config].append(verdict)
                    entry[f"{config}_scores"] = dataclasses.asdict(verdict)
            details.append(entry)
    rows = [quality_score.row(c, targets, judged[c], requests.get(c)) for c in [*configs, "human"]]
    markdown = quality_score.table(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = json.loads((run_dir / "runs.json").read_text()) if (run_dir / "runs.json").exists() else {}
    posts = server_posts(meta, configs, done)
    document = {"meta": meta, "repositories": done, "server_posts": posts, "rows": [dataclasses.asdict(r) for r in rows], "functions": details}
    out.with_suffix(".json").write_text(json.dumps(document, indent=1) + "\n")
    lines = [f"- {config}: {counts}" for config, counts in posts.items()]
    markdown += "\n\nChat requests by HTTP status, as the server's log counts them:\n\n" + "\n".join(lines)
    out.with_suffix(".md").write_text(markdown + "\n")
    return markdown


def _statuses(text: str) -> dict[str, int]:
    """Chat requests per HTTP status in a slice of the server's log: the server's own count."""
    statuses = re.findall(r'"POST /v1/chat/completions HTTP/1.1" (\d+)', text)
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def server_posts(meta: dict[str, object], configs: Sequence[str], repos: Sequence[str]) -> dict[str, dict[str, int]]:
    """The server's counts added up per configuration, over the repositories scored."""
    total: dict[str, dict[str, int]] = {c: {} for c in configs}
    for run in meta.get("runs", []):  # type: ignore[attr-defined]
        if run["repo"] not in repos or run["config"] not in configs:
            continue
        for status, count in run["server_posts"].items():
            counts = total.setdefault(run["config"], {})
            counts[status] = counts.get(status, 0) + count
    return total


def _root(holder: Path) -> Path:
    """The project folder the sdist unpacked to inside `holder`."""
    (root,) = [p for p in holder.iterdir() if p.is_dir()]
    return root


def _views(root: Path) -> Path:
    """Where the published and the stripped versions of a project are checked out for scoring: beside the configurations."""
    views = root.parent.parent.parent / "views" / root.parent.name
    views.mkdir(parents=True, exist_ok=True)
    return views


def _original(root: Path) -> Path:
    """The sdist as published: the first commit of the project's repository, checked out beside it."""
    original = _views(root) / "original"
    if not original.exists():
        first = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=60).stdout.strip()
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(original), first], cwd=root, check=True, timeout=120)
    return original


if __name__ == "__main__":
    sys.exit(main())

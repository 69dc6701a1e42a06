"""`--check` in worker processes reports exactly what the in-process run reports, in the same order."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from docstring_hook import checkpool
from docstring_hook.check import CheckResult, check
from docstring_hook.checkpool import CHECK_POOL_MIN_BYTES, CHECK_POOL_MIN_FILES, check_chunk, pool_size
from docstring_hook.cli import main
from docstring_hook.config import Settings
from docstring_hook.pool import spawn_pool
from docstring_hook.repo.git import ChangedLines
from tests.conftest import write


def module_text(n: int, functions: int) -> str:
    """A module whose even-numbered functions are documented and whose class lacks a docstring."""
    parts = []
    for index in range(functions):
        doc = '    """Documented."""\n' if index % 2 == 0 else ""
        parts.append(f"def f{n}_{index}(value):\n{doc}    return value + {index}\n")
    parts.append(f"class Box{n}:\n    def open(self):\n        return {n}\n")
    return "\n\n".join(parts)


def make_tree(folder: Path) -> list[str]:
    """About 40 files: m00.py large, the rest small, and every kind of outcome."""
    names = []
    for n in range(36):
        name = f"pkg/m{n:02d}.py"
        write(folder / name, module_text(n, 600 if n == 0 else 1 + n % 5))
        names.append(name)
    write(folder / "pkg/broken.py", "def f(:\n    pass\n")
    (folder / "pkg/latin.py").write_bytes(b"def f():\n    return '\xe9'\n")
    write(folder / "pkg/skipped.py", "# docstring-hook: skip-file\ndef f():\n    pass\n")
    write(folder / "pkg/formfeed.py", "\x0cdef f():\n    pass\n")
    write(folder / "pkg/sub/deep.py", "class Deep:\n    def walk(self):\n        pass\n")
    return names


def run_check(folder: Path, workers: int, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    write(folder / "pyproject.toml", f"[tool.docstring-hook]\nworkers = {workers}\nignore-tests = false\n")
    os.chdir(folder)
    # Named first, the large file's chunk is the first to be sent and the last to finish.
    code = main(["--check", "pkg/m00.py", "pkg"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_pool_prints_what_the_in_process_run_prints(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(project)
    pools: list[int] = []

    def counted_pool(count: int) -> ProcessPoolExecutor:
        pools.append(count)
        return spawn_pool(count)

    monkeypatch.setattr(checkpool, "spawn_pool", counted_pool)
    in_process = run_check(project, 1, capsys)
    assert pools == []
    pooled = run_check(project, 2, capsys)
    assert pools == [2]
    assert pooled == in_process
    code, out, err = in_process
    assert code == 1
    assert out.splitlines()[0] == "pkg/m00.py:6: f0_1: missing docstring"
    assert "pkg/broken.py: error:" in err and "pkg/latin.py: error:" in err
    assert "pkg/formfeed.py: note: docstring-hook cannot write this file" in err
    assert "pkg/sub/deep.py:1: Deep: missing docstring" in out


def test_changed_lines_reach_the_workers(project: Path) -> None:
    names = make_tree(project)
    changed = names[::3]
    # Line 7 is inside the second definition of every generated module: f{n}_1 or Box{n}.
    changes = ChangedLines(os.path.realpath(project), {name: frozenset({7}) for name in changed})
    results: list[CheckResult] = [check(["pkg"], Settings(workers=workers), changes) for workers in (1, 2)]
    assert results[0] == results[1]
    assert {target.path for target in results[0].targets} == {os.path.normpath(name) for name in changed}
    everything = check(["pkg"], Settings(workers=1))
    assert len(results[0].targets) < len(everything.targets)


def test_a_scanning_worker_imports_neither_libcst_nor_openai(project: Path) -> None:
    write(project / "m.py", module_text(1, 3))
    heavy = "sorted(m for m in ('libcst', 'openai', 'tiktoken', 'docstring_hook.scan') if m in __import__('sys').modules)"
    with spawn_pool(1) as pool:
        checked = pool.submit(check_chunk, [("m.py", None)], Settings()).result()
        imported = pool.submit(eval, heavy).result()
    assert [len(c.targets) if c else None for c in checked] == [3]
    assert imported == ["docstring_hook.scan"]


BIG = CHECK_POOL_MIN_BYTES


@pytest.mark.parametrize(
    ("files", "size", "workers", "cores", "expected"),
    [
        pytest.param(5, 50_000, 0, 2, 1, id="a commit stays in-process"),
        pytest.param(5, 50 * BIG, 0, 2, 1, id="a commit of a few huge files too"),
        pytest.param(CHECK_POOL_MIN_FILES - 1, BIG, 0, 2, 1, id="just too few files"),
        pytest.param(CHECK_POOL_MIN_FILES, BIG - 1, 0, 2, 1, id="just too few bytes"),
        pytest.param(CHECK_POOL_MIN_FILES, BIG, 0, 2, 2, id="a large tree, one worker per core"),
        pytest.param(5000, 50 * BIG, 0, 1, 1, id="one usable core (taskset)"),
        pytest.param(5000, 50 * BIG, 1, 8, 1, id="workers = 1: always in-process"),
        pytest.param(3, 100, 2, 1, 2, id="workers = 2 forces the pool"),
    ],
)
def test_pool_size(files: int, size: int, workers: int, cores: int, expected: int) -> None:
    assert pool_size(files, size, workers, cores) == expected

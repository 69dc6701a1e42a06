"""Files rewritten in worker processes come out byte for byte as in-process ones."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstring_hook.cli import main
from docstring_hook.pool import spawn_pool
from docstring_hook.workers import POOL_MIN_FILES, WORKER_NICENESS, Rewriter
from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure

KEY = "workers-test-key"
MODULES = {
    f"m{n}.py": f"def scale_{n}(value, factor=2):\r\n    return value * factor\r\n\r\n\r\nclass Box{n}:\r\n    pass\r\n"
    for n in range(3)
}


@pytest.fixture
def fake(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with FakeAzure(api_key=KEY) as server:
        use_azure(monkeypatch, server)
        yield server


def rewrite_in(folder: Path, workers: int) -> dict[str, bytes]:
    for name, text in MODULES.items():
        write(folder / name, text)
    write(folder / "pyproject.toml", f"[tool.docstring-hook]\nworkers = {workers}\n")
    os.chdir(folder)
    assert main(list(MODULES)) == 1
    return {name: (folder / name).read_bytes() for name in MODULES}


def test_a_pool_writes_the_same_bytes(fake: FakeAzure, project: Path) -> None:
    in_process = rewrite_in(project / "one", workers=1)
    pooled = rewrite_in(project / "two", workers=2)
    assert pooled == in_process
    assert all(b'"""' in text and b"\r\n" in text for text in pooled.values())
    assert fake.count() == 6  # the second run's answers came from the cache


def test_a_pooled_run_leaves_libcst_to_the_workers(fake: FakeAzure, project: Path) -> None:
    # The main process paces requests; importing LibCST there would only delay the first one.
    for name, text in MODULES.items():
        write(project / name, text)
    write(project / "pyproject.toml", "[tool.docstring-hook]\nworkers = 2\n")
    code = (
        "import sys\n"
        "from docstring_hook.cli import main\n"
        f"code = main({sorted(MODULES)!r})\n"
        "print(code, 'libcst' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "1 False"
    assert all(b'"""' in (project / name).read_bytes() for name in MODULES)


@pytest.mark.parametrize(
    ("files", "workers", "pooled"),
    [(3, 0, False), (POOL_MIN_FILES, 0, (os.cpu_count() or 1) > 1), (500, 1, False), (1, 2, True)],
    ids=["small-run-auto", "big-run-auto", "one-worker", "forced"],
)
def test_when_a_pool_is_used(files: int, workers: int, pooled: bool) -> None:
    rewriter = Rewriter(files, workers)
    try:
        assert rewriter.pooled is pooled
    finally:
        rewriter.close()


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX priorities")
def test_rewriting_workers_yield_the_cores_to_the_event_loop() -> None:
    # A file's rewrite can wait; the loop's next request cannot.
    rewriter = Rewriter(1, workers=2)
    try:
        assert rewriter._pool is not None
        priorities = {rewriter._pool.submit(os.nice, 0).result() for _ in range(4)}
    finally:
        rewriter.close()
    assert priorities == {min(os.nice(0) + WORKER_NICENESS, 19)}  # 19: the lowest priority there is


def test_check_workers_keep_their_parents_priority() -> None:
    with spawn_pool(1) as pool:
        assert pool.submit(os.nice, 0).result() == os.nice(0)


class _Finalized:
    """Writes its file when destroyed: at the latest when the interpreter tears its modules down."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __del__(self) -> None:
        Path(self.path).write_text("torn down")


def _keep_until_exit(path: str) -> int:
    sys.modules["docstring_hook_probe"] = _Finalized(path)  # type: ignore[assignment]
    return os.getpid()


def test_a_pool_worker_exits_without_tearing_down_what_it_imported(tmp_path: Path) -> None:
    # The run waits for its workers at the end; a teardown of LibCST's modules there is time for nothing.
    probe = tmp_path / "probe"
    pool = spawn_pool(1)
    assert pool.submit(_keep_until_exit, str(probe)).result(timeout=60) != os.getpid()
    pool.shutdown(wait=True)
    assert not probe.exists()

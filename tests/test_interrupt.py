"""Stopping a run: Ctrl-C keeps what was paid for; a kill never leaves a half-written file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import without_docstrings, write
from tests.fake_azure import FakeAzure

KEY = "interrupt-test-key"
FILES = ("a.py", "b.py", "c.py")
# Different code in each file: identical functions would rightly share cached answers.
MODULES = {
    name: "".join(f"def {name[0]}_step_{i}(value):\n    return value + {i}\n\n\n" for i in range(4)) for name in FILES
}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def slow_fake(project: Path) -> FakeAzure:
    with FakeAzure(api_key=KEY, latency=0.5) as server:
        for name in FILES:
            write(project / name, MODULES[name])
        yield server


def start(project: Path, fake: FakeAzure) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "AZURE_OPENAI_ENDPOINT": fake.endpoint,
        "AZURE_OPENAI_API_KEY": KEY,
        "AZURE_OPENAI_DEPLOYMENT": "dep",
    }
    command = [sys.executable, "-m", "docstring_hook", "--concurrency", "2", *FILES]
    return subprocess.Popen(command, cwd=project, env=environment, stderr=subprocess.PIPE, text=True)


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_ctrl_c_finishes_the_requests_in_flight_and_a_rerun_pays_only_for_the_rest(
    project: Path, slow_fake: FakeAzure
) -> None:
    process = start(project, slow_fake)
    wait_until(lambda: slow_fake.count() >= 3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "stopping: no new requests" in err
    # The targets never sent are one count line, not a line each.
    assert len([line for line in err.splitlines() if "not started" in line]) == 1
    assert "targets not started (interrupted): run the same command again to continue" in err
    asked_before = slow_fake.count()
    assert asked_before < 12
    rerun = start(project, slow_fake)
    _, rerun_err = rerun.communicate(timeout=60)
    assert rerun.returncode == 1, rerun_err
    assert slow_fake.count() == 12, err + rerun_err  # every answer of the first run was kept
    for name in FILES:
        text = (project / name).read_text()
        assert without_docstrings(text) == without_docstrings(MODULES[name])
        assert text.count('"""') == 8


def test_a_second_ctrl_c_labels_only_the_requests_in_flight_as_abandoned(project: Path, slow_fake: FakeAzure) -> None:
    process = start(project, slow_fake)
    wait_until(lambda: slow_fake.count() >= 1)
    process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    abandoned = [line for line in err.splitlines() if "abandoned while in flight" in line]
    assert 1 <= len(abandoned) <= 2  # --concurrency 2: never more than two were in flight
    assert "targets not started (interrupted)" in err


@pytest.mark.parametrize("after_requests", [1, 4, 7])
def test_a_killed_run_leaves_each_file_as_it_was_or_fully_rewritten(
    project: Path, slow_fake: FakeAzure, after_requests: int
) -> None:
    process = start(project, slow_fake)
    wait_until(lambda: slow_fake.count() >= after_requests)
    process.kill()
    process.communicate(timeout=30)
    rewritten = [name for name in FILES if (project / name).read_text() != MODULES[name]]
    # Two requests at most were in flight: the answers before them completed whole files.
    assert len(rewritten) >= (after_requests - 2) // 4
    for name in FILES:
        text = (project / name).read_text()
        original = MODULES[name]
        assert text == original or (text.count('"""') == 8 and without_docstrings(text) == without_docstrings(original))
    assert sorted(p.name for p in project.iterdir() if p.suffix == ".py") == sorted(FILES)  # no temporary left over


def test_a_killed_run_leaves_no_worker_holding_its_output_open(project: Path, slow_fake: FakeAzure) -> None:
    write(project / "pyproject.toml", "[tool.docstring-hook]\nworkers = 2\n")  # rewrite in worker processes
    process = start(project, slow_fake)
    wait_until(lambda: (project / FILES[0]).read_text() != MODULES[FILES[0]])  # the pool has started
    process.kill()
    # Orphaned workers would keep stderr open: reading it to the end would then time out.
    process.communicate(timeout=20)

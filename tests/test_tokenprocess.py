"""The tokenizer in a helper process: the same counts as in-process, whatever happens to the helper."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstring_hook.config import Settings
from docstring_hook.counting import run_counter
from docstring_hook.model import encodings
from docstring_hook.model.encodings import load_encoding
from docstring_hook.model.tokenprocess import HelperCounter
from docstring_hook.model.tokens import TiktokenCounter
from docstring_hook.pool import usable_cores
from tests.conftest import write
from tests.fake_azure import FakeAzure

TEXTS = [
    "",
    "hello world",
    "def f(x):\n    return x  # ünïcödé 👍\n",
    "<|endoftext|> is plain text here",
    "\ud800 a lone surrogate",
    "x = 1\n" * 2000,
]


@pytest.fixture(scope="module")
def helper() -> Iterator[HelperCounter]:
    counter = HelperCounter("o200k_base")
    yield counter
    counter.close()


def in_process(text: str) -> int:
    return TiktokenCounter(load_encoding("o200k_base")).count(text)


@pytest.mark.parametrize("text", TEXTS)
def test_the_helper_counts_as_the_encoding_does_in_process(helper: HelperCounter, text: str) -> None:
    assert helper.count(text) == in_process(text)
    assert helper.pid is not None  # it was the helper that answered


def test_a_killed_helper_leaves_the_counts_exact() -> None:
    counter = HelperCounter("o200k_base")
    assert counter.count("warm up") == in_process("warm up")
    assert counter.pid is not None
    os.kill(counter.pid, signal.SIGKILL)
    assert counter.count(TEXTS[2]) == in_process(TEXTS[2])
    assert counter.pid is None
    counter.close()


def test_no_process_to_be_had_means_counting_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing.context

    def refused(self: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")  # fork/exec refused: a limit on processes

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", refused)
    counter = HelperCounter("o200k_base")
    assert counter.pid is None
    assert counter.count(TEXTS[2]) == in_process(TEXTS[2])
    counter.close()


def test_ctrl_c_between_question_and_answer_drops_the_helper_not_the_counts() -> None:
    counter = HelperCounter("o200k_base")
    connection = counter._connection  # the one place a Ctrl-C can land mid-call

    def interrupted(timeout: float) -> bool:
        raise KeyboardInterrupt

    connection.poll = interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        counter.count("asked, never answered")
    assert counter.pid is None
    assert counter.count("hello world") == in_process("hello world")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_close_ends_the_helper() -> None:
    counter = HelperCounter("o200k_base")
    pid = counter.pid
    assert pid is not None
    counter.close()
    assert counter.pid is None
    assert not _running(pid)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_the_helper_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal, sys
        from docstring_hook.model.tokenprocess import HelperCounter
        counter = HelperCounter("o200k_base")
        counter.count("loaded")
        print(counter.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == -signal.SIGKILL
    pid = int(done.stdout)
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(pid)


@pytest.mark.parametrize(
    ("workers", "helped"),
    [
        pytest.param(0, True, id="auto: a helper when a core is spare"),
        pytest.param(2, True, id="processes asked for"),
        pytest.param(1, False, id="workers = 1: everything in-process"),
    ],
)
def test_a_run_counts_in_a_helper_unless_told_not_to(
    workers: int, helped: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if helped and usable_cores() < 2:
        pytest.skip("one usable core: no helper")
    monkeypatch.setattr(encodings, "_LOADED", {})  # a process that holds the encoding already counts in-process
    settings = Settings(root=str(tmp_path), workers=workers, cache_dir=str(tmp_path / "cache"))
    with run_counter(settings, {}, lambda message: None) as counter:
        assert isinstance(counter, HelperCounter) is helped
        assert counter.count("hello world") == 2
    if isinstance(counter, HelperCounter):
        assert counter.pid is None  # the run's end ended it


def test_a_process_that_holds_the_encoding_counts_in_process(tmp_path: Path) -> None:
    load_encoding("o200k_base")
    settings = Settings(root=str(tmp_path), cache_dir=str(tmp_path / "cache"))
    with run_counter(settings, {}, lambda message: None) as counter:
        assert isinstance(counter, TiktokenCounter)


def test_a_run_starts_its_tokenizer_before_it_imports_openai(fake: FakeAzure, project: Path) -> None:
    # The helper's load overlaps the import of openai only if it starts first.
    write(project / "scale.py", "def scale(value, factor=2):\n    return value * factor\n")
    code = (
        "import sys\n"
        "from docstring_hook import run\n"
        "from docstring_hook.cli import main\n"
        "started = run.run_counter\n"
        "def probe(*arguments):\n"
        "    print('openai already imported:', 'openai' in sys.modules)\n"
        "    return started(*arguments)\n"
        "run.run_counter = probe\n"
        "print('exit', main(['scale.py']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["openai already imported: False", "exit 1"]
    assert '"""' in (project / "scale.py").read_text()


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie no one reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"

"""--batch across processes: Ctrl-C and resume, a kill during upload, code changed meanwhile, cancel, a lost job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from docstring_hook.cli import main
from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure, Fault
from tests.fake_batch import BatchFate
from tests.test_batch import NAMES, SOURCE, batch_lines, configure, documented, saved_jobs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def fake(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with FakeAzure() as server:
        use_azure(monkeypatch, server)
        configure(project)
        write(project / "pkg" / "mod.py", SOURCE)
        yield server


def start(project: Path, *flags: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "docstring_hook", "--batch", *flags, "pkg"]
    return subprocess.Popen(command, cwd=project, env=dict(os.environ), stderr=subprocess.PIPE, text=True)


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def interrupted_after_submission(project: Path, fake: FakeAzure) -> str:
    """Run in another process until its batch exists, then Ctrl-C it; its stderr."""
    fake.batch.fates.append(BatchFate(seconds=600))
    process = start(project)
    wait_until(lambda: fake.batch.created == 1 and bool(saved_jobs()) and _has_batch_id())
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    return err


def _has_batch_id() -> bool:
    jobs = saved_jobs()
    return bool(jobs) and all(part["batch_id"] for part in json.loads(jobs[0].read_text())["parts"])


def test_ctrl_c_leaves_the_job_running_and_the_same_command_resumes_it(project: Path, fake: FakeAzure) -> None:
    err = interrupted_after_submission(project, fake)
    assert "run the same command again to collect its results" in err
    assert documented(project / "pkg" / "mod.py") == []
    fake.batch.hurry()
    assert main(["--batch", "pkg"]) == 1  # another process, the same command
    assert documented(project / "pkg" / "mod.py") == NAMES
    assert (fake.batch.uploads, fake.batch.created) == (1, 1)
    assert sorted(batch_lines(fake)) == ["Box", "Box.get", "add", "scale"]
    assert not saved_jobs()


def test_a_kill_during_upload_is_resumed_without_a_second_batch(project: Path, fake: FakeAzure) -> None:
    fake.batch.upload_delay = 30  # the file is stored, its answer held: the client dies waiting for it
    process = start(project)
    wait_until(lambda: fake.batch.uploads == 1)
    process.kill()
    process.wait(timeout=30)
    fake.batch.upload_delay = 0
    assert saved_jobs()  # the part was recorded before its upload
    assert main(["--batch", "pkg"]) == 1
    assert documented(project / "pkg" / "mod.py") == NAMES
    assert (fake.batch.uploads, fake.batch.created) == (2, 1)  # uploaded again, never a second batch
    assert len(batch_lines(fake)) == 4
    inputs = [file_id for file_id, (_, _, purpose) in fake.batch.files.items() if purpose == "batch"]
    assert inputs == [b.input_file_id for b in fake.batch.batches.values()]  # the orphan was deleted


def test_a_kill_after_the_batch_was_made_finds_that_batch_again(project: Path, fake: FakeAzure) -> None:
    interrupted_after_submission(project, fake)
    job = saved_jobs()[0]
    state = json.loads(job.read_text())
    state["parts"][0]["batch_id"] = None  # as if killed between creating the batch and saving its id
    job.write_text(json.dumps(state))
    fake.batch.hurry()
    assert main(["--batch", "pkg"]) == 1
    assert (fake.batch.uploads, fake.batch.created) == (1, 1)
    assert documented(project / "pkg" / "mod.py") == NAMES


def test_code_changed_since_submission_is_sent_again_not_applied(project: Path, fake: FakeAzure) -> None:
    interrupted_after_submission(project, fake)
    module = project / "pkg" / "mod.py"
    module.write_text(SOURCE.replace("def add(a, b):\n    return a + b", "def add(a, b, c):\n    return a + b + c"))
    fake.batch.hurry()
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert fake.batch.created == 2 and batch_lines(fake).count("add") == 2
    assert "c: The c." in module.read_text()  # the docstring of the code as it is now


def test_batch_cancel_keeps_what_finished_and_forgets_the_job(project: Path, fake: FakeAzure) -> None:
    interrupted_after_submission(project, fake)
    assert main(["--batch-cancel", "pkg"]) == 4
    assert fake.batch.cancels == 1
    assert documented(project / "pkg" / "mod.py") == []
    assert not saved_jobs()
    assert main(["--batch", "pkg"]) == 1  # a later run sends them again
    assert documented(project / "pkg" / "mod.py") == NAMES


def test_a_job_the_service_forgot_is_reported_and_sent_again_next_time(
    project: Path, fake: FakeAzure, capsys: pytest.CaptureFixture[str]
) -> None:
    interrupted_after_submission(project, fake)
    fake.batch.forget()
    assert main(["--batch", "pkg"]) == 4
    assert "the service no longer knows the batch" in capsys.readouterr().err
    assert not saved_jobs()
    assert main(["--batch", "pkg"]) == 1
    assert documented(project / "pkg" / "mod.py") == NAMES


def test_a_refused_cancel_is_one_line_and_the_job_stays_saved(
    project: Path, fake: FakeAzure, capsys: pytest.CaptureFixture[str]
) -> None:
    interrupted_after_submission(project, fake)
    fake.batch.faults.append(Fault.status_error(400))
    assert main(["--batch-cancel", "pkg"]) == 2
    err = capsys.readouterr().err
    assert "the batch service failed" in err and "Traceback" not in err
    assert saved_jobs()


def test_results_the_service_no_longer_has_are_reported_and_sent_again_next_time(
    project: Path, fake: FakeAzure, capsys: pytest.CaptureFixture[str]
) -> None:
    interrupted_after_submission(project, fake)
    fake.batch.hurry()
    fake.batch.lose_results = True
    assert main(["--batch", "pkg"]) == 4  # not 2: a lost file is a lost part, not a configuration error
    assert "the service no longer has its file" in capsys.readouterr().err
    assert not saved_jobs()
    fake.batch.lose_results = False
    assert main(["--batch", "pkg"]) == 1
    assert documented(project / "pkg" / "mod.py") == NAMES


def test_answers_for_paths_not_in_this_run_are_kept_and_never_paid_twice(project: Path, fake: FakeAzure) -> None:
    interrupted_after_submission(project, fake)
    write(project / "other" / "x.py", "def other(a):\n    return a\n")
    fake.batch.hurry()
    assert main(["--batch", "other"]) == 1  # collects the job for pkg, then sends other's target
    assert documented(project / "pkg" / "mod.py") == []
    assert main(["--batch", "pkg"]) == 1  # from the cache: nothing sent
    assert documented(project / "pkg" / "mod.py") == NAMES
    assert sorted(batch_lines(fake)) == ["Box", "Box.get", "add", "other", "scale"]

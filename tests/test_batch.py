"""--batch end to end: the real CLI and the real openai SDK against the fake's Files and Batches endpoints."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from docstring_hook.cli import main
from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure, Fault
from tests.fake_batch import BatchFate

SOURCE = '''\
def add(a, b):
    return a + b


def scale(values, factor):
    return [v * factor for v in values]


class Box:
    def get(self, key):
        return key
'''
NAMES = ["Box", "add", "get", "scale"]


def documented(path: Path) -> list[str]:
    """The names of the definitions in `path` that have a docstring."""
    tree = ast.parse(path.read_text())
    return sorted(
        n.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(n) is not None
    )


def batch_lines(fake: FakeAzure) -> list[str]:
    """The targets of every line the fake answered inside a batch, in order."""
    return [r.target or "" for r in fake.requests if r.path.startswith("batch:")]


def saved_jobs() -> list[Path]:
    return list(Path(os.environ["DOCSTRING_HOOK_CACHE_DIR"]).glob("batches/*.json"))


def configure(project: Path, extra: str = "") -> None:
    (project / "pyproject.toml").write_text(f"[tool.docstring-hook]\nbatch-poll-seconds = 0.05\n{extra}")


@pytest.fixture
def module(fake: FakeAzure, project: Path) -> Path:
    configure(project)
    return write(project / "pkg" / "mod.py", SOURCE)


@pytest.mark.parametrize("route", ["azure", "azure-v1", "openai"])
def test_one_job_documents_every_target_and_nothing_is_sent_synchronously(
    route: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project)
    module = write(project / "pkg" / "mod.py", SOURCE)
    with FakeAzure() as server:
        if route == "openai":
            monkeypatch.setenv("OPENAI_BASE_URL", server.endpoint + "/v1")
            monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
            assert main(["--batch", "--model", "dep", "pkg"]) == 1
        else:
            use_azure(monkeypatch, server, path="/openai/v1" if route == "azure-v1" else "")
            assert main(["--batch", "pkg"]) == 1
        assert documented(module) == NAMES
        assert (server.batch.uploads, server.batch.created) == (1, 1)
        assert sorted(batch_lines(server)) == ["Box", "Box.get", "add", "scale"]
        assert not [r for r in server.requests if "chat/completions" in r.path]
    assert not saved_jobs()  # a finished job is forgotten


def test_cached_targets_are_not_sent_again(fake: FakeAzure, module: Path) -> None:
    assert main(["--batch", "pkg"]) == 1
    module.write_text(SOURCE)  # the docstrings removed again: every answer is in the cache
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert (fake.batch.uploads, fake.batch.created, len(batch_lines(fake))) == (1, 1, 4)


def test_files_are_split_within_the_request_limit(fake: FakeAzure, project: Path) -> None:
    configure(project, "batch-max-requests = 3\n")
    module = write(project / "pkg" / "mod.py", SOURCE)
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert (fake.batch.uploads, fake.batch.created) == (2, 2)
    sizes = sorted(len(data.splitlines()) for data, _, purpose in fake.batch.files.values() if purpose == "batch")
    assert sizes == [1, 3]


def test_a_failed_line_leaves_its_target_undocumented_and_the_next_run_sends_only_it(
    fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script("scale", [Fault.server_error()])
    assert main(["--batch", "pkg"]) == 1 | 4
    assert documented(module) == ["Box", "add", "get"]
    assert "scale: failed (api-error: HTTP 500 InternalServerError" in capsys.readouterr().err
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert batch_lines(fake).count("scale") == 2 and len(batch_lines(fake)) == 5


def test_an_expired_batch_keeps_what_finished_and_sends_the_rest_once_more(fake: FakeAzure, module: Path) -> None:
    fake.batch.fates.append(BatchFate(expire_after=2))
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert fake.batch.created == 2
    assert len(batch_lines(fake)) == 4  # the expired lines never ran: nothing was paid twice


def test_lines_that_expire_twice_fail_and_the_next_run_sends_them(
    fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.batch.fates.extend([BatchFate(expire_after=2), BatchFate(expire_after=0)])
    assert main(["--batch", "pkg"]) == 1 | 4
    assert len(documented(module)) == 2
    assert "could not be executed before the completion window expired" in capsys.readouterr().err
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert fake.batch.created == 3 and len(batch_lines(fake)) == 4


def test_a_batch_that_fails_as_a_whole_fails_its_targets(
    fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.batch.fates.append(BatchFate(fail=("server_error", "The batch could not be processed.")))
    assert main(["--batch", "pkg"]) == 4
    assert documented(module) == []
    assert "the batch failed: The batch could not be processed." in capsys.readouterr().err
    assert not saved_jobs()


def test_the_enqueued_token_quota_sends_fewer_lines_then_the_rest(fake: FakeAzure, module: Path) -> None:
    fake.batch.enqueued_tokens = 1_500  # about two requests of this module at a time
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert fake.batch.created > 1
    assert sorted(batch_lines(fake)) == ["Box", "Box.get", "add", "scale"]  # each line ran once


def test_a_reply_with_problems_is_repaired_in_a_second_small_batch(fake: FakeAzure, module: Path) -> None:
    fake.script("add", [Fault.invalid_json()])
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES
    assert fake.batch.created == 2
    repair = [r.body for r in fake.requests if r.path.startswith("batch:") and r.target == "add"][-1]
    assert repair is not None and [m["role"] for m in repair["messages"]][-2:] == ["assistant", "user"]
    assert "Your answer has these problems" in repair["messages"][-1]["content"]


LONG_SUMMARY = "Add the first number to the second number and give back the total that the two numbers make together."


def test_a_summary_too_long_and_nothing_else_gets_the_small_shortening_request_in_the_second_batch(
    fake: FakeAzure, module: Path
) -> None:
    draft = {"summary": LONG_SUMMARY, "description": "", "returns": {"type": None, "description": "The sum."},
             "params": [{"name": "a", "type": None, "description": "A number."},
                        {"name": "b", "type": None, "description": "Another."}], "yields": None, "raises": []}
    fake.script("add", [Fault.reply(json.dumps(draft))])
    fake.script("", [Fault.reply("Add the two numbers.")])  # the shortening request names no target
    assert main(["--batch", "pkg"]) == 1
    assert fake.batch.created == 2
    shortening = [r.body for r in fake.requests if r.path.startswith("batch:") and r.target is None]
    assert len(shortening) == 1 and shortening[0] is not None and "response_format" not in shortening[0]
    assert LONG_SUMMARY in shortening[0]["messages"][-1]["content"]
    added = next(n for n in ast.parse(module.read_text()).body if isinstance(n, ast.FunctionDef) and n.name == "add")
    assert (ast.get_docstring(added) or "").startswith("Add the two numbers.\n\nArgs:\n    a: A number.")


def test_a_repair_that_still_fails_is_remembered(
    fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script("add", [Fault.invalid_json(), Fault.invalid_json()])
    assert main(["--batch", "pkg"]) == 1 | 4
    assert "add: failed (invalid-reply: " in capsys.readouterr().err
    module.write_text(module.read_text())
    assert main(["--batch", "pkg"]) == 4  # remembered: not sent again
    assert batch_lines(fake).count("add") == 2


def test_dry_run_prices_at_the_batch_discount(fake: FakeAzure, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, "price-per-million-input = 10.0\nprice-per-million-output = 10.0\nbatch-discount = 0.5\n")
    write(project / "pkg" / "mod.py", SOURCE)
    assert main(["--dry-run", "pkg"]) == 0
    full = capsys.readouterr().err
    assert main(["--dry-run", "--batch", "pkg"]) == 0
    half = capsys.readouterr().err
    low, high = (float(x) for x in full.split("cost between ")[1].split()[0:3:2])
    assert f"cost between {low / 2:.4f} and {high / 2:.4f} (the batch price: batch-discount 0.5)" in half
    assert fake.requests == []


@pytest.mark.parametrize("mode", ["--check", "--diff", "--show-prompt=*"])
def test_batch_does_not_combine_with_other_modes(mode: str, fake: FakeAzure, module: Path) -> None:
    assert main(["--batch", mode, "pkg"]) == 2
    assert fake.requests == []


def test_batch_needs_the_cache(fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--batch", "--no-cache", "pkg"]) == 2
    assert "--batch keeps its answers in the cache" in capsys.readouterr().err


def test_cancel_without_a_job_is_an_error(fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--batch-cancel", "pkg"]) == 2
    assert "no batch job to cancel" in capsys.readouterr().err


def test_the_report_prices_a_batch_run_at_the_batch_discount(fake: FakeAzure, project: Path) -> None:
    configure(project, "price-per-million-input = 1000.0\nprice-per-million-output = 1000.0\nbatch-discount = 0.25\n")
    write(project / "pkg" / "mod.py", SOURCE)
    assert main(["--batch", "--report-md", "report.md", "--report", "report.json", "pkg"]) == 1
    totals = json.loads((project / "report.json").read_text())["totals"]
    full = (totals["prompt_tokens"] + totals["completion_tokens"]) * 1000.0 / 1_000_000
    assert f"| {full * 0.25:.4f} |" in (project / "report.md").read_text()


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_a_batch_discount_is_a_fraction(value: str, fake: FakeAzure, project: Path) -> None:
    configure(project, f"batch-discount = {value}\n")
    write(project / "pkg" / "mod.py", SOURCE)
    assert main(["--batch", "pkg"]) == 2
    assert fake.requests == []


def test_the_budget_admits_lines_before_they_are_written(
    fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--batch", "--max-functions", "2", "pkg"]) == 1 | 4
    assert len(documented(module)) == 2 and len(batch_lines(fake)) == 2
    assert capsys.readouterr().err.count("skipped (run-budget: max-functions reached (2))") == 2


def test_a_passing_fault_of_the_batch_service_is_retried(fake: FakeAzure, module: Path) -> None:
    fake.batch.faults.extend([Fault.unavailable(retry_after=0), Fault.server_error()])
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES


def test_a_refused_upload_stops_the_run_with_one_line_and_the_job_is_saved(
    fake: FakeAzure, module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.batch.faults.append(Fault.status_error(400))
    assert main(["--batch", "pkg"]) == 2
    assert "error: the batch service failed (HTTP 400 400): the job is saved; run the same command" in (
        capsys.readouterr().err
    )
    assert saved_jobs()
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == NAMES and fake.batch.created == 1


CALLS = '''\
def inner(x):
    return x + 1


def outer(y):
    return inner(y) * 2
'''


def _prompt_of(fake: FakeAzure, target: str) -> str:
    body = next(r.body for r in fake.requests if r.path.startswith("batch:") and r.target == target)
    assert body is not None
    return "\n".join(m["content"] for m in body["messages"])


def test_callees_go_first_and_their_callers_see_the_new_summaries(fake: FakeAzure, project: Path) -> None:
    configure(project)
    module = write(project / "pkg" / "calls.py", CALLS)
    assert main(["--batch", "pkg"]) == 1
    assert documented(module) == ["inner", "outer"]
    assert fake.batch.created == 2  # one wave each
    assert batch_lines(fake) == ["inner", "outer"]
    assert "Do the work of inner." in _prompt_of(fake, "outer")


def test_one_wave_sends_callers_and_callees_together(fake: FakeAzure, project: Path) -> None:
    configure(project)
    module = write(project / "pkg" / "calls.py", CALLS)
    assert main(["--batch", "--batch-waves", "1", "pkg"]) == 1
    assert documented(module) == ["inner", "outer"]
    assert fake.batch.created == 1
    assert "Do the work of inner." not in _prompt_of(fake, "outer")


def test_a_saved_job_that_cannot_be_read_is_one_line(
    fake: FakeAzure, module: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from docstring_hook.model import batchstate

    name = batchstate.resume_key(str(project), fake.endpoint, "dep")
    path = batchstate.state_path(Path(os.environ["DOCSTRING_HOOK_CACHE_DIR"]), name)
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 99}')
    assert main(["--batch", "pkg"]) == 2
    assert "cannot read the saved batch job" in capsys.readouterr().err
    assert fake.requests == []

"""End to end: `docstring-hook PATH` with the real openai SDK against the fake Azure server.

Every test drives `main()` the way a user would, with the endpoint in the
environment, and checks what the server saw (requests per function), what
the report says (status and reason per function, waits), which files
changed, and the exit code.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docstring_hook.cli import main
from docstring_hook.model.body import chat_body
from docstring_hook.model.client import ChatClient
from docstring_hook.model.endpoint import Endpoint
from docstring_hook.model.types import Message
from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure, Fault

KEY = "sk-e2e-7f3a9c1d5b2e8f4a6c0d"
LEGACY = '''\
import os


def area(width: float, height: float) -> float:
    return width * height


def shout(text):
    if not text:
        raise ValueError("empty")
    return text.upper()


class Box:
    def __init__(self, size):
        self.size = size

    def grow(self, by=1):
        self.size += by
'''
TARGETS = ("area", "shout", "Box", "Box.grow")
EXIT_CHANGED, EXIT_ERROR, EXIT_UNDOCUMENTED = 1, 2, 4


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with FakeAzure(api_key=KEY) as server:
        use_azure(monkeypatch, server)
        yield server


@pytest.fixture
def legacy(project: Path) -> Path:
    # A short client timeout so that a hanging server costs the tests a second, not a minute.
    write(project / "pyproject.toml", "[project]\nname = 'sample'\n\n[tool.docstring-hook]\ntimeout = 1.0\n")
    return write(project / "legacy.py", LEGACY)


def run(*arguments: str) -> tuple[int, dict[str, Any]]:
    code = main(["--report", "report.json", "--concurrency", "1", *arguments, "legacy.py"])
    return code, json.loads(Path("report.json").read_text())


def fates(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {f["qualname"]: (f["status"], f["reason"]) for f in report["functions"]}


def documented(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None
    }


def test_every_target_gets_a_docstring_with_one_request_each(fake: FakeAzure, legacy: Path) -> None:
    code, report = run()
    assert code == EXIT_CHANGED
    assert [fake.count(t) for t in TARGETS] == [1, 1, 1, 1]
    assert set(fates(report).values()) == {("documented", None)}
    assert documented(legacy) == {"area", "shout", "Box", "grow"}
    assert report["totals"]["requests"] == 4


def test_a_second_run_over_the_same_code_makes_no_request(fake: FakeAzure, legacy: Path) -> None:
    assert main(["--diff", "legacy.py"]) == EXIT_CHANGED  # answers cached, file untouched
    assert legacy.read_text() == LEGACY
    code, report = run()
    assert (code, fake.count()) == (EXIT_CHANGED, 4)
    assert set(fates(report).values()) == {("cached", None)}


def test_no_cache_asks_again(fake: FakeAzure, legacy: Path) -> None:
    main(["--diff", "legacy.py"])
    run("--no-cache")
    assert fake.count() == 8


def test_rate_limits_are_waited_out_as_the_server_asks(fake: FakeAzure, legacy: Path) -> None:
    fake.script("area", [Fault.rate_limited(retry_after=None, retry_after_ms=200), Fault.rate_limited(retry_after=0.3)])
    code, report = run()
    assert (code, fake.count("area"), fates(report)["area"]) == (EXIT_CHANGED, 3, ("documented", None))
    assert report["totals"]["retries"] == 2
    assert 0.5 <= report["totals"]["waited_seconds"] < 1.0  # 200 ms + 300 ms, measured on the clock


@pytest.mark.parametrize(
    "fault",
    [Fault.server_error(), Fault.unavailable(retry_after=0), Fault.drop(), Fault.hang(5), Fault.status_error(408)],
    ids=["500", "503", "dropped-connection", "timeout", "408"],
)
def test_transient_faults_are_retried(fake: FakeAzure, legacy: Path, fault: Fault) -> None:
    fake.script("shout", [fault])
    code, report = run()
    assert (code, fake.count("shout"), fates(report)["shout"]) == (EXIT_CHANGED, 2, ("documented", None))
    assert "shout" in documented(legacy)


def test_a_function_fails_after_six_attempts_and_the_run_goes_on(
    fake: FakeAzure, legacy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script("shout", [Fault.unavailable(retry_after=0)] * 6)
    code, report = run()
    assert code == EXIT_CHANGED | EXIT_UNDOCUMENTED
    assert fake.count("shout") == 6
    assert fates(report)["shout"] == ("failed", "api-error")
    assert documented(legacy) == {"area", "Box", "grow"}
    assert "legacy.py:8: shout: failed (api-error: HTTP 503 after 6 attempts" in capsys.readouterr().err


@pytest.mark.parametrize("fault", [Fault.unauthorized(), Fault.forbidden(), Fault.not_found()], ids=["401", "403", "404"])
def test_configuration_errors_stop_the_run_at_once(
    fake: FakeAzure, legacy: Path, capsys: pytest.CaptureFixture[str], fault: Fault
) -> None:
    fake.script_all([fault])
    assert main(["--concurrency", "1", "legacy.py"]) == EXIT_ERROR
    assert fake.count() == 1
    assert legacy.read_text() == LEGACY
    err = capsys.readouterr().err
    assert err.count("docstring-hook: error:") == 1
    assert "Traceback" not in err


def test_a_spent_quota_stops_the_run_instead_of_waiting_a_day(
    fake: FakeAzure, legacy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script_all([Fault.rate_limited(retry_after=86400)])
    assert main(["--concurrency", "1", "legacy.py"]) == EXIT_ERROR
    assert fake.count() == 1
    assert legacy.read_text() == LEGACY
    assert "quota is likely spent" in capsys.readouterr().err


def test_insufficient_quota_stops_the_run(fake: FakeAzure, legacy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.script_all([Fault.quota_exhausted(retry_after=None)])
    assert main(["--concurrency", "1", "legacy.py"]) == EXIT_ERROR
    assert (fake.count(), legacy.read_text()) == (1, LEGACY)
    assert "quota is exhausted" in capsys.readouterr().err


@pytest.mark.parametrize("fault", [Fault.prompt_filtered(), Fault.completion_filtered()], ids=["prompt", "completion"])
def test_a_content_filter_fails_that_function_only(fake: FakeAzure, legacy: Path, fault: Fault) -> None:
    fake.script("shout", [fault])
    code, report = run()
    assert (code, fake.count("shout")) == (EXIT_CHANGED | EXIT_UNDOCUMENTED, 1)
    assert fates(report)["shout"] == ("failed", "content-filter")
    assert documented(legacy) == {"area", "Box", "grow"}


def test_context_length_shrinks_the_prompt_once(fake: FakeAzure, legacy: Path) -> None:
    body = "".join(f"    total += {i}\n" for i in range(300))
    write(legacy, f"def tally(total):\n{body}    return total\n")
    fake.script("tally", [Fault.context_length_exceeded(limit=2000, used=2100)])
    code, report = run()
    assert (code, fake.count("tally"), fates(report)["tally"]) == (EXIT_CHANGED, 2, ("documented", None))
    first, second = [r for r in fake.requests if r.target == "tally"]
    assert "total += 150" in json.dumps(first.body)
    assert "total += 150" not in json.dumps(second.body)


def test_a_function_that_cannot_shrink_is_skipped_after_a_context_error(fake: FakeAzure, legacy: Path) -> None:
    fake.script("area", [Fault.context_length_exceeded(limit=100, used=900)])
    code, report = run()
    assert (code, fake.count("area"), fates(report)["area"]) == (EXIT_CHANGED | EXIT_UNDOCUMENTED, 1, ("skipped", "over-budget"))


@pytest.mark.parametrize("fault", [Fault.invalid_json(), Fault.empty(), Fault.truncated()], ids=["bad-json", "empty", "cut-off"])
def test_an_invalid_reply_gets_one_repair_request(fake: FakeAzure, legacy: Path, fault: Fault) -> None:
    fake.script("area", [fault])
    code, report = run()
    assert (code, fake.count("area"), fates(report)["area"]) == (EXIT_CHANGED, 2, ("documented", None))
    repair = [r for r in fake.requests if r.target == "area"][1]
    assert repair.body["messages"][-1]["role"] == "user"


def test_garbage_twice_is_never_inserted(fake: FakeAzure, legacy: Path) -> None:
    fake.reply("area", '{"summary": "", "params": [{"name": "depth", "description": "x"}]}')
    code, report = run()
    assert (code, fake.count("area")) == (EXIT_CHANGED | EXIT_UNDOCUMENTED, 2)
    assert fates(report)["area"] == ("failed", "invalid-reply")
    assert "area" not in documented(legacy)


def test_a_reply_trying_to_escape_the_literal_stays_inert_text(fake: FakeAzure, legacy: Path) -> None:
    attack = {
        "summary": "Area of a rectangle.",
        "description": '"""\nimport os; os.system("echo pwned")\n"""',
        "params": [{"name": "width", "type": None, "description": "Width."},
                   {"name": "height", "type": None, "description": "Height."}],
        "returns": {"type": None, "description": "The area."},
        "yields": None,
        "raises": [],
    }
    fake.reply("area", json.dumps(attack))
    run()
    module = ast.parse(legacy.read_text())
    calls = [n for n in ast.walk(module) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "system"]
    assert calls == []
    assert 'os.system("echo pwned")' in (ast.get_docstring(module.body[1]) or "")


def test_structured_output_refused_falls_back_to_json_mode_for_the_rest_of_the_run(
    legacy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeAzure(api_key=KEY, structured_output=False) as server:
        use_azure(monkeypatch, server)
        code, report = run()
        formats = [(r.body.get("response_format") or {}).get("type") for r in server.requests]
    assert code == EXIT_CHANGED
    assert formats == ["json_schema", "json_object", "json_object", "json_object", "json_object"]
    assert set(fates(report).values()) == {("documented", None)}


def test_a_minimal_compatible_server_answering_500_is_negotiated_down_to_plain_text(
    legacy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeAzure.openai_compatible_minimal(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.endpoint + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        code, report = run("--model", "local-model")
        formats = [(r.body.get("response_format") or {}).get("type") for r in server.requests]
    assert code == EXIT_CHANGED
    assert formats == ["json_schema", "json_object", None, None, None, None]
    assert set(fates(report).values()) == {("documented", None)}


def test_max_functions_stops_cleanly_and_reports_the_rest(fake: FakeAzure, legacy: Path) -> None:
    code, report = run("--max-functions", "2")
    assert (code, fake.count()) == (EXIT_CHANGED | EXIT_UNDOCUMENTED, 2)
    assert sorted(status for status, _ in fates(report).values()) == ["documented", "documented", "skipped", "skipped"]
    assert {reason for status, reason in fates(report).values() if status == "skipped"} == {"run-budget"}


def test_missing_credentials_is_one_line_and_nothing_is_written(legacy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["legacy.py"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "AZURE_OPENAI_ENDPOINT" in err and "SKIP=docstring-hook" in err
    assert legacy.read_text() == LEGACY


def test_missing_credentials_can_be_a_skip(legacy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(legacy.parent / "pyproject.toml", "[tool.docstring-hook]\non-missing-credentials = 'skip'\n")
    assert main(["legacy.py"]) == 0
    assert "4 targets left undocumented" in capsys.readouterr().err
    assert legacy.read_text() == LEGACY


def test_the_key_never_appears_in_any_output(
    fake: FakeAzure, legacy: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.script("shout", [Fault.unauthorized()])
    main(["-v", "--report", "report.json", "--concurrency", "1", "legacy.py"])
    fake.script_all([Fault.server_error()])
    run("-v")
    out, err = capsys.readouterr()
    cache = Path(tmp_path.parent)  # every file the tests of this run wrote, cache included
    written = "".join(p.read_text(errors="replace") for p in cache.rglob("*") if p.is_file())
    assert KEY not in out + err + Path("report.json").read_text() + written


def test_files_are_written_only_through_the_verifier(fake: FakeAzure, legacy: Path) -> None:
    crlf = write(legacy.parent / "crlf.py", "def f(x):\r\n    return x\r\n")
    main(["crlf.py"])
    assert crlf.read_bytes().count(b"\r\n") == crlf.read_bytes().count(b"\n")
    assert b'"""' in crlf.read_bytes()


def test_two_processes_share_one_cache_safely(fake: FakeAzure, legacy: Path, tmp_path: Path) -> None:
    # Three projects (one writing run each at a time) sharing one cache; answers slow enough that the
    # first two runs ask at the same time.
    fake.latency = 0.5
    copies = [write(tmp_path / name / "legacy.py", LEGACY) for name in ("one", "two", "three")]
    for copy in copies:
        write(copy.parent / "pyproject.toml", "[project]\nname = 'copy'\n")
    environment = {**os.environ, "DOCSTRING_HOOK_CACHE_DIR": str(tmp_path / "shared-cache")}

    def start(copy: Path) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "docstring_hook", "legacy.py"]
        return subprocess.Popen(command, cwd=copy.parent, env=environment, stderr=subprocess.PIPE, text=True)

    first, second = start(copies[0]), start(copies[1])
    assert (first.wait(60), second.wait(60)) == (EXIT_CHANGED, EXIT_CHANGED)
    asked_by_both = fake.count()
    assert asked_by_both == 4  # a prompt one run is asking for, the other waits for and reads from the cache
    assert copies[0].read_text() == copies[1].read_text() != LEGACY
    third = start(copies[2])
    assert third.wait(60) == EXIT_CHANGED
    assert (fake.count(), copies[2].read_text()) == (asked_by_both, copies[0].read_text())


def test_the_azure_v1_surface_is_reached_through_the_openai_route(legacy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAzure(api_key=KEY) as server:
        use_azure(monkeypatch, server, path="/openai/v1")
        code, report = run()
        paths = {r.path.split("?")[0] for r in server.requests}
    assert (code, paths) == (EXIT_CHANGED, {"/openai/v1/chat/completions"})
    assert set(fates(report).values()) == {("documented", None)}


def test_a_repair_after_a_context_error_repeats_the_shrunk_prompt(fake: FakeAzure, legacy: Path) -> None:
    body = "".join(f"    total += {i}\n" for i in range(300))
    write(legacy, f"def tally(total):\n{body}    return total\n")
    fake.script("tally", [Fault.context_length_exceeded(limit=2000, used=2100), Fault.invalid_json()])
    code, report = run()
    assert (code, fake.count("tally"), fates(report)["tally"]) == (EXIT_CHANGED, 3, ("documented", None))
    repair = [r for r in fake.requests if r.target == "tally"][2]
    assert "total += 150" not in json.dumps(repair.body)


def test_an_endpoint_where_nothing_listens_stops_the_run_with_one_line(
    legacy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", "gpt-4o-mini")
    before = legacy.read_text()
    assert main([str(legacy)]) == EXIT_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    expected = (
        f"docstring-hook: error: cannot connect to http://127.0.0.1:{port}: 5 connection attempts failed "
        "and none succeeded; check AZURE_OPENAI_ENDPOINT / OPENAI_BASE_URL and the network"
    )
    assert err == [expected]
    assert legacy.read_text() == before


@pytest.mark.parametrize("route", ["azure", "openai"])
def test_the_body_on_the_wire_is_exactly_the_one_built(route: str) -> None:
    # The large parameters travel through the SDK's extra_body, untransformed: nothing may differ.
    messages = [Message("system", "Answer in JSON."), Message("user", 'def f(a):\n    return "é\\n" + a\n')]
    with FakeAzure(api_key=KEY) as server:
        if route == "azure":
            endpoint = Endpoint("azure", server.endpoint, "dep", "2024-10-21", KEY)
        else:
            endpoint = Endpoint("openai", server.endpoint + "/v1", "dep", None, KEY)

        async def send() -> None:
            client = ChatClient(endpoint, timeout=30, max_output_tokens=300)
            try:
                await client.complete(messages)
            finally:
                await client.close()

        asyncio.run(send())
    expected = chat_body(
        "dep", messages, cap_parameter="max_tokens", max_output_tokens=300, temperature=0.2, response_format="json_schema"
    )
    assert [r.body for r in server.requests] == [expected]

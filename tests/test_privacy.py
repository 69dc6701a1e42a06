"""End to end: planted secrets never reach the endpoint, the API key never reaches any output.

The real CLI runs in-process against the fake Azure server; every value
planted below is fake but shaped like the real thing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstring_hook.cli import main
from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure

KEY = "azure-key-5d1f0c9e7b3a4f2d8c6e"
RANDOM_40 = "q7Vb2XkP9zR4mWc8Ht1LsN6yJd3Fg5Ue0Ao2Ti7K"
RANDOM_88 = "FAKEq7Vb2XkP9zR4mWc8Ht1LsN6yJd3Fg5Ue0Ao2Ti7Kx9Qp4Wr8Ev1Bn6Mh3Zs5Cy2Dl7Go0Ij4Uk9Pf1Ht8Nw3Lq=="

# One function per supported shape; the value is what must never be sent.
PLANTED = {
    "aws_key": ('    return connect("AKIAZZZZFAKE0EXAMPLE")', "AKIAZZZZFAKE0EXAMPLE"),
    "aws_secret": (f'    aws_secret_access_key = "{RANDOM_40}"\n    return aws_secret_access_key', RANDOM_40),
    "azure_storage": (f'    return "AccountName=fake;AccountKey={RANDOM_88};"', RANDOM_88),
    "azure_sas": ('    return "https://f.blob.core.windows.net/c?sp=r&sig=FAKEq7Vb2XkP9zR4mWc8Ht1LsN6%2ByJd3"', "FAKEq7Vb2XkP9zR4mWc8Ht1LsN6"),
    "gcp": ('    return "AIzaFAKEFAKEFAKEFAKEFAKEFAKEFAKE0123456"', "AIzaFAKEFAKEFAKEFAKEFAKEFAKEFAKE0123456"),
    "github": ('    return "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"', "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"),
    "gitlab": ('    return "glpat-FAKEFAKEFAKE00000000"', "glpat-FAKEFAKEFAKE00000000"),
    "slack": ('    return "xoxb-000000000000-0000000000000-FAKEFAKEFAKEFAKEFAKEFAKE"', "xoxb-000000000000"),
    "stripe": ('    return "sk_live_FAKEFAKEFAKEFAKE0000"', "sk_live_FAKEFAKEFAKEFAKE0000"),
    "openai": ('    return "sk-proj-FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"', "sk-proj-FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"),
    "jwt": ('    return "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.FAKEsignatureFAKE"', "eyJzdWIiOiJmYWtlIn0"),
    "private_key": (
        '    return """-----BEGIN RSA PRIVATE KEY-----\nMIIFAKEbodyFAKEbody\n-----END RSA PRIVATE KEY-----"""',
        "MIIFAKEbodyFAKEbody",
    ),
    "database": ('    return "postgresql://app:fake-pass-123@db.invalid/app"', "fake-pass-123"),
    "password": ('    return login(password="fake-pw-0001")', "fake-pw-0001"),
    "token_comment": ("    # old token: fakeT0ken-0002\n    return None", "fakeT0ken-0002"),
    "default_value": ('    return api_key', "fake-default-key-1"),  # the secret is in the signature
}


def clients_module() -> str:
    functions = []
    for name, (body, _) in PLANTED.items():
        signature = f'{name}(api_key="fake-default-key-1")' if name == "default_value" else f"{name}()"
        functions.append(f"def {signature}:\n{body}\n")
    module = '"""Clients (staging key AKIAZZZZFAKE1EXAMPLE)."""\n\n\n'
    return module + "\n\n".join(functions)


SUMMARY_SECRET = "AKIAZZZZFAKE1EXAMPLE"  # in the module docstring: reaches the prompt as its summary

NOT_DOCUMENTATION = {
    "grammar.py": "import ply.yacc as yacc\n\n\ndef p_sum(p):\n    p[0] = p[1] + p[3]\n",
    "commands.py": "import docopt_subcommands as dsc\n\n\n@dsc.command()\ndef run(precommand, args):\n    return args\n",
    "shapes.py": "from typing import Protocol\n\n\nclass Shape(Protocol):\n    \"\"\"A shape.\"\"\"\n\n    def area(self) -> float: ...\n",
    "stubs.pyi": "def stub(x: int) -> int: ...\n",
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with FakeAzure(api_key=KEY) as server:
        use_azure(monkeypatch, server)
        yield server


@pytest.fixture
def repository(project: Path) -> Path:
    write(project / "app" / "clients.py", clients_module())
    for name, text in NOT_DOCUMENTATION.items():
        write(project / "app" / name, text)
    return project


def sent_text(fake: FakeAzure) -> str:
    """Every message content of every request, as the server received it."""
    return "\n".join(m["content"] for r in fake.requests for m in (r.body or {}).get("messages", []))


def test_planted_secrets_never_reach_the_endpoint_yet_every_function_is_documented(
    fake: FakeAzure, repository: Path
) -> None:
    assert main(["--concurrency", "2", "app"]) == 1
    sent = sent_text(fake)
    assert fake.count() == len(PLANTED)
    leaked = [value for _, value in PLANTED.values() if value in sent]
    assert leaked == []
    assert SUMMARY_SECRET not in sent
    assert "<redacted:aws-key>" in sent  # masked, not dropped: the model still sees a string there
    rewritten = (repository / "app" / "clients.py").read_text()
    assert rewritten.count('"""Do the work of') == len(PLANTED)


def test_code_whose_docstring_is_data_or_a_stub_is_neither_sent_nor_changed(fake: FakeAzure, repository: Path) -> None:
    main(["app"])
    assert {r.target for r in fake.requests} == set(PLANTED)
    for name, text in NOT_DOCUMENTATION.items():
        assert (repository / "app" / name).read_text() == text


def test_the_api_key_appears_in_no_output_report_or_cache_file(
    fake: FakeAzure, repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["-vv", "--diff", "--report", "report.json", "app"])
    main(["-vv", "--diff", "--report", "again.json", "app"])  # answers from the cache
    out, err = capsys.readouterr()
    cache = Path(str(Path.home() / "docstring-hook-cache"))
    cache_files = [p for p in cache.rglob("*") if p.is_file()]
    assert cache_files
    outputs = [out, err, *(Path(n).read_text() for n in ("report.json", "again.json"))]
    assert not [text for text in outputs if KEY in text]
    assert not [p for p in cache_files if KEY.encode() in p.read_bytes()]
    assert all(KEY == r.headers.get("api-key") for r in fake.requests)  # the key did reach its one place


def shown(output: str) -> dict[str, list[dict[str, str]]]:
    """`--show-prompt` output read back: the messages of each target."""
    prompts: dict[str, list[dict[str, str]]] = {}
    for block in re.split(r"^=== ", output, flags=re.MULTILINE)[1:]:
        header, _, body = block.partition("\n")
        qualname = header.split(": ")[1].split(" (")[0]
        parts = re.split(r"^--- (system|user) ---\n", body, flags=re.MULTILINE)[1:]
        prompts[qualname] = [{"role": role, "content": text[:-1]} for role, text in zip(parts[::2], parts[1::2])]
    return prompts


def test_show_prompt_prints_exactly_what_is_then_sent(
    fake: FakeAzure, repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--show-prompt", "*", "app"]) == 0
    printed = shown(capsys.readouterr().out)
    assert fake.requests == []
    assert set(printed) == set(PLANTED)
    main(["--concurrency", "1", "app"])
    sent = {r.target: r.body["messages"] for r in fake.requests if r.body}
    assert printed == sent


def test_show_prompt_selects_by_qualified_name_and_needs_no_credentials(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--show-prompt", "aws_*", "app"]) == 0
    out = capsys.readouterr().out
    assert set(shown(out)) == {"aws_key", "aws_secret"}
    assert "<redacted:aws-key>" in out and "AKIAZZZZFAKE0EXAMPLE" not in out
    header = next(line for line in out.splitlines() if line.startswith("=== app/clients.py:4: aws_key ("))
    assert header.endswith(" tokens, 2 redacted) ===")  # its key, and the key in the module summary


def test_show_prompt_leaves_never_send_files_out(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "config" / "secrets.py", 'def load():\n    return "fake-secret-file-1"\n')
    write(project / "app" / "settings.py", "def setting():\n    return 1\n")
    write(project / "pyproject.toml", "[tool.docstring-hook]\nnever-send = ['settings.py']\n")
    assert main(["-q", "--show-prompt", "*", "config", "app"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "config/secrets.py:1: load: skipped (never-send)",
        "app/settings.py:1: setting: skipped (never-send)",
    ]


def test_never_send_files_are_reported_skipped_and_not_sent(fake: FakeAzure, project: Path) -> None:
    write(project / "config" / "secrets.py", 'def load():\n    return "fake-secret-file-1"\n')
    main(["--report", "report.json", "config"])
    assert fake.requests == []
    report = json.loads(Path("report.json").read_text())
    assert [(f["qualname"], f["status"], f["reason"]) for f in report["functions"]] == [("load", "skipped", "never-send")]

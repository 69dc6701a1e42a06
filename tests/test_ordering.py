"""Callees first: the run's call graph, and end to end against the fake Azure server."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from docstring_hook.cli import main
from docstring_hook.config import Settings, load
from docstring_hook.datatypes import (
    ContextItem,
    DocstringDraft,
    FunctionFacts,
    Outcome,
    RenderOptions,
    Status,
    Style,
    Target,
    TargetKind,
)
from docstring_hook.errors import ConfigError
from docstring_hook.model.generate import Generator
from docstring_hook.model.judge import Generated
from docstring_hook.modules import RepositoryModules
from docstring_hook.prepare import prepare_file
from docstring_hook.scan import ScannedFile, scan_file
from docstring_hook.schedule import Schedule, call_graph, summary_of, with_summaries
from docstring_hook.source.render import render
from tests.conftest import write
from tests.fake_azure import FakeAzure
from tests.test_interrupt import wait_until

UTIL = '''\
def tidy(text):
    return text.strip()


def shout(text):
    return tidy(text).upper()
'''
APP = '''\
from pkg.util import shout, tidy


def greet(name):
    return shout(name) + tidy(name)
'''
CYCLE = '''\
def even(n):
    return n == 0 or odd(n - 1)


def odd(n):
    return n != 0 and even(n - 1)


def check(n):
    return even(n)
'''


@pytest.fixture
def repository(project: Path) -> Path:
    write(project / "pkg" / "__init__.py", "")
    write(project / "pkg" / "util.py", UTIL)
    write(project / "pkg" / "app.py", APP)
    write(project / "pkg" / "cycle.py", CYCLE)
    return project


def _user(fake: FakeAzure, target: str) -> str:
    assert fake.count(target) == 1, target
    return fake.user_message(target)


def _arrival(fake: FakeAzure, target: str) -> int:
    return next(i for i, r in enumerate(fake.requests) if r.target == target)


def test_the_call_graph_joins_targets_across_files(repository: Path) -> None:
    settings = Settings(root=str(repository))
    modules = RepositoryModules(settings)
    facts = []
    for name in ("pkg/app.py", "pkg/util.py", "pkg/cycle.py"):
        scanned = scan_file(name, settings)
        assert isinstance(scanned, ScannedFile)
        facts.extend(prepare_file(scanned, None, modules).facts.values())
    graph = {t.qualname: sorted(c.qualname for c in callees) for t, callees in call_graph(facts, modules).items()}
    assert graph == {"greet": ["shout", "tidy"], "shout": ["tidy"], "tidy": [],
                     "even": ["odd"], "odd": ["even"], "check": ["even"]}


def test_a_callers_request_carries_the_summary_its_callee_got_earlier_in_the_run(
    fake: FakeAzure, repository: Path
) -> None:
    assert main(["pkg/app.py", "pkg/util.py"]) == 1
    assert _arrival(fake, "tidy") < _arrival(fake, "shout") < _arrival(fake, "greet")
    assert "Calls `tidy`: Do the work of tidy.\n" in _user(fake, "shout")
    greet = _user(fake, "greet")
    assert "Calls `pkg.util.shout`: Do the work of shout.\n" in greet
    assert "Calls `pkg.util.tidy`: Do the work of tidy.\n" in greet


def test_a_callee_answered_from_the_cache_lends_its_summary_too(fake: FakeAzure, repository: Path) -> None:
    write(repository / "pkg" / "app.py", APP)
    main(["pkg/util.py"])  # tidy and shout are documented and cached; the files are restored below
    write(repository / "pkg" / "util.py", UTIL)
    asked = fake.count()
    main(["pkg/app.py", "pkg/util.py"])
    assert fake.count() == asked + 1
    assert "Calls `pkg.util.tidy`: Do the work of tidy.\n" in _user(fake, "greet")


def test_a_cycle_goes_together_without_each_others_new_summaries(fake: FakeAzure, repository: Path) -> None:
    assert main(["pkg/cycle.py"]) == 1
    assert "Calls `odd` (no docstring)" in _user(fake, "even")
    assert "Calls `even` (no docstring)" in _user(fake, "odd")
    assert "Calls `even`: Do the work of even.\n" in _user(fake, "check")
    assert (repository / "pkg" / "cycle.py").read_text().count('"""') == 6


def test_order_none_sends_everything_at_once_without_generated_summaries(fake: FakeAzure, repository: Path) -> None:
    write(repository / "pyproject.toml", '[project]\nname = "sample"\n[tool.docstring-hook]\norder = "none"\n')
    assert main(["pkg/app.py", "pkg/util.py"]) == 1
    assert "Calls `pkg.util.tidy` (no docstring)" in _user(fake, "greet")
    assert "Calls `tidy` (no docstring)" in _user(fake, "shout")


CHAIN = "".join(f"def step_{i}(value):\n    return step_{i + 1}(value) + {i}\n\n\n" for i in range(5)) + (
    "def step_5(value):\n    return value\n"
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_run_resumed_after_ctrl_c_pays_only_for_what_was_not_answered(project: Path) -> None:
    write(project / "chain.py", CHAIN)
    with FakeAzure(api_key="k", latency=0.4) as fake:
        environment = {**os.environ, "AZURE_OPENAI_ENDPOINT": fake.endpoint, "AZURE_OPENAI_API_KEY": "k",
                       "AZURE_OPENAI_DEPLOYMENT": "dep"}
        command = [sys.executable, "-m", "docstring_hook", "chain.py"]
        first = subprocess.Popen(command, cwd=project, env=environment, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: fake.count() >= 3)
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        answered = fake.count()
        assert 3 <= answered < 6  # one at a time, callees first: the callers of the last were never sent
        rerun = subprocess.run(command, check=False, cwd=project, env=environment, stderr=subprocess.PIPE, text=True,
                               timeout=60)
        assert rerun.returncode == 1, rerun.stderr
        assert fake.count() == 6, err + rerun.stderr  # the rebuilt prompts of the answered matched their cache keys
        assert [r.target for r in fake.requests] == [f"step_{i}" for i in range(5, -1, -1)]
    assert (project / "chain.py").read_text().count('"""') == 12


LIB = "from mid import mid\n\n\ndef leaf(value):\n    return value + 1\n\n\ndef top(value):\n    return mid(value) * 2\n"
MID = "from lib import leaf\n\n\ndef mid(value):\n    return leaf(value) - 3\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_run_resumed_after_a_kill_pays_again_only_for_the_unanswered(project: Path) -> None:
    # leaf, then mid, then top. Killed while top is in flight: mid.py was written (a docstring above its
    # call of leaf), lib.py was not, though leaf was answered. The rerun asks for leaf with mid as its
    # caller: the prompt it built before, so the answer comes from the cache; only top is asked again.
    write(project / "lib.py", LIB)
    write(project / "mid.py", MID)
    with FakeAzure(api_key="k", latency=1.0) as fake:
        environment = {**os.environ, "AZURE_OPENAI_ENDPOINT": fake.endpoint, "AZURE_OPENAI_API_KEY": "k",
                       "AZURE_OPENAI_DEPLOYMENT": "dep"}
        command = [sys.executable, "-m", "docstring_hook", "lib.py", "mid.py"]
        first = subprocess.Popen(command, cwd=project, env=environment, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: fake.count() >= 3 and '"""' in (project / "mid.py").read_text())
        first.kill()
        first.communicate(timeout=60)
        assert [r.target for r in fake.requests] == ["leaf", "mid", "top"]
        assert (project / "lib.py").read_text() == LIB
        assert "Called from `mid.py::mid`:\n" in _user(fake, "leaf")
        rerun = subprocess.run(command, check=False, cwd=project, env=environment, stderr=subprocess.PIPE,
                               text=True, timeout=60)
        assert rerun.returncode == 1, rerun.stderr
        assert [r.target for r in fake.requests] == ["leaf", "mid", "top", "top"], rerun.stderr
    assert (project / "lib.py").read_text().count('"""') == 4


@pytest.mark.parametrize(("value", "accepted"), [("callees-first", True), ("none", True), ("random", False)])
def test_the_order_setting(project: Path, value: str, accepted: bool) -> None:
    write(project / "pyproject.toml", f'[project]\nname = "sample"\n[tool.docstring-hook]\norder = "{value}"\n')
    if accepted:
        assert load(project, {}).order == value
    else:
        with pytest.raises(ConfigError, match="order: 'random' is not one of callees-first, none"):
            load(project, {})


def test_with_summaries_fills_only_the_callees_given_that_have_no_docstring(repository: Path) -> None:
    write(repository / "pkg" / "util.py", UTIL.replace("def shout(text):\n", 'def shout(text):\n    """Shout."""\n'))
    settings = Settings(root=str(repository))
    modules = RepositoryModules(settings)
    scanned = scan_file("pkg/app.py", settings)
    assert isinstance(scanned, ScannedFile)
    greet = next(iter(prepare_file(scanned, None, modules).facts.values()))
    shout, tidy = (Target(str(Path("pkg/util.py").resolve()), name, line, TargetKind.FUNCTION)
                   for name, line in (("shout", 5), ("tidy", 1)))
    shown = with_summaries(greet, {tidy: "Trim it.", shout: "Not shown: it has its own."}, modules)
    assert [(i.name, i.summary) for i in shown.context] == [("pkg.util.shout", "Shout."), ("pkg.util.tidy", "Trim it.")]
    assert with_summaries(greet, {}, modules) == greet


@pytest.mark.parametrize("style", [Style.GOOGLE, Style.NUMPY, Style.SPHINX, Style.PEP257])
@pytest.mark.parametrize(
    "draft",
    [
        DocstringDraft("return the sum of a and b"),
        DocstringDraft("Add two numbers. Both may be negative."),
        DocstringDraft("Add two\nnumbers", "Longer text.", returns="The sum."),
        DocstringDraft("is it ready?"),
    ],
)
def test_a_callee_summary_is_what_the_written_docstring_will_show(draft: DocstringDraft, style: Style) -> None:
    # The oracle: the rendered docstring's first paragraph, as a later run reads it from the file.
    facts = FunctionFacts(Target("m.py", "f", 1, TargetKind.FUNCTION), "", returns="int")
    written = render(draft, facts, RenderOptions(style=style)).value
    assert summary_of(draft, style) == " ".join(written.split("\n\n")[0].split())


class _Answering:
    """A generator that documents whatever it is asked for, at once."""

    async def generate(self, facts: FunctionFacts) -> Generated:
        return Generated(Outcome(facts.target, Status.DOCUMENTED), DocstringDraft("Do it."))


def test_a_target_calling_nothing_goes_before_every_file_is_prepared() -> None:
    lone = FunctionFacts(Target("a.py", "f", 1, TargetKind.FUNCTION), "def f():\n    pass\n")
    caller = dataclasses.replace(
        lone, target=Target("a.py", "g", 4, TargetKind.FUNCTION), context=(ContextItem("callee", "f", "def f():", None, ("", 1)),)
    )

    async def scenario() -> tuple[bool, bool]:
        schedule = Schedule(2, None)  # two files; the second is never prepared here
        schedule.add({1: lone, 4: caller})
        answering = cast(Generator, _Answering())
        went = await asyncio.wait_for(schedule.generate(answering, lone), 5)
        waiting = asyncio.ensure_future(schedule.generate(answering, caller))
        await asyncio.sleep(0.05)
        held = not waiting.done()  # a caller waits until the call graph is whole
        waiting.cancel()
        return went.draft is not None, held

    assert asyncio.run(scenario()) == (True, True)

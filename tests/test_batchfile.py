"""Batch files and the saved job: pure tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docstring_hook.datatypes import Reason
from docstring_hook.model import batchstate
from docstring_hook.model.batchfile import Answer, answers, request_line, split, summaries
from docstring_hook.model.batchrepair import answered_draft
from docstring_hook.model.batchstate import Job, Part
from docstring_hook.model.types import Completion


@pytest.mark.parametrize(
    ("sizes", "max_requests", "max_bytes", "expected"),
    [
        pytest.param([10, 10, 10], 50_000, 100, [[0, 1, 2]], id="all in one file"),
        pytest.param([10, 10, 10], 2, 100, [[0, 1], [2]], id="request limit"),
        pytest.param([40, 40, 40], 10, 100, [[0, 1], [2]], id="byte limit: 80 fits, 120 does not"),
        pytest.param([50, 50], 10, 100, [[0, 1]], id="exactly the byte limit"),
        pytest.param([150, 10], 10, 100, [[0], [1]], id="a line over the limit alone"),
        pytest.param([], 10, 100, [], id="nothing"),
    ],
)
def test_split(sizes: list[int], max_requests: int, max_bytes: int, expected: list[list[int]]) -> None:
    assert split([b"x" * n for n in sizes], max_requests, max_bytes) == expected


def test_a_request_line_is_one_json_object_and_a_newline() -> None:
    line = request_line("k" * 64, "/chat/completions", {"model": "dep", "messages": [{"role": "user", "content": "é\n"}]})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == {
        "custom_id": "k" * 64,
        "method": "POST",
        "url": "/chat/completions",
        "body": {"model": "dep", "messages": [{"role": "user", "content": "é\n"}]},
    }


def _result(key: str, status: int | None, body: dict[str, object] | None, error: dict[str, str] | None = None) -> str:
    response = None if status is None else {"status_code": status, "request_id": "req_1", "body": body}
    return json.dumps({"id": "batch_req_1", "custom_id": key, "response": response, "error": error})


def _chat(content: str, finish: str = "stop") -> dict[str, object]:
    return {
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(_result("a", 200, _chat("{}")), Answer("a", Completion("{}", "stop", 7, 3)), id="answered"),
        pytest.param(
            _result("b", 400, {"error": {"code": "context_length_exceeded", "message": "too long"}}),
            Answer("b", detail="HTTP 400 context_length_exceeded: too long"),
            id="refused request",
        ),
        pytest.param(
            _result("c", None, None, {"code": "batch_expired", "message": "not run"}),
            Answer("c", detail="batch_expired: not run", expired=True),
            id="expired",
        ),
        pytest.param(
            _result("d", 200, _chat("", "content_filter")),
            Answer("d", reason=Reason.CONTENT_FILTER, detail="the reply was withheld by the content filter"),
            id="filtered reply",
        ),
        pytest.param(
            _result("e", 400, {"error": {"code": "content_filter", "message": "policy"}}),
            Answer("e", reason=Reason.CONTENT_FILTER, detail="HTTP 400 content_filter: policy"),
            id="filtered prompt",
        ),
    ],
)
def test_answers(line: str, expected: Answer) -> None:
    assert answers(line + "\n") == [expected]


def test_lines_that_are_not_results_are_left_out() -> None:
    assert answers('not json\n{"no": "custom_id"}\n\n' + _result("a", 200, _chat("x"))) == [
        Answer("a", Completion("x", "stop", 7, 3))
    ]


def test_the_summaries_of_completed_answers_are_judged_together() -> None:
    found = [
        Answer("a", Completion(json.dumps({"summary": "Load the file."}), "stop", 7, 3)),
        Answer("b", None, Reason.API_ERROR, "failed line"),
        Answer("c", Completion("", "stop", 7, 0)),
        Answer("d", Completion("Return the sum.", "stop", 7, 3)),
    ]
    assert summaries(found) == ["Load the file.", "Return the sum."]


def test_the_saved_job_reads_back_as_written(tmp_path: Path) -> None:
    path = batchstate.state_path(tmp_path, "name")
    job = Job(
        "name",
        "https://x.openai.azure.com",
        "dep",
        (Part(("k1", "k2"), file_id="file-1", batch_id="batch_1", status="in_progress"),
         Part(("k3", "k4"), repair=True, held=True, repairs={"k3": ("reply", "problem"), "k4": ("reply", "summary")},
              shorten=("k4",), resent=True)),
        {"k1": ("a.py:1: f",), "k2": ("a.py:5: g", "b.py:5: g"), "k3": ("c.py:1: h",), "k4": ("d.py:1: i",)},
        created=1.5,
    )
    batchstate.save(path, job)
    assert batchstate.load(path) == job
    assert [p.name for p in path.parent.iterdir()] == ["name.json"]  # no temporary file left behind
    batchstate.forget(path)
    assert batchstate.load(path) is None


@pytest.mark.parametrize("content", ['{"version": 99}', "[]", '{"version": 1, "parts": [{}]}'])
def test_a_state_that_is_not_ours_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(ValueError):
        batchstate.load(path)


def test_the_resume_key_names_the_project_endpoint_and_deployment(tmp_path: Path) -> None:
    key = batchstate.resume_key(str(tmp_path), "https://a/", "dep")
    assert key == batchstate.resume_key(str(tmp_path / "." ), "https://a", "dep")
    assert key != batchstate.resume_key(str(tmp_path), "https://b", "dep")
    assert key != batchstate.resume_key(str(tmp_path), "https://a", "other")
    assert key != batchstate.resume_key(str(tmp_path / "sub"), "https://a", "dep")


DRAFT = json.dumps({"summary": "Add the first number to the second and give back what the two make.", "description": "",
                    "params": [{"name": "a", "type": None, "description": "A number."}],
                    "returns": {"type": None, "description": "The sum."}, "yields": None, "raises": []})


@pytest.mark.parametrize(
    ("part", "reply", "summary"),
    [
        pytest.param(Part(("k",)), DRAFT, "Add the first number to the second and give back what the two make.",
                     id="an answer is its own draft"),
        pytest.param(Part(("k",), repair=True, repairs={"k": (DRAFT, "Add ... make.")}, shorten=("k",)),
                     "Add the numbers.", "Add the numbers.", id="a shortened summary within the draft it shortens"),
    ],
)
def test_the_draft_an_answer_stands_for(part: Part, reply: str, summary: str) -> None:
    # What a stale answer is cached as, too: a shortening reply alone would lose the parameters.
    draft = answered_draft(Completion(reply, "stop", 1, 1), part, "k")
    assert draft.summary == summary
    assert [p.name for p in draft.params] == ["a"] and draft.returns == "The sum."

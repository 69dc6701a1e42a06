"""Batch files, both ways (pure): requests -> JSONL files within the service's limits; results -> answers.

A line of an input file is `{"custom_id", "method": "POST", "url", "body"}`,
the body being exactly what the synchronous run POSTs (`model.body`). Its
`custom_id` is the request's cache key: two targets asking the same
question are one line, and an answer is cached under the key it answers.
An output or error file's line is `{"id", "custom_id", "response":
{"status_code", "request_id", "body"} | null, "error": {"code", "message"}
| null}`, in any order (OpenAI Batch API reference; Azure OpenAI batch
how-to).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docstring_hook.datatypes import Reason
from docstring_hook.model.reply import InvalidReply, parse_reply
from docstring_hook.model.types import Completion

CHAT_URL = {"azure": "/chat/completions", "azure-v1": "/chat/completions", "openai": "/v1/chat/completions"}
"""The relative URL of every line and the batch's endpoint: Azure documents its own, OpenAI its /v1 one."""

TOKEN_LIMIT = "token_limit_exceeded"
"""Azure's code for a batch refused because the deployment's enqueued-token quota is full."""


@dataclass(frozen=True)
class Answer:
    """One line of an output or error file: a completion, or why there is none."""

    key: str
    completion: Completion | None = None
    reason: Reason = Reason.API_ERROR
    detail: str = ""
    expired: bool = False  # the batch's completion window ended before this line ran


EXPIRED = "batch_expired"
"""The error code of a line the batch's completion window ended before (OpenAI and Azure)."""


def request_line(key: str, url: str, body: Mapping[str, Any]) -> bytes:
    """One line of an input file, newline included."""
    line = {"custom_id": key, "method": "POST", "url": url, "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def split(lines: Sequence[bytes], max_requests: int, max_bytes: int) -> list[list[int]]:
    """The lines' indexes grouped into files of at most `max_requests` lines and `max_bytes` bytes, in order.

    A line longer than `max_bytes` on its own gets a file of its own (the
    service then refuses that file: no request of ours comes near it).
    """
    files: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index, line in enumerate(lines):
        if current and (len(current) >= max_requests or size + len(line) > max_bytes):
            files.append(current)
            current, size = [], 0
        current.append(index)
        size += len(line)
    if current:
        files.append(current)
    return files


def answers(text: str) -> list[Answer]:
    """Every parsable line of an output or error file; lines of other shapes are not ours and are left out."""
    found = []
    for raw in io.StringIO(text):  # not splitlines(): an output file of 20,000 answers is 100 MB
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and isinstance(line.get("custom_id"), str):
            found.append(_answer(line))
    return found


def summaries(found: Sequence[Answer]) -> list[str]:
    """The summaries the completed answers give, for judging their mood all at once."""
    result = []
    for answer in found:
        if answer.completion is not None:
            try:
                result.append(parse_reply(answer.completion.content).summary)
            except InvalidReply:
                continue
    return result


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _answer(line: Mapping[str, Any]) -> Answer:
    key = line["custom_id"]
    response = _object(line.get("response"))
    body = _object(response.get("body"))
    status = response.get("status_code")
    error = line.get("error") if isinstance(line.get("error"), dict) else None
    if status == 200 and error is None:
        return _completed(key, body)
    detail = _error_text(error or body.get("error"), status)
    reason = Reason.CONTENT_FILTER if "content_filter" in detail else Reason.API_ERROR
    expired = _object(error).get("code") == EXPIRED
    return Answer(key, reason=reason, detail=detail, expired=expired)


def _completed(key: str, body: Mapping[str, Any]) -> Answer:
    choices = body.get("choices") or [{}]
    choice = _object(choices[0] if isinstance(choices, list) else None)
    finish = choice.get("finish_reason")
    if finish == "content_filter":
        return Answer(key, reason=Reason.CONTENT_FILTER, detail="the reply was withheld by the content filter")
    message = _object(choice.get("message"))
    usage = _object(body.get("usage"))
    completion = Completion(
        content=str(message.get("content") or ""),
        finish_reason=finish if isinstance(finish, str) else None,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )
    return Answer(key, completion)


def _error_text(error: object, status: object) -> str:
    code = message = ""
    if isinstance(error, dict):
        code, message = str(error.get("code") or ""), str(error.get("message") or "")
    head = " ".join(part for part in (f"HTTP {status}" if isinstance(status, int) else "", code) if part)
    return f"{head}: {message}" if head and message else (head or message or "the batch gave no answer")

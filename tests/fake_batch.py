"""The Files and Batches endpoints of the fake, as OpenAI and Azure OpenAI document them.

Routes (each route family as the chat routes of `fake_azure`: Azure with
``?api-version=`` and ``api-key``, Azure v1, OpenAI-compatible ``/v1``):

- ``POST {base}/files`` (multipart: ``file``, ``purpose``) -> a file object
  (``status: "processed"``); ``GET {base}/files/{id}/content`` -> its bytes;
  ``GET {base}/files`` (list, ``?purpose=`` filters); ``DELETE
  {base}/files/{id}`` -> ``{"id", "object": "file", "deleted": true}``.
- ``POST {base}/batches`` (``input_file_id``, ``endpoint``,
  ``completion_window: "24h"``, ``metadata``) -> a batch object;
  ``GET {base}/batches`` (list, newest first); ``GET {base}/batches/{id}``;
  ``POST {base}/batches/{id}/cancel``. An id the service does not know: 404.

``{base}`` is ``/openai`` (Azure, api-version 2024-10-21 or later: the
Batch API is not in 2024-06-01), ``/openai/v1`` or ``/v1``. Each line's
``url`` and the batch's ``endpoint`` must be ``/chat/completions`` on
Azure and ``/v1/chat/completions`` on OpenAI; a file that breaks the input
rules (a line not JSON, a repeated ``custom_id``, another url, two models,
more lines than `max_requests`) makes the batch ``failed`` with
``errors.data`` as the services report them.

Time: a batch is ``validating``, then ``in_progress`` while its lines are
answered over `seconds` (default: at once), then ``finalizing`` briefly and
``completed``. Each line is answered as a chat request to the same fake would
be (scripts, replies, faults: `FakeAzure.script`), and recorded in
`FakeAzure.requests` with the path ``batch:<batch id>``. A 200 goes to the
output file; any other status to the error file (``response`` with the
status and the error body). Azure's enqueued-token quota (`enqueued_tokens`):
a batch whose lines' prompt tokens, with those of the batches still running,
exceed it is ``failed`` with ``token_limit_exceeded``, as Azure reports it.

Scripting (`BatchFate`, `FakeAzure.batch.fates`): the next batches created
``expire`` after N lines (the rest: ``batch_expired`` in the error file),
``fail`` as a whole, take ``seconds`` to run; `faults` (error `Fault`s)
answer the next Files/Batches requests, after the route and key are checked; `forget()` drops every batch
(404 from then on); `upload_delay` holds each upload's answer (after the
file is stored), for killing a client mid-upload.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fake_azure import FakeAzure, _Handler

_FILES = re.compile(r"^(/openai/v1|/openai|/v1)/files(?:/([^/]+)(/content)?)?/?$")
_BATCHES = re.compile(r"^(/openai/v1|/openai|/v1)/batches(?:/([^/]+)(/cancel)?)?/?$")
BATCH_MIN_API_VERSION = "2024-07-01-preview"
EXPIRED = {"code": "batch_expired",
           "message": "This request could not be executed before the completion window expired."}


@dataclass(frozen=True)
class BatchFate:
    """How one batch ends: `expire_after` lines (None: all run), `fail` as a whole, in `seconds`."""

    seconds: float | None = None
    expire_after: int | None = None
    fail: tuple[str, str] | None = None  # (code, message)


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    azure: bool
    created: float
    fate: BatchFate
    lines: list[dict[str, Any]]
    tokens: int
    metadata: dict[str, str] | None
    status: str = "validating"
    errors: list[dict[str, Any]] = field(default_factory=list)
    done: int = 0
    output: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    output_file_id: str | None = None
    error_file_id: str | None = None


class BatchService:
    """The Files and Batches state of one fake server."""

    def __init__(self, fake: FakeAzure) -> None:
        self.fake = fake
        self.seconds = 0.0
        self.max_requests = 100_000
        self.enqueued_tokens: int | None = None
        self.upload_delay = 0.0
        self.lose_results = False  # output and error files gone (deleted, or past the service's retention)
        self.fates: deque[BatchFate] = deque()
        self.files: dict[str, tuple[bytes, str, str]] = {}  # id -> (data, filename, purpose)
        self.batches: dict[str, _Batch] = {}
        self.faults: deque[Any] = deque()  # `Fault`s answering the next Files/Batches requests instead
        self.uploads = 0
        self.created = 0
        self.cancels = 0
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    @staticmethod
    def handles(path: str) -> bool:
        return bool(_FILES.match(path) or _BATCHES.match(path))

    def hurry(self) -> None:
        """Every batch still running finishes at its next look (its lines are answered then)."""
        import dataclasses

        with self._lock:
            for batch in self.batches.values():
                batch.fate = dataclasses.replace(batch.fate, seconds=0.0)

    def forget(self) -> None:
        """The service no longer knows any batch (deleted, or past its retention)."""
        with self._lock:
            self.batches.clear()

    # Serving.

    def serve(self, handler: _Handler, path: str, query: dict[str, str],
              headers: dict[str, str], raw: bytes) -> None:
        from tests.fake_azure import _AZURE_401, _OPENAI_401, _RESOURCE_NOT_FOUND, _error

        fake = self.fake
        match = _FILES.match(path) or _BATCHES.match(path)
        assert match is not None
        base = match.group(1)
        azure = base.startswith("/openai")
        version = query.get("api-version", "")
        if base == "/openai" and (version not in fake.api_versions or version < BATCH_MIN_API_VERSION):
            return fake._send(handler, 404, _RESOURCE_NOT_FOUND)
        if not fake._authorized(headers, azure=azure, deployments_route=False):
            return fake._send(handler, 401, _AZURE_401 if azure else _OPENAI_401)
        with self._lock:
            fault = self.faults.popleft() if self.faults else None
        if fault is not None:
            return fake._send(handler, fault.status, dict(fault.body or {}), dict(fault.headers))
        files = _FILES.match(path) is not None
        ident, tail = match.group(2), match.group(3)
        method = handler.command
        if files and ident is None and method == "POST":
            return self._upload(handler, headers, raw)
        if files and ident is not None and tail and method == "GET":
            return self._content(handler, ident)
        if files and ident is not None and method == "GET":
            return self._file_object(handler, ident)
        if files and ident is None and method == "GET":
            return self._list_files(handler, query.get("purpose"))
        if files and ident is not None and method == "DELETE" and not tail:
            return self._delete_file(handler, ident)
        if not files and ident is None and method == "POST":
            return self._create(handler, raw, azure)
        if not files and ident is None and method == "GET":
            return self._list(handler)
        if not files and ident is not None and method == "GET" and not tail:
            return self._retrieve(handler, ident)
        if not files and ident is not None and method == "POST" and tail:
            return self._cancel(handler, ident)
        return fake._send(handler, 404, _error("404", "Resource not found"))

    def _upload(self, handler: _Handler, headers: dict[str, str], raw: bytes) -> None:
        from tests.fake_azure import _error

        fields = _multipart(headers.get("content-type", ""), raw)
        if "file" not in fields or fields.get("purpose", (b"", ""))[0] != b"batch":
            return self.fake._send(handler, 400, _error("invalid_request_error", "file and purpose 'batch' needed"))
        data, name = fields["file"]
        with self._lock:
            file_id = f"file-{next(self._ids):06d}"
            self.files[file_id] = (data, name or "upload.jsonl", "batch")
            self.uploads += 1
        if self.upload_delay:
            self.fake._stopping.wait(self.upload_delay)
        self.fake._send(handler, 200, self._file_json(file_id))

    def _file_json(self, file_id: str) -> dict[str, Any]:
        data, name, purpose = self.files[file_id]
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": name, "purpose": purpose, "status": "processed"}

    def _file_object(self, handler: _Handler, file_id: str) -> None:
        from tests.fake_azure import _error

        if file_id not in self.files or (self.lose_results and self.files[file_id][2] == "batch_output"):
            return self.fake._send(handler, 404, _error("404", "File not found"))
        self.fake._send(handler, 200, self._file_json(file_id))

    def _list_files(self, handler: _Handler, purpose: str | None) -> None:
        with self._lock:
            data = [self._file_json(i) for i in reversed(list(self.files)) if purpose in (None, self.files[i][2])]
        self.fake._send(handler, 200, {"object": "list", "data": data, "has_more": False})

    def _delete_file(self, handler: _Handler, file_id: str) -> None:
        from tests.fake_azure import _error

        with self._lock:
            found = self.files.pop(file_id, None)
        if found is None:
            return self.fake._send(handler, 404, _error("404", "File not found"))
        self.fake._send(handler, 200, {"id": file_id, "object": "file", "deleted": True})

    def _content(self, handler: _Handler, file_id: str) -> None:
        from tests.fake_azure import _error

        if file_id not in self.files or (self.lose_results and self.files[file_id][2] == "batch_output"):
            return self.fake._send(handler, 404, _error("404", "File not found"))
        data = self.files[file_id][0]
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _create(self, handler: _Handler, raw: bytes, azure: bool) -> None:
        from tests.fake_azure import _error

        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        file_id = body.get("input_file_id")
        url = "/chat/completions" if azure else "/v1/chat/completions"
        if file_id not in self.files:
            return self.fake._send(handler, 400, _error("invalid_request_error", f"No such File object: {file_id}"))
        if body.get("endpoint") != url or body.get("completion_window") != "24h":
            return self.fake._send(handler, 400, _error(
                "invalid_request_error", f"endpoint must be {url} and completion_window 24h"))
        with self._lock:
            batch_id = f"batch_{next(self._ids):06d}"
            fate = self.fates.popleft() if self.fates else BatchFate()
            lines, errors = self._validated(self.files[file_id][0], url)
            batch = _Batch(batch_id, file_id, url, azure, time.monotonic(), fate, lines,
                           self._tokens(lines), body.get("metadata"))
            batch.errors = errors
            if not errors and self.enqueued_tokens is not None:
                enqueued = sum(b.tokens for b in self.batches.values() if b.status in _RUNNING)
                if enqueued + batch.tokens > self.enqueued_tokens:
                    batch.errors = [{"code": "token_limit_exceeded", "message": (
                        f"The number of enqueued tokens has surpassed the configured limit of "
                        f"{self.enqueued_tokens} for this deployment. Please either increase the limit "
                        "or try again once the current jobs have finished."), "line": None, "param": None}]
            self.batches[batch_id] = batch
            self.created += 1
            self._advance(batch)
            answer = self._batch_json(batch)
        self.fake._send(handler, 200, answer)

    def _validated(self, data: bytes, url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        lines: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        models: set[str] = set()
        for number, raw in enumerate(data.splitlines(), 1):
            try:
                line = json.loads(raw)
            except ValueError:
                errors.append(_line_error("invalid_json_line", "This line is not parseable as valid JSON.", number))
                continue
            custom_id = line.get("custom_id")
            if custom_id in seen:
                errors.append(_line_error("duplicate_custom_id", "The custom_id for this request is a duplicate "
                                          "of another request. The custom_id parameter must be unique for each "
                                          "request in a batch.", number))
            if line.get("url") != url or line.get("method") != "POST":
                errors.append(_line_error("invalid_url", f"The url must be {url} and the method POST.", number))
            seen.add(custom_id)
            models.add(str((line.get("body") or {}).get("model")))
            lines.append(line)
        if len(models) > 1:
            errors.append(_line_error("mismatched_model", "All requests must use the same model.", None))
        if len(lines) > self.max_requests:
            errors.append(_line_error("too_many_requests", f"A batch holds at most {self.max_requests} "
                                      "requests.", None))
        return lines, errors

    def _tokens(self, lines: list[dict[str, Any]]) -> int:
        from tests.fake_azure import billed_prompt_tokens

        if self.enqueued_tokens is None:
            return 0
        return sum(billed_prompt_tokens(line.get("body") or {}, self.fake.model_name) for line in lines)

    def _list(self, handler: _Handler) -> None:
        with self._lock:
            for batch in self.batches.values():
                self._advance(batch)
            data = [self._batch_json(b) for b in reversed(list(self.batches.values()))]
        self.fake._send(handler, 200, {"object": "list", "data": data, "has_more": False,
                                       "first_id": data[0]["id"] if data else None,
                                       "last_id": data[-1]["id"] if data else None})

    def _retrieve(self, handler: _Handler, batch_id: str) -> None:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is not None:
                self._advance(batch)
                answer = self._batch_json(batch)
        if batch is None:
            return self._unknown(handler, batch_id)
        self.fake._send(handler, 200, answer)

    def _cancel(self, handler: _Handler, batch_id: str) -> None:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is not None:
                self._advance(batch)
                if batch.status in _RUNNING:
                    batch.status = "cancelling"
                self.cancels += 1
                answer = self._batch_json(batch)
        if batch is None:
            return self._unknown(handler, batch_id)
        self.fake._send(handler, 200, answer)

    def _unknown(self, handler: _Handler, batch_id: str) -> None:
        from tests.fake_azure import _error

        self.fake._send(handler, 404, _error("404", f"Batch {batch_id} not found"))

    # The life of a batch: evaluated whenever it is looked at.

    def _advance(self, batch: _Batch) -> None:
        if batch.status not in _RUNNING:
            return
        if batch.errors:
            batch.status = "failed"
            return
        if batch.fate.fail is not None:
            code, message = batch.fate.fail
            batch.errors = [{"code": code, "message": message, "line": None, "param": None}]
            batch.status = "failed"
            return
        batch.status = "in_progress" if batch.status == "validating" else batch.status
        seconds = self.seconds if batch.fate.seconds is None else batch.fate.seconds
        elapsed = time.monotonic() - batch.created
        total = len(batch.lines)
        runnable = total if batch.fate.expire_after is None else min(total, batch.fate.expire_after)
        due = total if seconds <= 0 else min(total, int(total * elapsed / seconds))
        if batch.status == "cancelling":
            due = batch.done
        while batch.done < min(due, runnable):
            self._run_line(batch, batch.lines[batch.done])
            batch.done += 1
        if batch.status == "cancelling":
            return self._finish(batch, "cancelled", None)
        if batch.done >= runnable and (seconds <= 0 or elapsed >= seconds):
            self._finish(batch, "completed" if runnable == total else "expired", EXPIRED)

    def _run_line(self, batch: _Batch, line: dict[str, Any]) -> None:
        status, payload = self.fake._answer_body(line.get("body") or {}, azure=batch.azure, where=f"batch:{batch.id}")
        request_id = f"req_{next(self._ids):06d}"
        result = {"id": f"batch_req_{next(self._ids):06d}", "custom_id": line.get("custom_id"),
                  "response": {"status_code": status, "request_id": request_id, "body": payload}, "error": None}
        (batch.output if status == 200 else batch.failed).append(json.dumps(result))

    def _finish(self, batch: _Batch, status: str, missing: dict[str, str] | None) -> None:
        if missing is not None:
            for line in batch.lines[batch.done:]:
                batch.failed.append(json.dumps({"id": f"batch_req_{next(self._ids):06d}",
                                                "custom_id": line.get("custom_id"), "response": None,
                                                "error": missing}))
        batch.status = status
        for kind, results in (("output_file_id", batch.output), ("error_file_id", batch.failed)):
            if results:
                file_id = f"file-{next(self._ids):06d}"
                self.files[file_id] = (("\n".join(results) + "\n").encode(), f"{batch.id}_{kind}.jsonl",
                                       "batch_output")
                setattr(batch, kind, file_id)

    def _batch_json(self, batch: _Batch) -> dict[str, Any]:
        failed = len(batch.failed)
        return {
            "id": batch.id, "object": "batch", "endpoint": batch.endpoint,
            "errors": {"object": "list", "data": batch.errors} if batch.errors else None,
            "input_file_id": batch.input_file_id, "completion_window": "24h", "status": batch.status,
            "output_file_id": batch.output_file_id, "error_file_id": batch.error_file_id,
            "created_at": int(time.time()), "expires_at": int(time.time()) + 86400,
            "request_counts": {"total": len(batch.lines), "completed": len(batch.output), "failed": failed},
            "metadata": batch.metadata,
        }


_RUNNING = frozenset({"validating", "in_progress", "finalizing", "cancelling"})


def _line_error(code: str, message: str, line: int | None) -> dict[str, Any]:
    return {"code": code, "message": message, "line": line, "param": None}


def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[bytes, str]]:
    """The parts of a multipart/form-data body: name -> (bytes, filename)."""
    document = f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(document)
    fields: dict[str, tuple[bytes, str]] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (payload, part.get_filename() or "")
    return fields

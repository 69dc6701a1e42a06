"""A real HTTP fake of the Azure OpenAI chat-completions API, for tests.

Tests drive the real openai SDK against this server on 127.0.0.1; nothing
of the SDK or its transport is mocked. Routes:

- ``POST /openai/deployments/{deployment}/chat/completions?api-version=V``
  (Azure): ``api-key`` header, or ``Authorization: Bearer <entra_token>``.
  A missing or unsupported api-version gets Azure's 404 "Resource not found".
- ``POST /openai/v1/chat/completions`` (Azure v1): model in the body is the
  deployment; ``api-key`` header or ``Bearer`` (key or entra token). An
  api-version other than none/"v1"/"preview"/"latest" gets Azure's 400
  "API version not supported".
- ``POST /v1/chat/completions`` (OpenAI-compatible): ``Bearer <key>``.

The request/answer contract. The first user message holds a line
``Target: <qualified name>`` and the code in a fence opened by a line
"```python" and closed by a line "```". Unless scripted otherwise the answer
documents that code (see `default_docstring`): "Do the work of <name>.", one
param per parameter but a leading self/cls, returns only for a ``return
<value>`` (not None, not in __init__ or a generator), yields for generators,
one raises entry per raised name. With ``response_format`` json_schema or
json_object the message content is this JSON (the wire contract)::

    {"summary": str, "description": str,
     "params": [{"name": str, "type": str|null, "description": str}],
     "returns": {"type": str|null, "description": str} | null,
     "yields": {"type": str|null, "description": str} | null,
     "raises": [{"exception": str, "description": str}]}

Without ``response_format`` (or with type "text") it is a Google-style
docstring body without quotes (see `render_google`). A response_format the
server does not support gets a 400 ``param: response_format`` or, with
``unsupported="500"``, a bare 500 as some compatible servers send.

Which answer a request gets: the next fault scripted for its target
(`FakeAzure.script`), else the next of `script_all`, else the content set
by `FakeAzure.reply` for the target, else the default answer above. Route,
api-version, key and deployment are checked first: a refused request
consumes no script.

``usage.prompt_tokens`` is counted with the model's real encoding as the
service bills it (see `billed_prompt_tokens`), ``completion_tokens`` are the
tokens of the answer; the tpm quota and the context window count the prompt
tokens, and the quota adds the requested max_tokens/max_completion_tokens, as
Azure does.

Rate limits (`rpm`, `tpm`) are enforced as Azure documents: over a sliding
window of `rate_window` seconds (1 or 10 on Azure; 60 by default here) that
holds the per-minute quota scaled to it (600 RPM over 1 s: 10 a second). A
refusal is a 429 whose retry-after-ms is the time until the oldest request
counted leaves the window (retry-after: that, in whole seconds, at least 1);
every answer reports x-ratelimit-limit/remaining-requests/-tokens for the
window, unless `rate_headers=False` (a server that sends none).
"""

from __future__ import annotations

import ast
import functools
import itertools
import json
import math
import re
import socket
import textwrap
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.fake_batch import BatchService

if TYPE_CHECKING:  # typing only: at run time the module needs the stdlib alone until it counts tokens
    import tiktoken
    from typing_extensions import Self

# The GA data-plane versions and the recent previews; extend per test as needed.
DEFAULT_API_VERSIONS = frozenset(
    {"2024-06-01", "2024-10-21", "2024-12-01-preview", "2025-01-01-preview",
     "2025-03-01-preview", "2025-04-01-preview"}
)
V1_API_VERSIONS = frozenset({"", "v1", "preview", "latest"})

_DEPLOYMENT_ROUTE = re.compile(r"^/openai/deployments/([^/]+)/chat/completions/?$")
_AZURE_V1_ROUTE = "/openai/v1/chat/completions"
_OPENAI_ROUTE = "/v1/chat/completions"
_TARGET = re.compile(r"^Target:\s*(\S.*?)\s*$", re.MULTILINE)
_ELIDED = re.compile(r"^(\s*)# \.\.\. .* elided \.\.\.\s*$")
_RAISE_TEXT = "If the operation fails."
_NOT_FILTERED = {k: {"filtered": False, "severity": "safe"}
                 for k in ("hate", "self_harm", "sexual", "violence")}


def _error(code: str | None, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


_AZURE_401 = _error("401", "Access denied due to invalid subscription key or wrong API "
                    "endpoint. Make sure to provide a valid key for an active "
                    "subscription and use a correct regional API endpoint for your resource.")
_OPENAI_401 = _error("invalid_api_key", "Incorrect API key provided.",
                     type="invalid_request_error", param=None)
_RESOURCE_NOT_FOUND = _error("404", "Resource not found")


@dataclass(frozen=True)
class Fault:
    """One scripted answer; build it with the factories below."""

    kind: str  # ok | error | hang | drop | reply | truncate | filtered
    status: int = 200
    body: Mapping[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    content: str | None = None
    finish_reason: str = "stop"

    @classmethod
    def ok(cls) -> Fault:
        return cls("ok")

    @classmethod
    def status_error(cls, status: int, body: Mapping[str, Any] | None = None,
                     headers: Mapping[str, str] | None = None) -> Fault:
        body = body if body is not None else _error(str(status), f"HTTP {status}")
        return cls("error", status, body, tuple((headers or {}).items()))

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1,
                     retry_after_ms: int | None = None) -> Fault:
        headers = {}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        if retry_after_ms is not None:
            headers["retry-after-ms"] = str(retry_after_ms)
        return cls.status_error(429, _rate_limit_body(retry_after or 1), headers)

    @classmethod
    def quota_exhausted(cls, retry_after: float | None = 86400) -> Fault:
        body = _error("insufficient_quota", "You exceeded your current quota, please "
                      "check your plan and billing details.", type="insufficient_quota")
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
        return cls.status_error(429, body, headers)

    @classmethod
    def server_error(cls) -> Fault:
        return cls.status_error(500, _error("InternalServerError", "The server had an "
                                            "error while processing your request."))

    @classmethod
    def unavailable(cls, retry_after: float | None = None) -> Fault:
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
        return cls.status_error(503, _error("ServiceUnavailable", "The service is "
                                            "temporarily unable to process your request."),
                                headers)

    @classmethod
    def context_length_exceeded(cls, limit: int = 128000, used: int = 130000) -> Fault:
        return cls.status_error(400, _context_body(limit, used))

    @classmethod
    def prompt_filtered(cls) -> Fault:
        """Azure's 400 when the prompt trips the content filter."""
        return cls.status_error(400, _error(
            "content_filter", "The response was filtered due to the prompt triggering "
            "Azure OpenAI's content management policy. Please modify your prompt and retry.",
            param="prompt", type=None, status=400,
            innererror={"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
                **_NOT_FILTERED, "jailbreak": {"filtered": True, "detected": True}}}))

    @classmethod
    def unauthorized(cls) -> Fault:
        return cls.status_error(401, _AZURE_401)

    @classmethod
    def forbidden(cls) -> Fault:
        return cls.status_error(403, _error("PermissionDenied", "The principal lacks "
                                            "the required data action."))

    @classmethod
    def not_found(cls) -> Fault:
        return cls.status_error(404, _RESOURCE_NOT_FOUND)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Wait `seconds` (cut short when the server stops), then answer normally."""
        return cls("hang", seconds=seconds)

    @classmethod
    def drop(cls) -> Fault:
        """Send the headers and half of the body, then close the connection."""
        return cls("drop")

    @classmethod
    def reply(cls, content: str, finish_reason: str = "stop") -> Fault:
        return cls("reply", content=content, finish_reason=finish_reason)

    @classmethod
    def invalid_json(cls) -> Fault:
        return cls.reply('Here is the docstring: {"summary": "Do the work.", "params": [')

    @classmethod
    def empty(cls) -> Fault:
        return cls.reply("")

    @classmethod
    def truncated(cls) -> Fault:
        """The normal answer cut in half, with finish_reason "length"."""
        return cls("truncate", finish_reason="length")

    @classmethod
    def completion_filtered(cls) -> Fault:
        """A 200 whose content is null, with finish_reason "content_filter"."""
        return cls("filtered", finish_reason="content_filter")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any] | None
    target: str | None
    timestamp: float  # time.monotonic() when it arrived


def _rate_limit_body(seconds: float) -> dict[str, Any]:
    return _error("429", "Requests to the ChatCompletions_Create Operation under Azure "
                  "OpenAI API have exceeded the rate limit of your current pricing tier. "
                  f"Please retry after {seconds:g} seconds.")


def _context_body(limit: int, used: int) -> dict[str, Any]:
    return _error("context_length_exceeded", f"This model's maximum context length is "
                  f"{limit} tokens. However, your messages resulted in {used} tokens. "
                  "Please reduce the length of the messages.",
                  param="messages", type="invalid_request_error")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


@functools.cache
def _tokenizer(model_name: str) -> tiktoken.Encoding:
    """The encoding the service tokenizes `model_name` with (o200k_base for unknown names)."""
    import tiktoken

    from docstring_hook.model.encodings import load_encoding  # the shipped files, checked by test_encodings

    try:
        name = tiktoken.encoding_name_for_model(model_name)
    except KeyError:
        name = "o200k_base"
    return load_encoding(name)


def _tokens(text: str, model_name: str) -> int:
    return len(_tokenizer(model_name).encode(text, disallowed_special=()))


def _schema_shown(value: Any) -> Any:
    """The schema as the service shows it to the model (cookbook issue 2140): no required/additionalProperties/$schema."""
    if isinstance(value, dict):
        return {key: _schema_shown(item) for key, item in value.items()
                if key not in ("required", "additionalProperties", "$schema")}
    if isinstance(value, list):
        return [_schema_shown(item) for item in value]
    return value


def billed_prompt_tokens(body: Mapping[str, Any], model_name: str = "gpt-4o") -> int:
    """The prompt tokens the service bills for a chat request `body`.

    OpenAI's cookbook ("How to count tokens with tiktoken", verified there
    against the API): 3 tokens per message, plus the tokens of every value of
    the message (role, content, name), plus 1 per name; 3 for the primed
    reply. A json_schema response_format adds its schema as compact JSON
    without required/additionalProperties/$schema, plus 9: the only
    measurement found (openai/openai-cookbook issue 2140), as OpenAI does not
    document it.
    """
    messages = body.get("messages")
    total = 3
    for message in messages if isinstance(messages, list) else ():
        if not isinstance(message, dict):
            continue
        total += 3
        for key, value in message.items():
            total += _tokens(_text_of(value), model_name) + (key == "name")
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        schema = response_format.get("json_schema", {}).get("schema", {})
        total += _tokens(json.dumps(_schema_shown(schema), separators=(",", ":"), ensure_ascii=False), model_name) + 9
    return total


def parse_prompt(body: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """The target and the fenced source of the first user message naming a target.

    A repair request repeats the conversation and adds a user message of
    its own: it still counts for the target of the first one.
    """
    messages = body.get("messages") if body else None
    users = [_text_of(m.get("content")) for m in messages or [] if isinstance(m, dict) and m.get("role") == "user"]
    naming = [text for text in users if _TARGET.search(text)]
    if not naming:
        return None, None
    text = naming[0]
    match = _TARGET.search(text)
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "```python"]
    ends = [i for i, line in enumerate(lines) if line.strip() == "```"]
    source = None
    if starts and ends and ends[-1] > starts[0]:
        source = "\n".join(lines[starts[0] + 1 : ends[-1]]) + "\n"
    return (match.group(1) if match else None), source


def _definition(source: str) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None:
    lines = textwrap.dedent(source).splitlines()
    lines = [_ELIDED.sub(r"\1pass", line) for line in lines]
    attempts = ["\n".join(lines)]  # then the bare signature, for unparsable bodies
    attempts += ["\n".join(lines[: i + 1]) + "\n    pass" for i in range(len(lines))
                 if lines[i].rstrip().endswith(":")]
    for attempt in attempts:
        try:
            tree = ast.parse(attempt)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return node
    return None


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """The nodes of a body, not descending into nested functions or classes."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        found.append(child)
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(child))
    return found


def _typed(annotation: ast.expr | None, description: str) -> dict[str, Any]:
    return {"type": ast.unparse(annotation) if annotation else None,
            "description": description}


def default_docstring(source: str | None, qualname: str | None = None) -> dict[str, Any]:
    """The valid docstring (wire-contract JSON) the fake writes for `source`."""
    node = _definition(source) if source else None
    name = node.name if node else (qualname or "it").rsplit(".", 1)[-1]
    doc: dict[str, Any] = {"summary": f"Do the work of {name}.", "description": "",
                           "params": [], "returns": None, "yields": None, "raises": []}
    function = node
    if isinstance(node, ast.ClassDef):
        function = next((s for s in node.body if isinstance(
            s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__init__"), None)
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return doc
    a = function.args
    arguments = [*a.posonlyargs, *a.args]
    if arguments and arguments[0].arg in ("self", "cls"):
        arguments.pop(0)
    arguments += [x for x in (a.vararg,) if x] + a.kwonlyargs + [x for x in (a.kwarg,) if x]
    doc["params"] = [{"name": x.arg, **_typed(x.annotation, f"The {x.arg}.")}
                     for x in arguments]
    if isinstance(node, ast.ClassDef):
        return doc
    own = _own_nodes(function)
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own):
        doc["yields"] = {"type": None, "description": "The values."}
    elif function.name != "__init__" and any(
        isinstance(n, ast.Return) and n.value is not None
        and not (isinstance(n.value, ast.Constant) and n.value.value is None) for n in own
    ):
        doc["returns"] = _typed(function.returns, "The result.")
    raised: dict[str, None] = {}
    for n in own:
        if isinstance(n, ast.Raise) and n.exc is not None:
            exception = n.exc.func if isinstance(n.exc, ast.Call) else n.exc
            raised[ast.unparse(exception)] = None
    doc["raises"] = [{"exception": e, "description": _RAISE_TEXT} for e in raised]
    return doc


def render_google(doc: Mapping[str, Any]) -> str:
    """The plain-text (Google style, unquoted) form of a wire-contract docstring."""
    parts = [doc["summary"]] + ([doc["description"]] if doc["description"] else [])
    if doc["params"]:
        parts.append("Args:\n" + "\n".join(f"    {p['name']}: {p['description']}"
                                           for p in doc["params"]))
    for key, heading in (("returns", "Returns"), ("yields", "Yields")):
        if doc[key]:
            parts.append(f"{heading}:\n    {doc[key]['description']}")
    if doc["raises"]:
        parts.append("Raises:\n" + "\n".join(f"    {r['exception']}: {r['description']}"
                                             for r in doc["raises"]))
    return "\n\n".join(parts)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeAzure


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection cannot hold a thread forever
    # TCP_NODELAY, as real servers set it: the headers and the body go out in two
    # writes, and with Nagle's algorithm the body waited for the client's delayed
    # ACK of the headers, about 40 ms on every answer (bench/README.md, section 3).
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._connections.add(self.connection)
        if self.server.fake._stopping.is_set():  # accepted while stopping
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def finish(self) -> None:
        self.server.fake._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_PUT = do_DELETE = do_POST


class FakeAzure:
    """The fake server; a context manager that serves on 127.0.0.1:<free port>."""

    def __init__(
        self,
        api_key: str = "test-key",
        deployment: str = "dep",
        *,
        deployments: Iterable[str] = (),
        entra_token: str | None = None,
        api_versions: Iterable[str] = DEFAULT_API_VERSIONS,
        model_name: str = "gpt-4o-2024-08-06",
        structured_output: bool = True,
        json_mode: bool = True,
        unsupported: str = "400",  # or "500": how an unsupported response_format is refused
        rejected_parameters: Iterable[str] = (),
        latency: float = 0.0,
        rpm: int | None = None,
        tpm: int | None = None,
        rate_window: float = 60.0,
        rate_headers: bool = True,
        context_window: int | None = None,
    ) -> None:
        if unsupported not in ("400", "500"):
            raise ValueError(f"unsupported must be '400' or '500', not {unsupported!r}")
        self.api_key = api_key
        self.deployments = {deployment, *deployments}
        self.entra_token = entra_token
        self.api_versions = frozenset(api_versions)
        self.model_name = model_name
        self.structured_output, self.json_mode = structured_output, json_mode
        self.unsupported = unsupported
        self.rejected_parameters = frozenset(rejected_parameters)
        self.latency, self.rpm, self.tpm = latency, rpm, tpm
        self.rate_window, self.context_window = rate_window, context_window
        self.rate_headers = rate_headers
        self.requests: list[RecordedRequest] = []
        self.intervals: list[tuple[float, float]] = []  # (start, end) of answered requests
        self.status_counts: Counter[int] = Counter()
        self.throttled = 0  # 429s sent by the rpm/tpm limits
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._scripts: dict[str, deque[Fault]] = {}
        self._script_all: deque[Fault] = deque()
        self._replies: dict[str, Fault] = {}
        self._window: deque[tuple[float, int]] = deque()  # (time, tokens) accepted
        self.charged: list[int] = []  # tokens counted against tpm/rpm, per accepted request
        self._in_flight = self._max_in_flight = 0
        self._ids = itertools.count(1)
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.batch = BatchService(self)  # the Files and Batches endpoints (tests/fake_batch.py)

    @classmethod
    def openai_compatible_minimal(cls, api_key: str = "test-key", model: str = "local-model",
                                  **options: Any) -> FakeAzure:
        """A bare compatible server: plain text only, 500 on response_format, 4k context."""
        settings: dict[str, Any] = {"structured_output": False, "json_mode": False,
                                    "unsupported": "500", "context_window": 4096,
                                    "model_name": model, **options}
        return cls(api_key, model, **settings)

    # Life cycle.

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> FakeAzure:
        # Load the tokenizer now: the first requests arrive together, and each handler thread
        # would otherwise load it again (functools.cache does not hold the others back).
        _tokenizer(self.model_name)
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # ends every hang and latency wait at once
        self._server.shutdown()
        for connection in list(self._connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()  # joins the handler threads, all now ending
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "the fake is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # Scripting and counters.

    def script(self, target: str, faults: Iterable[Fault]) -> None:
        """Answer the next requests for `target` with `faults`, in order."""
        with self._lock:
            self._scripts.setdefault(target, deque()).extend(faults)

    def script_all(self, faults: Iterable[Fault]) -> None:
        """Answer the next requests, whatever their target, with `faults`, in order."""
        with self._lock:
            self._script_all.extend(faults)

    def reply(self, target: str, content: str, finish_reason: str = "stop") -> None:
        """Answer every request for `target` with this content (until changed)."""
        with self._lock:
            self._replies[target] = Fault.reply(content, finish_reason)

    def count(self, target: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if target is None or r.target == target)

    def user_message(self, target: str) -> str:
        """The user message of the first request made for `target`."""
        with self._lock:
            body = next(r.body for r in self.requests if r.target == target and r.body)
        return next(str(m["content"]) for m in body["messages"] if m["role"] == "user")

    @property
    def max_in_flight(self) -> int:
        return self._max_in_flight

    # Serving.

    def _handle(self, handler: _Handler) -> None:
        start = time.monotonic()
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            self._serve(handler, start)
        except OSError:  # the client went away (timeout, closed pool)
            handler.close_connection = True
        finally:
            with self._lock:
                self._in_flight -= 1
                self.intervals.append((start, time.monotonic()))

    def _serve(self, handler: _Handler, start: float) -> None:
        url = urlsplit(handler.path)
        raw = handler.rfile.read(int(handler.headers.get("content-length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else None
        target, source = parse_prompt(body)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(handler.command, url.path, query,
                                                 headers, body, target, start))
        if self.latency:
            self._stopping.wait(self.latency)

        def send(status: int, payload: Mapping[str, Any],
                 extra: Mapping[str, str] | None = None) -> None:
            self._send(handler, status, payload, extra)

        if BatchService.handles(url.path):
            return self.batch.serve(handler, url.path, query, headers, raw)
        route = _DEPLOYMENT_ROUTE.match(url.path)
        azure = route is not None or url.path == _AZURE_V1_ROUTE
        if handler.command != "POST" or not (azure or url.path == _OPENAI_ROUTE):
            return send(404, _RESOURCE_NOT_FOUND)
        version = query.get("api-version", "")
        if route and version not in self.api_versions:
            return send(404, _RESOURCE_NOT_FOUND)
        if url.path == _AZURE_V1_ROUTE and version not in V1_API_VERSIONS:
            return send(400, _error("BadRequest", "API version not supported"))
        if not self._authorized(headers, azure=azure, deployments_route=route is not None):
            return send(401, _AZURE_401 if azure else _OPENAI_401)
        if body is None or not isinstance(body.get("messages"), list):
            return send(400, _error(None, "'messages' is a required property",
                                    param="messages", type="invalid_request_error"))
        deployment = route.group(1) if route else body.get("model")
        if deployment not in self.deployments:
            if azure:
                return send(404, _error("DeploymentNotFound", "The API deployment for "
                                        "this resource does not exist."))
            return send(404, _error("model_not_found", f"The model `{deployment}` does "
                                    "not exist.", type="invalid_request_error"))
        fault = self._next_fault(target)
        if fault.kind == "error":
            return send(fault.status, dict(fault.body or {}), dict(fault.headers))
        if fault.kind == "hang" and self._stopping.wait(fault.seconds):
            handler.close_connection = True  # stopping: no answer at all
            return None
        refusal = self._refusal(body)
        if refusal is not None:
            return send(*refusal)
        limited = self._take_quota(body)
        if limited is not None:
            # Whole seconds in retry-after (at least 1), the remainder itself in retry-after-ms.
            seconds = max(1, math.ceil(limited))
            return send(429, _rate_limit_body(seconds), {"retry-after": str(seconds),
                                                       "retry-after-ms": str(math.ceil(limited * 1000))})
        content = self._content(body, target, source, fault)
        finish = fault.finish_reason
        if fault.kind == "truncate":
            content = (content or "")[: len(content or "") // 2]
        answer = self._completion(body, content, finish, azure=azure)
        if fault.kind == "drop":
            return self._send(handler, 200, answer, drop=True)
        return send(200, answer)

    def _answer_body(self, body: Mapping[str, Any], *, azure: bool, where: str) -> tuple[int, dict[str, Any]]:
        """A batch line's answer: what a chat request with this body gets (scripts and faults included).

        Recorded in `requests` with the path `where`; hangs and dropped
        connections have no meaning inside a batch and answer normally.
        """
        target, source = parse_prompt(body)
        with self._lock:
            self.requests.append(RecordedRequest("POST", where, {}, {}, dict(body), target, time.monotonic()))
        if body.get("model") not in self.deployments:
            return 404, _error("DeploymentNotFound", "The API deployment for this resource does not exist.")
        fault = self._next_fault(target)
        if fault.kind == "error":
            return fault.status, dict(fault.body or {})
        refusal = self._refusal(body)
        if refusal is not None:
            return refusal
        content = self._content(body, target, source, fault)
        if fault.kind == "truncate":
            content = (content or "")[: len(content or "") // 2]
        return 200, self._completion(body, content, fault.finish_reason, azure=azure)

    def _authorized(self, headers: Mapping[str, str], *, azure: bool,
                    deployments_route: bool) -> bool:
        bearer = headers.get("authorization", "")
        token = bearer[7:] if bearer.lower().startswith("bearer ") else None
        if not azure:
            return token == self.api_key
        if "api-key" in headers:
            return headers["api-key"] == self.api_key
        tokens = {self.entra_token} if deployments_route else {self.entra_token, self.api_key}
        return token is not None and token in tokens

    def _next_fault(self, target: str | None) -> Fault:
        with self._lock:
            queue = self._scripts.get(target or "")
            if queue:
                return queue.popleft()
            if self._script_all:
                return self._script_all.popleft()
            return self._replies.get(target or "", Fault.ok())

    def _refusal(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """The status and body refusing this request's parameters, if any."""
        response_format = body.get("response_format")
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        supported = {"text": True, "json_schema": self.structured_output,
                     "json_object": self.json_mode}
        refused = [p for p in self.rejected_parameters if p in body]
        if response_format is not None and not supported.get(str(kind), False):
            refused.insert(0, "response_format")
        if refused and self.unsupported == "500":
            return 500, _error(None, "Internal Server Error", type="server_error")
        if refused:
            parameter = refused[0]
            message = (f"response_format value as {kind} is not supported with this model"
                       if parameter == "response_format" else
                       f"Unsupported parameter: '{parameter}' is not supported with this model.")
            return 400, _error("BadRequest" if parameter == "response_format" else
                               "unsupported_parameter", message, param=parameter,
                               type="invalid_request_error")
        if kind == "json_object" and "json" not in json.dumps(body["messages"]).lower():
            return 400, _error(None, "'messages' must contain the word 'json' in some form, "
                               "to use 'response_format' of type 'json_object'.",
                               param="messages", type="invalid_request_error")
        used = billed_prompt_tokens(body, self.model_name)
        if self.context_window is not None and used > self.context_window:
            return 400, _context_body(self.context_window, used)
        return None

    def _window_quota(self) -> tuple[float | None, float | None]:
        """(requests, tokens) allowed per `rate_window`: the per-minute quota scaled to it."""
        scale = self.rate_window / 60.0
        return (None if self.rpm is None else self.rpm * scale,
                None if self.tpm is None else self.tpm * scale)

    def _take_quota(self, body: Mapping[str, Any]) -> float | None:
        """Count this request against rpm/tpm; seconds to wait when over a limit.

        As Azure does, the per-minute quota is enforced over `rate_window`
        seconds, scaled: 600 RPM over a 1-second window is 10 requests in any
        second. The wait is what remains until the oldest request counted
        leaves the window.
        """
        if self.rpm is None and self.tpm is None:
            return None
        cost = billed_prompt_tokens(body, self.model_name) + int(
            body.get("max_completion_tokens") or body.get("max_tokens") or 0)
        requests, tokens = self._window_quota()
        now = time.monotonic()
        with self._lock:
            while self._window and self._window[0][0] <= now - self.rate_window:
                self._window.popleft()
            over_requests = requests is not None and len(self._window) + 1 > requests
            over_tokens = tokens is not None and (
                sum(t for _, t in self._window) + cost > tokens)
            if over_requests or over_tokens:
                self.throttled += 1
                oldest = self._window[0][0] if self._window else now
                return max(0.001, oldest + self.rate_window - now)
            self._window.append((now, cost))
            self.charged.append(cost)
            return None

    def _rate_headers(self) -> dict[str, str]:
        """The x-ratelimit-* headers: limits and what remains, for the current window."""
        if not self.rate_headers:
            return {}
        requests, tokens = self._window_quota()
        with self._lock:
            used, spent = len(self._window), sum(t for _, t in self._window)
        headers = {}
        if requests is not None:
            headers["x-ratelimit-limit-requests"] = str(int(requests))
            headers["x-ratelimit-remaining-requests"] = str(max(0, int(requests) - used))
        if tokens is not None:
            headers["x-ratelimit-limit-tokens"] = str(int(tokens))
            headers["x-ratelimit-remaining-tokens"] = str(max(0, int(tokens) - spent))
        return headers

    def _content(self, body: Mapping[str, Any], target: str | None, source: str | None,
                 fault: Fault) -> str | None:
        if fault.kind == "filtered":
            return None
        if fault.kind == "reply":
            return fault.content
        doc = default_docstring(source, target)
        response_format = body.get("response_format")
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        if kind in ("json_schema", "json_object"):
            return json.dumps(doc)
        return render_google(doc)

    def _completion(self, body: Mapping[str, Any], content: str | None, finish: str,
                    *, azure: bool) -> dict[str, Any]:
        prompt_tokens = billed_prompt_tokens(body, self.model_name)
        completion_tokens = _tokens(content or "", self.model_name)
        choice: dict[str, Any] = {
            "index": 0, "finish_reason": finish, "logprobs": None,
            "message": {"role": "assistant", "content": content, "refusal": None},
        }
        answer: dict[str, Any] = {
            "id": f"chatcmpl-fake{next(self._ids)}", "object": "chat.completion",
            "created": int(time.time()), "system_fingerprint": "fp_fake",
            "model": self.model_name if azure else str(body.get("model")),
            "choices": [choice],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }
        if azure:
            filtered = finish == "content_filter"
            choice["content_filter_results"] = {
                **_NOT_FILTERED, "violence": {"filtered": filtered,
                                              "severity": "high" if filtered else "safe"}}
            answer["prompt_filter_results"] = [
                {"prompt_index": 0, "content_filter_results": dict(_NOT_FILTERED)}]
        return answer

    def _send(self, handler: _Handler, status: int, payload: Mapping[str, Any],
              headers: Mapping[str, str] | None = None, *, drop: bool = False) -> None:
        data = json.dumps(payload).encode()
        with self._lock:
            self.status_counts[status] += 1
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-request-id", f"req-{next(self._ids)}")
        for name, value in {**self._rate_headers(), **(headers or {})}.items():
            handler.send_header(name, value)
        handler.end_headers()
        if drop:
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.wfile.write(data)

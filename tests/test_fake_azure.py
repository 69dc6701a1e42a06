"""The HTTP fake of Azure OpenAI, driven by the real openai SDK."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.fake_azure import FakeAzure, Fault, billed_prompt_tokens, default_docstring, render_google

KEY = "test-key"
VERSION = "2024-10-21"
TARGET = "pkg.mod.scale"
SAMPLE = '''\
def scale(values: list[float], factor: float = 2.0, *rest, key=None, **options) -> list[float]:
    if factor < 0:
        raise ValueError("negative factor")
    def inner():
        raise KeyError("not ours")
    return [v * factor for v in values]
'''
SCHEMA_FORMAT = {"type": "json_schema",
                 "json_schema": {"name": "docstring", "strict": True, "schema": {}}}


def messages(target: str = TARGET, source: str = SAMPLE) -> list[dict[str, str]]:
    user = f"Target: {target}\nKind: function\n\n```python\n{source.rstrip()}\n```"
    return [{"role": "system", "content": "Answer with one JSON object."},
            {"role": "user", "content": user}]


def azure(fake: FakeAzure, **options: Any) -> openai.AzureOpenAI:
    settings: dict[str, Any] = {"api_key": KEY, "api_version": VERSION, "timeout": 5.0,
                                "max_retries": 0, **options}
    return openai.AzureOpenAI(azure_endpoint=fake.endpoint, **settings)


def ask(client: openai.OpenAI, model: str = "dep", **arguments: Any) -> Any:
    arguments.setdefault("messages", messages())
    return client.chat.completions.create(model=model, **arguments)


@pytest.fixture
def fake() -> Iterator[FakeAzure]:
    with FakeAzure(api_key=KEY, deployment="dep") as server:
        yield server


# The default answer.


def test_structured_answer_documents_the_sample(fake: FakeAzure) -> None:
    completion = ask(azure(fake), response_format=SCHEMA_FORMAT)
    doc = json.loads(completion.choices[0].message.content)
    assert set(doc) == {"summary", "description", "params", "returns", "yields", "raises"}
    assert doc["summary"] == "Do the work of scale."
    assert [p["name"] for p in doc["params"]] == ["values", "factor", "rest", "key", "options"]
    assert doc["params"][0] == {"name": "values", "type": "list[float]",
                                "description": "The values."}
    assert doc["returns"] == {"type": "list[float]", "description": "The result."}
    assert doc["yields"] is None
    assert [r["exception"] for r in doc["raises"]] == ["ValueError"]
    assert completion.choices[0].finish_reason == "stop"
    assert completion.prompt_filter_results[0]["content_filter_results"]  # type: ignore[attr-defined]
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == billed_prompt_tokens({"messages": messages(), "response_format": SCHEMA_FORMAT})

    (request,) = fake.requests
    assert request.path == "/openai/deployments/dep/chat/completions"
    assert request.query == {"api-version": VERSION}
    assert request.headers["api-key"] == KEY
    assert request.body is not None and request.body["response_format"] == SCHEMA_FORMAT
    assert request.target == TARGET
    assert request.timestamp <= time.monotonic()
    assert fake.count(TARGET) == 1 and fake.count("other") == 0
    assert fake.status_counts == {200: 1}


def test_json_mode_gives_the_same_json(fake: FakeAzure) -> None:
    completion = ask(azure(fake), response_format={"type": "json_object"})
    assert json.loads(completion.choices[0].message.content) == default_docstring(SAMPLE)


def test_plain_text_without_response_format(fake: FakeAzure) -> None:
    content = ask(azure(fake)).choices[0].message.content
    assert content == render_google(default_docstring(SAMPLE))
    assert content.startswith("Do the work of scale.\n\nArgs:\n    values: The values.\n")
    assert "Returns:\n    The result." in content and '"""' not in content


def test_docstring_of_methods_generators_and_classes() -> None:
    method = "def __init__(self, a, /, b: int, *, c):\n    self.a = a\n    return None\n"
    doc = default_docstring(method)
    assert [p["name"] for p in doc["params"]] == ["a", "b", "c"]
    assert doc["returns"] is None and doc["summary"] == "Do the work of __init__."
    generator = "async def walk(cls):\n    yield 1\n    return 2\n    raise errors.Bad\n"
    doc = default_docstring(generator)
    assert doc["params"] == [] and doc["returns"] is None
    assert doc["yields"] == {"type": None, "description": "The values."}
    assert doc["raises"] == [{"exception": "errors.Bad", "description": "If the operation fails."}]
    klass = "class Box:\n    def __init__(self, size):\n        return\n"
    assert [p["name"] for p in default_docstring(klass)["params"]] == ["size"]
    elided = "def f(a):\n    if a:\n        # ... 12 lines elided ...\n    return a\n"
    assert default_docstring(elided)["returns"] is not None
    assert default_docstring(None, "pkg.mod.g")["summary"] == "Do the work of g."


# Scripting.


def test_scripts_are_consumed_in_order_then_default(fake: FakeAzure) -> None:
    client = azure(fake)
    fake.script(TARGET, [Fault.rate_limited(retry_after=1), Fault.ok()])
    with pytest.raises(openai.RateLimitError):
        ask(client)
    assert ask(client, messages=messages("other.g")).choices[0].message.content  # unscripted
    ask(client)
    ask(client)
    fake.script_all([Fault.server_error()])
    with pytest.raises(openai.InternalServerError):
        ask(client, messages=messages("other.g"))
    fake.reply(TARGET, content="Ignore previous instructions.")
    assert ask(client).choices[0].message.content == "Ignore previous instructions."
    assert fake.count(TARGET) == 4 and fake.count() == 6
    assert fake.status_counts == {429: 1, 200: 4, 500: 1}


@pytest.mark.parametrize(
    ("fault", "error", "status", "code"),
    [
        (Fault.quota_exhausted(), openai.RateLimitError, 429, "insufficient_quota"),
        (Fault.server_error(), openai.InternalServerError, 500, "InternalServerError"),
        (Fault.unavailable(retry_after=2), openai.InternalServerError, 503, "ServiceUnavailable"),
        (Fault.context_length_exceeded(), openai.BadRequestError, 400, "context_length_exceeded"),
        (Fault.prompt_filtered(), openai.BadRequestError, 400, "content_filter"),
        (Fault.unauthorized(), openai.AuthenticationError, 401, "401"),
        (Fault.forbidden(), openai.PermissionDeniedError, 403, "PermissionDenied"),
        (Fault.not_found(), openai.NotFoundError, 404, "404"),
    ],
)
def test_status_faults(fake: FakeAzure, fault: Fault, error: type[openai.APIStatusError],
                       status: int, code: str) -> None:
    fake.script(TARGET, [fault])
    with pytest.raises(error) as caught:
        ask(azure(fake))
    assert caught.value.status_code == status and caught.value.code == code


def test_rate_limited_shows_retry_after(fake: FakeAzure) -> None:
    fake.script_all([Fault.rate_limited(retry_after=3, retry_after_ms=2500)])
    with pytest.raises(openai.RateLimitError) as caught:
        ask(azure(fake))
    assert caught.value.response.headers["retry-after"] == "3"
    assert caught.value.response.headers["retry-after-ms"] == "2500"
    assert caught.value.code == "429"


def test_quota_exhausted_says_a_day(fake: FakeAzure) -> None:
    fake.script_all([Fault.quota_exhausted()])
    with pytest.raises(openai.RateLimitError) as caught:
        ask(azure(fake))
    assert caught.value.response.headers["retry-after"] == "86400"


def test_hang_times_out_and_the_server_still_stops_promptly() -> None:
    started = time.monotonic()
    with FakeAzure(api_key=KEY) as fake:
        fake.script_all([Fault.hang(30)])
        with pytest.raises(openai.APITimeoutError):
            ask(azure(fake, timeout=0.5))
    assert time.monotonic() - started < 10  # far less than the 30 s hang: stopping cut it short


def test_stop_during_a_hang_closes_the_connection() -> None:
    errors: list[BaseException] = []
    fake = FakeAzure(api_key=KEY).start()
    fake.script_all([Fault.hang(30)])
    client = azure(fake, timeout=10)

    def call() -> None:
        try:
            ask(client)
        except openai.APIError as error:
            errors.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    while fake.count() == 0:
        time.sleep(0.01)
    started = time.monotonic()
    fake.stop()
    thread.join(timeout=15)
    assert time.monotonic() - started < 10  # far less than the 30 s hang
    assert len(errors) == 1 and isinstance(errors[0], openai.APIConnectionError)


def test_dropped_connection(fake: FakeAzure) -> None:
    fake.script_all([Fault.drop()])
    with pytest.raises(openai.APIConnectionError) as caught:
        ask(azure(fake))
    assert not isinstance(caught.value, openai.APITimeoutError)


def test_bad_contents(fake: FakeAzure) -> None:
    client = azure(fake)
    fake.script(TARGET, [Fault.invalid_json(), Fault.empty(), Fault.truncated(),
                         Fault.completion_filtered()])
    with pytest.raises(ValueError):
        json.loads(ask(client, response_format=SCHEMA_FORMAT).choices[0].message.content)
    assert ask(client).choices[0].message.content == ""
    truncated = ask(client, response_format=SCHEMA_FORMAT).choices[0]
    assert truncated.finish_reason == "length"
    assert json.dumps(default_docstring(SAMPLE)).startswith(truncated.message.content)
    filtered = ask(client).choices[0]
    assert filtered.finish_reason == "content_filter" and filtered.message.content is None


# Routes and authentication.


def test_wrong_key_and_unknown_deployment(fake: FakeAzure) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(azure(fake, api_key="wrong"))
    assert "invalid subscription key" in caught.value.message
    with pytest.raises(openai.NotFoundError) as missing:
        ask(azure(fake), model="nope")
    assert missing.value.code == "DeploymentNotFound"
    assert fake.status_counts == {401: 1, 404: 1}


def test_api_versions(fake: FakeAzure) -> None:
    with pytest.raises(openai.NotFoundError) as unsupported:
        ask(azure(fake, api_version="2019-01-01"))
    assert unsupported.value.message.endswith("Resource not found")
    no_version = openai.OpenAI(base_url=fake.endpoint + "/openai/deployments/dep",
                               api_key=KEY, default_headers={"api-key": KEY}, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        ask(no_version)
    ask(azure(fake, api_version="2025-04-01-preview"))


def test_entra_id_token() -> None:
    with FakeAzure(api_key=KEY, entra_token="entra-token") as fake:
        ask(azure(fake, api_key=None, azure_ad_token="entra-token"))
        assert fake.requests[0].headers["authorization"] == "Bearer entra-token"
        with pytest.raises(openai.AuthenticationError):
            ask(azure(fake, api_key=None, azure_ad_token="stolen"))


def test_azure_v1_route(fake: FakeAzure) -> None:
    client = openai.OpenAI(base_url=fake.endpoint + "/openai/v1/", api_key=KEY, max_retries=0)
    completion = ask(client, response_format=SCHEMA_FORMAT)
    assert json.loads(completion.choices[0].message.content)["summary"]
    assert fake.requests[-1].path == "/openai/v1/chat/completions"
    with pytest.raises(openai.AuthenticationError):
        ask(openai.OpenAI(base_url=fake.endpoint + "/openai/v1/", api_key="wrong",
                          max_retries=0))
    dated = client.with_options(default_query={"api-version": VERSION})
    with pytest.raises(openai.BadRequestError):
        ask(dated)


def test_openai_compatible_route(fake: FakeAzure) -> None:
    client = openai.OpenAI(base_url=fake.endpoint + "/v1", api_key=KEY, max_retries=0)
    completion = ask(client, response_format={"type": "json_object"})
    assert completion.model == "dep"
    assert not hasattr(completion, "prompt_filter_results")
    assert fake.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    with pytest.raises(openai.NotFoundError):
        ask(client, model="gpt-unknown")
    with pytest.raises(openai.AuthenticationError):
        ask(openai.OpenAI(base_url=fake.endpoint + "/v1", api_key="wrong", max_retries=0))


# Capabilities and limits.


def test_minimal_preset() -> None:
    with FakeAzure.openai_compatible_minimal(api_key=KEY, model="local") as fake:
        client = openai.OpenAI(base_url=fake.endpoint + "/v1", api_key=KEY, max_retries=0)
        for response_format in (SCHEMA_FORMAT, {"type": "json_object"}):
            with pytest.raises(openai.InternalServerError) as caught:
                ask(client, model="local", response_format=response_format)
            assert caught.value.status_code == 500
        content = ask(client, model="local").choices[0].message.content
        assert content.startswith("Do the work of scale.\n\nArgs:")
        huge = messages(source=SAMPLE + "#" + " x" * 5000)  # a token per " x": over the 4096 window
        with pytest.raises(openai.BadRequestError) as caught_context:
            ask(client, model="local", messages=huge)
        assert caught_context.value.code == "context_length_exceeded"
        assert fake.status_counts == {500: 2, 200: 1, 400: 1}


def test_unsupported_response_format_gives_400() -> None:
    with FakeAzure(api_key=KEY, structured_output=False) as fake:
        with pytest.raises(openai.BadRequestError) as caught:
            ask(azure(fake), response_format=SCHEMA_FORMAT)
        assert caught.value.param == "response_format"
        ask(azure(fake), response_format={"type": "json_object"})


def test_rejected_parameter() -> None:
    with FakeAzure(api_key=KEY, rejected_parameters=["max_tokens"]) as fake:
        with pytest.raises(openai.BadRequestError) as caught:
            ask(azure(fake), max_tokens=100)
        assert caught.value.param == "max_tokens" and caught.value.code == "unsupported_parameter"
        ask(azure(fake), max_completion_tokens=100)


def test_rpm_limit() -> None:
    with FakeAzure(api_key=KEY, rpm=2) as fake:
        client = azure(fake)
        first = client.chat.completions.with_raw_response.create(model="dep", messages=messages())
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        assert first.headers["x-ratelimit-limit-requests"] == "2"
        ask(client)
        for _ in range(2):
            with pytest.raises(openai.RateLimitError) as caught:
                ask(client)
            assert 0 < float(caught.value.response.headers["retry-after"]) <= 60
        assert fake.throttled == 2 and fake.status_counts == {200: 2, 429: 2}


def test_tpm_limit_and_window() -> None:
    cost = billed_prompt_tokens({"messages": messages()}) + 50
    # The quota is per minute, enforced over the window: cost + 10 tokens per 0.3 s.
    with FakeAzure(api_key=KEY, tpm=(cost + 10) * 200, rate_window=0.3) as fake:
        client = azure(fake)
        ask(client, max_tokens=50)
        with pytest.raises(openai.RateLimitError):
            ask(client, max_tokens=50)
        time.sleep(0.35)
        raw = client.chat.completions.with_raw_response.create(
            model="dep", messages=messages(), max_tokens=50)
        assert raw.headers["x-ratelimit-remaining-tokens"] == "10"
        assert fake.throttled == 1


def test_context_window() -> None:
    with FakeAzure(api_key=KEY, context_window=10) as fake:
        with pytest.raises(openai.BadRequestError) as caught:
            ask(azure(fake))
        assert caught.value.code == "context_length_exceeded"
        assert "maximum context length is 10 tokens" in caught.value.message


def test_concurrent_requests_are_in_flight_together() -> None:
    # A latency long enough that four threads overlap on a busy machine.
    with FakeAzure(api_key=KEY, latency=2.0) as fake:
        client = azure(fake)
        threads = [threading.Thread(target=ask, args=(client,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=15)
        assert fake.max_in_flight == 4
    # Counted once the server has stopped: a handler records its interval after answering.
    assert fake.status_counts == {200: 4} and len(fake.intervals) == 4


# The cookbook's example conversation ("How to count tokens with tiktoken", section 6),
# with the prompt tokens the OpenAI API reported for it there.
COOKBOOK_MESSAGES = [
    {"role": "system",
     "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user",
     "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant",
     "content": "Let's talk later when we're less busy about how to do better."},
    {"role": "user",
     "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."},
]


@pytest.mark.parametrize(
    ("model", "billed"),
    [
        pytest.param("gpt-4o", 124, id="gpt-4o"),
        pytest.param("gpt-4o-mini", 124, id="gpt-4o-mini"),
        pytest.param("gpt-4", 129, id="gpt-4"),
        pytest.param("gpt-3.5-turbo", 129, id="gpt-3.5-turbo"),
    ],
)
def test_prompt_tokens_are_those_the_api_reported_in_the_cookbook(model: str, billed: int) -> None:
    assert billed_prompt_tokens({"messages": COOKBOOK_MESSAGES}, model) == billed


def test_the_schema_is_billed_without_its_validation_keywords() -> None:
    schema = {"type": "object", "properties": {"summary": {"type": "string"}},
              "required": ["summary"], "additionalProperties": False}
    response_format = {"type": "json_schema", "json_schema": {"name": "d", "strict": True, "schema": schema}}
    plain = billed_prompt_tokens({"messages": messages()})
    # '{"type":"object","properties":{"summary":{"type":"string"}}}' is 14 o200k_base tokens:
    # {" type ":" object "," properties ":{" summary ":{" type ":" string "}} }; plus 9.
    shown = billed_prompt_tokens({"messages": messages(), "response_format": response_format})
    assert shown - plain == 14 + 9
    assert billed_prompt_tokens({"messages": messages(), "response_format": {"type": "json_object"}}) == plain


def test_a_short_window_holds_the_quota_scaled_to_it() -> None:
    # Azure: "rate limiting will occur for a 600-RPM deployment if more than 10
    # requests are received during each 1-second period".
    with FakeAzure(api_key=KEY, rpm=600, rate_window=1.0) as fake:
        client = azure(fake)
        remaining, answered = [], []
        for _ in range(10):
            raw = client.chat.completions.with_raw_response.create(model="dep", messages=messages())
            remaining.append(raw.headers["x-ratelimit-remaining-requests"])
            answered.append(time.monotonic())
        assert remaining == [str(n) for n in range(9, -1, -1)]
        sent = time.monotonic()
        with pytest.raises(openai.RateLimitError) as caught:
            ask(client)
        headers = caught.value.response.headers
        assert headers["retry-after"] == "1"
        # The oldest was counted before its answer came back: it leaves the window by then + 1 s.
        assert 0 < int(headers["retry-after-ms"]) <= 1000 * (answered[0] + 1 - sent) + 1
        time.sleep(int(headers["retry-after-ms"]) / 1000 + 0.05)
        ask(client)
        assert fake.throttled == 1 and fake.status_counts == {200: 11, 429: 1}


def test_rate_headers_can_be_left_out() -> None:
    with FakeAzure(api_key=KEY, rpm=60, rate_window=1.0, rate_headers=False) as fake:
        client = azure(fake)
        raw = client.chat.completions.with_raw_response.create(model="dep", messages=messages())
        assert not [name for name in raw.headers if name.lower().startswith("x-ratelimit")]
        with pytest.raises(openai.RateLimitError) as caught:
            ask(client)  # 60 RPM over 1 s: one a second
        assert caught.value.response.headers["retry-after"] == "1"

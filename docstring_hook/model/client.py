"""The one module that imports openai: chat requests and what their errors mean.

The SDK is built with `max_retries=0`: retrying is `retry`'s job alone. Each
SDK error is mapped to one of three of ours: `TransientError` (worth
retrying), `RejectedRequest` (this target fails, the run goes on) and
`FatalAPIError` (the run stops: no other request can succeed either).
"""

from __future__ import annotations

import email.utils
import enum
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import openai

from docstring_hook.datatypes import Reason
from docstring_hook.errors import ConfigError, FatalAPIError
from docstring_hook.model.body import chat_body, is_reasoning
from docstring_hook.model.endpoint import Endpoint
from docstring_hook.model.types import Completion, Message, RejectedRequest, TransientError

_CONTEXT_LIMIT = re.compile(r"maximum context length is (\d+)")
_FATAL_STATUS = {
    401: "the endpoint refused the credentials (401): check AZURE_OPENAI_API_KEY / OPENAI_API_KEY",
    403: "the endpoint denied access (403): check the key's permissions and network rules",
    404: (
        "the endpoint, deployment or api-version was not found (404): "
        "check AZURE_OPENAI_ENDPOINT, the deployment and OPENAI_API_VERSION"
    ),
}


class ResponseMode(str, enum.Enum):
    """How the reply is asked to be shaped; negotiated down when refused."""

    SCHEMA = "json_schema"
    JSON = "json_object"
    TEXT = "text"


class ChatClient:
    """Chat completions against Azure OpenAI or an OpenAI-compatible server.

    It remembers for the rest of the run what the endpoint accepted: the
    response format (JSON schema, then JSON mode, then plain text) and the
    name of the output cap parameter.
    """

    def __init__(self, endpoint: Endpoint, *, timeout: float, max_output_tokens: int) -> None:
        self._endpoint = endpoint
        self._sdk = build_sdk(endpoint, timeout)
        self._max_output_tokens = max_output_tokens
        reasoning = is_reasoning(endpoint.model)
        self._cap_parameter = "max_completion_tokens" if reasoning else "max_tokens"
        self._temperature: float | None = None if reasoning else 0.2
        self.mode = ResponseMode.SCHEMA
        self._mode_confirmed = False

    async def close(self) -> None:
        """Release the connection pool."""
        await self._sdk.close()

    async def complete(self, messages: Sequence[Message], *, plain: bool = False) -> Completion:
        """One chat completion, negotiating parameters the endpoint refuses; `plain`: no response format."""
        for _ in range(6):
            mode = ResponseMode.TEXT if plain else self.mode
            try:
                completion = await self._send(messages, mode)
            except openai.BadRequestError as error:
                if not self._adapt_to(error, mode):
                    raise _rejected(error) from None
                continue
            except openai.InternalServerError as error:
                # Some compatible servers answer an unknown parameter with a 500.
                if self._mode_confirmed or mode is ResponseMode.TEXT or error.status_code != 500:
                    raise mapped(error) from None
                self._downgrade(mode)
                continue
            except openai.APIError as error:
                raise mapped(error) from None
            self._mode_confirmed = self._mode_confirmed or not plain
            return completion
        raise RejectedRequest(Reason.API_ERROR, "the endpoint refused every combination of parameters")

    async def _send(self, messages: Sequence[Message], mode: ResponseMode) -> Completion:
        arguments = chat_body(
            self._endpoint.model,
            messages,
            cap_parameter=self._cap_parameter,
            max_output_tokens=self._max_output_tokens,
            temperature=self._temperature,
            response_format=mode.value,
        )
        raw = await self._sdk.chat.completions.with_raw_response.create(**_untransformed(arguments))
        response = raw.parse()
        choice = response.choices[0] if response.choices else None
        if choice is not None and choice.finish_reason == "content_filter":
            raise RejectedRequest(Reason.CONTENT_FILTER, "the reply was withheld by the content filter")
        usage = response.usage
        return Completion(
            content=(choice.message.content or "") if choice is not None else "",
            finish_reason=choice.finish_reason if choice is not None else None,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            remaining_requests=_int_header(raw.headers, "x-ratelimit-remaining-requests"),
            remaining_tokens=_int_header(raw.headers, "x-ratelimit-remaining-tokens"),
        )

    def _adapt_to(self, error: openai.BadRequestError, mode: ResponseMode) -> bool:
        """Change what the endpoint refused; False when there is nothing to change."""
        text = f"{error.param or ''} {error.message}".lower()
        if mode is not ResponseMode.TEXT and ("response_format" in text or "json_schema" in text):
            self._downgrade(mode)
            return True
        if "max_tokens" in text and self._cap_parameter == "max_tokens":
            self._cap_parameter = "max_completion_tokens"
            return True
        if "temperature" in text and self._temperature is not None:
            self._temperature = None
            return True
        return False

    def _downgrade(self, refused: ResponseMode) -> None:
        # Several requests in flight may report the same refusal: step down once.
        if self.mode is refused:
            self.mode = ResponseMode.JSON if refused is ResponseMode.SCHEMA else ResponseMode.TEXT


_AS_IS = ("messages", "response_format")


def _untransformed(body: dict[str, Any]) -> dict[str, Any]:
    """`create`'s arguments for `body`, its large parameters passed through `extra_body` as they are.

    `create` walks every parameter against the SDK's TypedDicts, and that walk
    of the messages and the JSON schema took a third of the CPU the loop
    spends on a request (bench/README.md, issue 12 section 2) for a body that
    is plain JSON already. `extra_body`, the SDK's documented way to send
    parameters unchanged, takes precedence over the arguments, so the request
    on the wire is the same; `messages` must still be given, empty.
    """
    heavy = {key: body[key] for key in _AS_IS if key in body}
    light = {key: value for key, value in body.items() if key not in _AS_IS}
    return {**light, "messages": [], "extra_body": heavy}


def build_sdk(endpoint: Endpoint, timeout: float) -> openai.AsyncOpenAI:
    """The SDK client for `endpoint` (key or Entra ID), with the SDK's own retries off: tenacity retries."""
    if endpoint.kind == "azure":
        credentials: dict[str, Any] = {"api_key": endpoint.api_key}
        if endpoint.uses_entra_id:
            credentials = {"azure_ad_token_provider": _entra_token_provider()}
        return openai.AsyncAzureOpenAI(
            azure_endpoint=endpoint.url,
            api_version=endpoint.api_version,
            max_retries=0,
            timeout=timeout,
            **credentials,
        )
    headers = {"api-key": endpoint.api_key} if endpoint.kind == "azure-v1" and endpoint.api_key else None
    return openai.AsyncOpenAI(
        base_url=endpoint.url,
        api_key=endpoint.api_key or "entra",
        max_retries=0,
        timeout=timeout,
        default_headers=headers,
    )


def _entra_token_provider() -> Any:
    try:
        from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider
    except ImportError:
        raise ConfigError(
            "AZURE_OPENAI_API_KEY is not set; set it, or install docstring-hook[entra] to sign in with Entra ID"
        ) from None
    return get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")


def mapped(error: openai.APIError) -> Exception:
    """The SDK's error as ours: `TransientError`, `RejectedRequest` or `FatalAPIError`."""
    if isinstance(error, openai.APITimeoutError):
        return TransientError(Reason.TIMEOUT, "the request timed out")
    if isinstance(error, openai.APIConnectionError):
        return TransientError(Reason.CONNECTION, "the connection failed")
    if not isinstance(error, openai.APIStatusError):
        return RejectedRequest(Reason.API_ERROR, type(error).__name__)
    status = error.status_code
    if status in _FATAL_STATUS:
        return FatalAPIError(_FATAL_STATUS[status])
    if status == 429:
        return _rate_limited(error)
    if status in (408, 409) or status >= 500:
        return TransientError(Reason.API_ERROR, f"HTTP {status}", retry_after_of(error.response.headers))
    return _rejected(error)


def _rate_limited(error: openai.APIStatusError) -> Exception:
    if error.code == "insufficient_quota":
        return FatalAPIError("the endpoint's quota is exhausted (429 insufficient_quota)")
    return TransientError(Reason.RATE_LIMITED, "rate limited (429)", retry_after_of(error.response.headers))


def _rejected(error: openai.APIStatusError) -> RejectedRequest:
    code = error.code or ""
    if code == "context_length_exceeded":
        limit = _CONTEXT_LIMIT.search(error.message)
        return RejectedRequest(
            Reason.API_ERROR,
            "the prompt exceeds the model's context",
            context_length=True,
            context_limit=int(limit.group(1)) if limit else None,
        )
    if code == "content_filter" or "content management policy" in error.message.lower():
        return RejectedRequest(Reason.CONTENT_FILTER, "the prompt was refused by the content filter")
    return RejectedRequest(Reason.API_ERROR, f"HTTP {error.status_code} {code}".strip())


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or a date)."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        return max(0.0, email.utils.mktime_tz(parsed) - time.time()) if parsed else None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None

from __future__ import annotations

import pytest
import tiktoken

from docstring_hook.model.tokens import EstimatingCounter, TiktokenCounter, load_counter


def byte_encoding() -> tiktoken.Encoding:
    """A real tiktoken encoding of one token per byte, built without any download."""
    return tiktoken.Encoding(
        name="bytes-for-tests",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={"<|endoftext|>": 256},
    )


# Token counts. The real counts were measured once with o200k_base and cl100k_base.


@pytest.mark.parametrize(
    ("text", "o200k", "cl100k"),
    [
        pytest.param(
            "def add(first: int, second: int = 2) -> int:\n    if first < 0:\n"
            '        raise ValueError(f"negative: {first!r}")\n    return first + second\n',
            42,
            41,
            id="python",
        ),
        pytest.param(
            "Return the number of tokens a request costs, counting every message and the primed reply.",
            18,
            18,
            id="prose",
        ),
        pytest.param(
            "data = [[-3, -2,  0,  1], [ 4,  5, 10, 12]]\n",
            31,
            31,
            id="numbers and blanks",
        ),
        pytest.param(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABAQMAAAAl21bKAAAAA1BMVEUAAACnej3aAAAAAWJLR0QAiAUdSAAAAAlwSFlzAAALEwAACxMB"
            "AJqcGAAAAAd0SU1FB94BCRQnOqNu0b4AAAAKSURBVAjXY2AAAAACAAHiIbwzAAAAAElFTkSuQmCC",
            100,
            101,
            id="base64",
        ),
        pytest.param("文字化けを直す関数です。", 10, 10, id="cjk"),
        pytest.param("🎉🚀✨🔥👍", 7, 14, id="emoji"),
        pytest.param("#!@%^&*(){}[]<>?/|\\~`", 13, 14, id="punctuation"),
    ],
)
def test_the_estimate_over_counts_real_encodings(
    text: str, o200k: int, cl100k: int
) -> None:
    assert EstimatingCounter().count(text) >= max(o200k, cl100k)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("hello world", 1 + 2 + 1 + 2, id="two words and a blank"),
        pytest.param("x  = 1", 1 + 1 + 2 + 1 + 1 + 1, id="two blanks cost two"),
        pytest.param(
            "\n       pass", 1 + 1 + 1, id="newline and indentation are one run"
        ),
        pytest.param("é", 1 + 2, id="one token per utf-8 byte"),
        pytest.param("\udc80", 1 + 3, id="lone surrogate"),
        pytest.param(
            "<|endoftext|>", 1 + 1 + 1 + 3 + 1 + 1, id="special tokens are text"
        ),
    ],
)
def test_the_estimate_counts_pieces(text: str, expected: int) -> None:
    assert EstimatingCounter().count(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("abc def", 7, id="ascii"),
        pytest.param("é", 2, id="two-byte character"),
        pytest.param("<|endoftext|>", 13, id="special token as plain text"),
    ],
)
def test_tiktoken_counter_counts_with_the_encoding(text: str, expected: int) -> None:
    assert TiktokenCounter(byte_encoding()).count(text) == expected


def test_load_counter_uses_the_model_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    encoding = byte_encoding()
    monkeypatch.setattr(tiktoken, "encoding_for_model", lambda model: encoding)
    counter, warning = load_counter("gpt-4o-mini")
    assert isinstance(counter, TiktokenCounter) and counter.encoding is encoding
    assert warning is None


def test_load_counter_falls_back_to_o200k_for_unknown_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def unknown(model: str) -> tiktoken.Encoding:
        raise KeyError(model)

    def get_encoding(name: str) -> tiktoken.Encoding:
        asked.append(name)
        return byte_encoding()

    monkeypatch.setattr(tiktoken, "encoding_for_model", unknown)
    monkeypatch.setattr(tiktoken, "get_encoding", get_encoding)
    counter, warning = load_counter("my-azure-deployment")
    assert isinstance(counter, TiktokenCounter)
    assert (asked, warning) == (["o200k_base"], None)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ConnectionError("Failed to resolve host"), id="download fails"),
        pytest.param(ValueError("Unknown encoding o200k_base"), id="old tiktoken"),
        pytest.param(PermissionError("cache folder"), id="cache not writable"),
    ],
)
def test_load_counter_estimates_when_loading_fails(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def fail(name: str) -> tiktoken.Encoding:
        raise error

    monkeypatch.setattr(tiktoken, "encoding_for_model", fail)
    counter, warning = load_counter("gpt-4o-mini")
    assert isinstance(counter, EstimatingCounter)
    assert (
        warning is not None
        and "'gpt-4o-mini'" in warning
        and type(error).__name__ in warning
    )

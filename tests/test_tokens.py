from __future__ import annotations

from collections import Counter

import pytest
import tiktoken

from docstring_hook.model.encodings import load_encoding
from docstring_hook.model.tokens import EstimatingCounter, TiktokenCounter, count_messages, load_counter
from docstring_hook.model.types import Message


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


@pytest.mark.parametrize(
    ("model", "name"),
    [
        pytest.param("gpt-4o-mini", "o200k_base", id="gpt-4o-mini"),
        pytest.param("gpt-4.1", "o200k_base", id="gpt-4.1"),
        pytest.param("o3-mini", "o200k_base", id="o-series"),
        pytest.param("gpt-4", "cl100k_base", id="gpt-4"),
        pytest.param("gpt-3.5-turbo", "cl100k_base", id="gpt-3.5"),
        pytest.param("my-azure-deployment", "o200k_base", id="unknown names get o200k"),
    ],
)
def test_load_counter_uses_the_shipped_encoding_offline(
    model: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_download(name: str) -> tiktoken.Encoding:
        raise ConnectionError("Failed to resolve host")

    monkeypatch.setattr(tiktoken, "get_encoding", no_download)
    counter, warning = load_counter(model)
    assert isinstance(counter, TiktokenCounter) and counter.encoding is load_encoding(name)
    assert warning is None


def test_load_counter_asks_tiktoken_for_other_encodings(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def get_encoding(name: str) -> tiktoken.Encoding:
        asked.append(name)
        return byte_encoding()

    monkeypatch.setattr(tiktoken, "get_encoding", get_encoding)
    counter, warning = load_counter("text-davinci-003")
    assert isinstance(counter, TiktokenCounter)
    assert (asked, warning) == (["p50k_base"], None)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ConnectionError("Failed to resolve host"), id="download fails"),
        pytest.param(ValueError("Unknown encoding p50k_base"), id="old tiktoken"),
        pytest.param(PermissionError("cache folder"), id="cache not writable"),
    ],
)
def test_load_counter_estimates_when_another_encoding_cannot_load(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def fail(name: str) -> tiktoken.Encoding:
        raise error

    monkeypatch.setattr(tiktoken, "get_encoding", fail)
    counter, warning = load_counter("text-davinci-003")
    assert isinstance(counter, EstimatingCounter)
    assert (
        warning is not None
        and "'text-davinci-003'" in warning
        and "p50k_base" in warning
        and type(error).__name__ in warning
    )


def test_the_text_every_prompt_repeats_is_counted_once() -> None:
    asked: Counter[str] = Counter()

    class Tally:
        def count(self, text: str) -> int:
            asked[text] += 1
            return len(text.split())

    tally = Tally()
    system = Message("system", "Write docstrings, please.")
    totals = [count_messages((system, Message("user", f"Target: f{n}")), tally) for n in range(5)]
    assert totals == [totals[0]] * 5
    assert asked[system.content] == 1
    assert [asked[f"Target: f{n}"] for n in range(5)] == [1] * 5

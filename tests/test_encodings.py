from __future__ import annotations

import gzip
from typing import Any

import pytest
import tiktoken
import tiktoken.load
from tiktoken_ext import openai_public

from docstring_hook.model import encodings
from docstring_hook.model.encodings import SHIPPED, EncodingFileError, load_encoding, parse_ranks, verified
from docstring_hook.model.tokens import TiktokenCounter, load_counter


@pytest.fixture
def fresh_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test here loads anew, and leaves no tampered encoding cached for the others."""
    monkeypatch.setattr(encodings, "_LOADED", {})


# Published token ids. cl100k_base: tiktoken's tests (tests/test_encoding.py,
# tests/test_base_encodings.py) and OpenAI's cookbook "How to count tokens with
# tiktoken"; o200k_base: that cookbook and openai/harmony's tests ("hello world").


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("cl100k_base", "hello world", [15339, 1917], id="cl100k hello world"),
        pytest.param("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0], id="cl100k cookbook"),
        pytest.param("cl100k_base", "rer", [38149], id="cl100k one word"),
        pytest.param("cl100k_base", "'rer", [2351, 81], id="cl100k contraction split"),
        pytest.param("cl100k_base", "today\n \n", [31213, 27907], id="cl100k blank line"),
        pytest.param("cl100k_base", "today\n  \n", [31213, 14211], id="cl100k two-blank line"),
        pytest.param("cl100k_base", " \x850", [220, 126, 227, 15], id="cl100k control byte"),
        pytest.param("cl100k_base", "👍", [9468, 239, 235], id="cl100k emoji"),
        pytest.param("cl100k_base", "Hello world!", [9906, 1917, 0], id="cl100k punctuation"),
        pytest.param(
            "cl100k_base",
            "How about numbers? 123 45.6 -78.9",
            [4438, 922, 5219, 30, 220, 4513, 220, 1774, 13, 21, 482, 2495, 13, 24],
            id="cl100k numbers",
        ),
        pytest.param(
            "cl100k_base",
            "antidisestablishmentarianism",
            [519, 85342, 34500, 479, 8997, 2191],
            id="cl100k long word",
        ),
        pytest.param("cl100k_base", "2 + 2 = 4", [17, 489, 220, 17, 284, 220, 19], id="cl100k arithmetic"),
        pytest.param(
            "cl100k_base",
            "お誕生日おめでとう",
            [33334, 45918, 243, 21990, 9080, 33334, 62004, 16556, 78699],
            id="cl100k japanese",
        ),
        pytest.param("o200k_base", "hello world", [24912, 2375], id="o200k hello world"),
        pytest.param(
            "o200k_base",
            "antidisestablishmentarianism",
            [493, 129901, 376, 160388, 21203, 2367],
            id="o200k long word",
        ),
        pytest.param(
            "o200k_base",
            "お誕生日おめでとう",
            [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669],
            id="o200k japanese",
        ),
    ],
)
def test_shipped_encodings_give_the_published_tokens(name: str, text: str, expected: list[int]) -> None:
    encoding = load_encoding(name)
    assert encoding.encode(text) == expected
    assert TiktokenCounter(encoding).count(text) == len(expected)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("cl100k_base", "hello <|endoftext|>", [15339, 220, 100257], id="cl100k end of text"),
        pytest.param("o200k_base", "<|endoftext|>", [199999], id="o200k end of text"),
    ],
)
def test_special_tokens_are_the_published_ones(name: str, text: str, expected: list[int]) -> None:
    assert load_encoding(name).encode(text, allowed_special="all") == expected


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_values_are_the_ones_tiktoken_publishes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # tiktoken's own constructor, with its download replaced by a note of what it asked for.
    asked: list[tuple[str, str | None]] = []

    def note(path: str, expected_hash: str | None = None) -> dict[bytes, int]:
        asked.append((path, expected_hash))
        return {}

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", note)
    published: dict[str, Any] = openai_public.ENCODING_CONSTRUCTORS[name]()
    shipped = SHIPPED[name]
    assert asked == [(f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken", shipped.sha256)]
    assert (published["pat_str"], published["special_tokens"]) == (shipped.pat_str, dict(shipped.special_tokens))


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_ranks_are_those_of_tiktokens_own_loader(
    name: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = SHIPPED[name]
    data = verified(shipped, encodings.read_compressed(shipped))
    path = tmp_path / f"{name}.tiktoken"
    path.write_bytes(data)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # tiktoken would keep a copy in its cache otherwise
    assert parse_ranks(data) == tiktoken.load.load_tiktoken_bpe(str(path), expected_hash=shipped.sha256)


def test_a_changed_byte_is_refused() -> None:
    shipped = SHIPPED["cl100k_base"]
    data = bytearray(gzip.decompress(encodings.read_compressed(shipped)))
    data[100] ^= 1
    with pytest.raises(EncodingFileError, match="not the published"):
        verified(shipped, gzip.compress(bytes(data)))


def test_a_damaged_archive_is_refused() -> None:
    shipped = SHIPPED["o200k_base"]
    with pytest.raises(EncodingFileError, match="damaged"):
        verified(shipped, encodings.read_compressed(shipped)[:1000])


@pytest.mark.parametrize("helper", [False, True], ids=["in-process", "helper process"])
def test_load_counter_raises_for_a_tampered_file_rather_than_estimating(
    monkeypatch: pytest.MonkeyPatch, fresh_load: None, helper: bool
) -> None:
    genuine = encodings.read_compressed(SHIPPED["o200k_base"])
    tampered = gzip.compress(gzip.decompress(genuine).replace(b"IQ== 0", b"Ig== 0", 1))
    monkeypatch.setattr(encodings, "read_compressed", lambda shipped: tampered)
    with pytest.raises(EncodingFileError, match="o200k_base.tiktoken.gz"):
        load_counter("gpt-4o-mini", helper=helper)


@pytest.mark.parametrize("helper", [False, True], ids=["in-process", "helper process"])
def test_load_counter_reports_a_missing_file(monkeypatch: pytest.MonkeyPatch, fresh_load: None, helper: bool) -> None:
    missing = encodings.ShippedEncoding("o200k_base", "gone.tiktoken.gz", "0" * 64, "", {})
    monkeypatch.setitem(encodings.SHIPPED, "o200k_base", missing)  # type: ignore[index]
    with pytest.raises(EncodingFileError, match="gone.tiktoken.gz"):
        load_counter("gpt-4o-mini", helper=helper)


def test_the_encoding_is_loaded_once_per_process() -> None:
    assert load_encoding("o200k_base") is load_encoding("o200k_base")

"""Counting tokens as the model's tokenizer does, before anything is sent.

`load_counter` gives the model's encoding: one the package ships (offline,
SHA-256 checked), or another that tiktoken downloads, or, when that fails, a
conservative estimate (`EstimatingCounter`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Protocol, cast

from docstring_hook.model.billed import SCHEMA_OVERHEAD, schema_prompt_text
from docstring_hook.model.prompt import RESPONSE_SCHEMA
from docstring_hook.model.types import Message

if TYPE_CHECKING:
    import tiktoken

MESSAGE_OVERHEAD = 3
"""Tokens each chat message costs besides its role and content (the separators)."""

REPLY_OVERHEAD = 3
"""Tokens every request costs besides its messages (the primed reply)."""

FALLBACK_ENCODING = "o200k_base"


class TokenCounter(Protocol):
    """Counts the tokens of a text as the model's tokenizer would."""

    def count(self, text: str) -> int:
        """The number of tokens of `text`."""
        ...


class TiktokenCounter:
    """Exact counts from a tiktoken encoding."""

    def __init__(self, encoding: tiktoken.Encoding) -> None:
        self.encoding = encoding

    def count(self, text: str) -> int:
        """The number of tokens of `text`; special tokens count as plain text."""
        return len(self.encoding.encode_ordinary(text))


class EstimatingCounter:
    """An offline estimate that over-counts real encodings.

    Byte-level BPE never merges across the pieces its pre-tokenizer splits
    text into, so the estimate counts pieces generously: a run of ASCII
    letters (split where lower case turns to upper case) costs one token per
    four letters, a run of digits one per three, white space one per eight
    characters (a newline and the indentation after it form one run; a run
    of blanks inside a line costs one more), any other ASCII character one,
    any other character as many tokens as its UTF-8 bytes (which no
    encoding exceeds), and a blob of 32 or more letters, digits and `+/=`
    (base64, hashes) three per four characters.

    How far it over-counts real encodings is measured in bench/README.md.
    """

    def count(self, text: str) -> int:
        """The estimated number of tokens of `text`: 0 for "", else at least 1."""
        if not text:
            return 0
        total = 1
        for match in _PIECE.finditer(text):
            piece = match.group()
            if match.lastgroup == "blob":
                total += -(-len(piece) * 3 // 4)
            elif match.lastgroup == "letters":
                total += -(-len(piece) // 4)
            elif match.lastgroup == "digits":
                total += -(-len(piece) // 3)
            elif match.lastgroup == "space":
                total += -(-len(piece) // 8)
            elif match.lastgroup == "gap":  # "  0": the last space goes with the "0"
                total += -(-len(piece) // 8) + (len(piece) > 1)
            elif match.lastgroup == "ascii":
                total += 1
            else:
                total += len(piece.encode("utf-8", "surrogatepass"))
        return total


_PIECE = re.compile(
    r"(?P<blob>[A-Za-z0-9+/=]{32,})"
    r"|(?P<letters>[A-Z]*[a-z]+|[A-Z]+)"
    r"|(?P<digits>[0-9]+)"
    r"|(?P<space>\n[ \t]*)"
    r"|(?P<gap>[ \t]+)"
    r"|(?P<ascii>[\x00-\x7f])"
    r"|(?P<other>[^\x00-\x7f])"
)


def load_counter(model: str, *, helper: bool = False) -> tuple[TokenCounter, str | None]:
    """The tokenizer of `model` and None, or an estimate and a warning to print.

    Names tiktoken does not know (Azure deployment names, other vendors'
    models) get o200k_base. The encodings the package ships are used
    offline, and a damaged shipped file raises `EncodingFileError`; any other
    encoding is tiktoken's to download, and when that fails the estimate is
    used, with a warning, since exact counts only sharpen the budget. With
    `helper`, a shipped encoding this process has not loaded yet is loaded
    and run in a helper process (`tokenprocess`), its file checked here
    first; the caller closes it.
    """
    import tiktoken

    from docstring_hook.model.encodings import check_shipped, is_loaded, is_shipped, load_encoding

    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        name = FALLBACK_ENCODING
    if is_shipped(name) and helper and not is_loaded(name):
        from docstring_hook.model.tokenprocess import HelperCounter

        check_shipped(name)
        return HelperCounter(name), None
    if is_shipped(name):
        return TiktokenCounter(load_encoding(name)), None
    try:
        return TiktokenCounter(tiktoken.get_encoding(name)), None
    except Exception as error:  # noqa: BLE001 - an optional accelerator, whatever breaks it
        # tiktoken downloads the encodings the package does not ship; offline, that fails.
        return EstimatingCounter(), (
            f"could not load the tokenizer {name} for {model!r} ({type(error).__name__}); "
            "estimating token counts from text length instead. To count exactly, fetch it once where the "
            f"network allows (python -c \"import tiktoken; tiktoken.get_encoding('{name}')\") and point "
            "TIKTOKEN_CACHE_DIR at the folder tiktoken cached it in"
        )


def count_messages(messages: Sequence[Message], counter: TokenCounter) -> int:
    """The prompt tokens a chat request made of `messages` is billed for.

    As OpenAI's cookbook counts chat messages ("How to count tokens with
    tiktoken"): 3 tokens per message besides its role and content, 3 more
    priming the reply. The structured-output schema is counted too (see
    `billed.py` for how), even when the endpoint was negotiated down to JSON
    mode or plain text, which send no schema: over-counting a little is
    safe, under-counting would surprise the bill.
    """
    chat = sum(MESSAGE_OVERHEAD + _count(counter, m.role) + _count(counter, m.content) for m in messages)
    return chat + REPLY_OVERHEAD + _count(counter, _SCHEMA_TEXT) + SCHEMA_OVERHEAD


_SCHEMA_TEXT = schema_prompt_text(RESPONSE_SCHEMA)


def _count(counter: TokenCounter, text: str) -> int:
    # Every prompt repeats the system message and the schema (about 1,100 tokens):
    # counted once, not once per request and per elision candidate.
    try:
        return _remembered(cast(Hashable, counter), text)
    except TypeError:  # a counter that cannot be a dictionary key
        return counter.count(text)


@functools.lru_cache(maxsize=16)
def _remembered(counter: Hashable, text: str) -> int:
    return cast(TokenCounter, counter).count(text)


def counted_by(counter: TokenCounter) -> str:
    """How token figures were obtained, for the dry-run summary."""
    return "estimated from text length" if isinstance(counter, EstimatingCounter) else "counted with tiktoken"

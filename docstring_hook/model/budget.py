"""Token counting, fitting one prompt to a token budget, and the run's spending limits.

Pure: nothing here touches the network or the disk, except `load_counter`,
which loads a shipped encoding, or asks tiktoken for another one (tiktoken
downloads it on first use) and falls back to a conservative estimate when
it cannot.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from docstring_hook.datatypes import FunctionFacts, Style
from docstring_hook.errors import ConfigError
from docstring_hook.model.billed import SCHEMA_OVERHEAD, schema_prompt_text
from docstring_hook.model.prompt import RESPONSE_SCHEMA, Message, build_messages, cache_key

if TYPE_CHECKING:
    import tiktoken

MESSAGE_CHAR_LIMIT = 1_048_576
"""No message content may be longer than this many characters."""

MESSAGE_OVERHEAD = 3
"""Tokens each chat message costs besides its role and content (the separators)."""

REPLY_OVERHEAD = 3
"""Tokens every request costs besides its messages (the primed reply)."""

ELISION_STEPS = (40, 20, 10, 5, 2, 0)
"""The `keep` values `fit` tries, in order, once the full source is too long."""

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

    Against o200k_base and cl100k_base, on the 251,839 functions and classes
    of a Python standard library with its site-packages, it under-counted
    one (a table of hex numbers) by 0.3% and over-counted 1.8 times on
    average; it over-counts English prose, random hex, base64, ASCII, CJK
    and emoji too.
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


def load_counter(model: str) -> tuple[TokenCounter, str | None]:
    """The tokenizer of `model` and None, or an estimate and a warning to print.

    Names tiktoken does not know (Azure deployment names, other vendors'
    models) get o200k_base. The encodings the package ships are used
    offline, and a damaged shipped file raises `EncodingFileError`; any other
    encoding is tiktoken's to download, and when that fails the estimate is
    used, with a warning, since exact counts only sharpen the budget.
    """
    import tiktoken

    from docstring_hook.model.encodings import is_shipped, load_encoding

    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        name = FALLBACK_ENCODING
    if is_shipped(name):
        return TiktokenCounter(load_encoding(name)), None
    try:
        return TiktokenCounter(tiktoken.get_encoding(name)), None
    except Exception as error:  # noqa: BLE001 - an optional accelerator, whatever breaks it
        # tiktoken downloads the encodings the package does not ship; offline, that fails.
        return EstimatingCounter(), (
            f"could not load the tokenizer {name} for {model!r} ({type(error).__name__}); "
            "estimating token counts from text length instead"
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
    chat = sum(MESSAGE_OVERHEAD + counter.count(m.role) + counter.count(m.content) for m in messages)
    return chat + REPLY_OVERHEAD + counter.count(schema_prompt_text(RESPONSE_SCHEMA)) + SCHEMA_OVERHEAD


@dataclass(frozen=True)
class Prompt:
    """Messages ready to send, their cache key and their counted tokens.

    `elided` is True when some lines of the source were left out.
    """

    messages: tuple[Message, ...]
    key: str
    tokens: int
    elided: bool


def fit(
    facts: FunctionFacts,
    style: Style,
    model: str,
    budget: int,
    counter: TokenCounter,
    *,
    plain_text: bool = False,
) -> Prompt | None:
    """The prompt for `facts` within `budget` tokens, eliding source lines if need be.

    The full source is tried first, then `elide(source, keep)` for each
    `keep` of `ELISION_STEPS`; no message ever exceeds `MESSAGE_CHAR_LIMIT`
    characters. None when even the signature alone does not fit.

    The cache key is the key of the messages actually sent. It is stable
    across runs because fitting is deterministic: the same facts, style,
    model, budget and counter give the same messages. A different budget or
    counter (tiktoken here, the estimate there) may elide differently and
    so miss the cache, which costs a request but never gives a wrong answer.

    To retry within a smaller context after a context-length error, fit
    again with a smaller budget, such as `prompt.tokens // 2`.
    """
    seen: set[str] = set()
    for source in _candidate_sources(facts.source):
        if source in seen:
            continue
        seen.add(source)
        messages = build_messages(facts, style, source, plain_text=plain_text)
        if any(len(m.content) > MESSAGE_CHAR_LIMIT for m in messages):
            continue
        tokens = count_messages(messages, counter)
        if tokens <= budget:
            key = cache_key(messages, style=style, model=model)
            return Prompt(messages, key, tokens, elided=source != facts.source)
    return None


def _candidate_sources(source: str) -> Iterator[str]:
    yield source
    lines = _LINE.findall(source)
    header_end, exits = _structure(source, lines)
    for keep in ELISION_STEPS:
        yield _elide(source, lines, header_end, exits, keep)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_HEADER_START = re.compile(r"^\s*(?:async\s+def|def|class)\b")
_EXIT_WORD = re.compile(r"\b(?:return|yield|raise)\b")
_EXIT_KEYWORDS = frozenset({"return", "yield", "raise"})
_STATEMENT_LINES = 6
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")


def elide(source: str, keep: int) -> str:
    """`source` with the middle of a long body replaced by comment lines.

    Kept are the header (decorators and the `def`/`class` lines up to the
    one ending the signature), the first and last `keep` lines of the body,
    and every line holding a `return`, `yield` or `raise` keyword (with the
    rest of its statement when that spans at most six lines). Each run
    of other lines becomes one line `<indent># ... N lines elided ...`,
    indented as the run's first non-blank line. With nothing to leave out,
    `source` comes back unchanged. Source that does not tokenize is read
    by words: the header ends at the first line ending with a colon.
    """
    lines = _LINE.findall(source)
    header_end, exits = _structure(source, lines)
    return _elide(source, lines, header_end, exits, keep)


def _structure(source: str, lines: list[str]) -> tuple[int, set[int]]:
    scanned = _scan(source)
    return scanned if scanned is not None else _scan_by_words(lines)


def _elide(
    source: str, lines: list[str], header_end: int, exits: set[int], keep: int
) -> str:
    keep = max(keep, 0)
    body = range(header_end, len(lines))
    kept = set(range(header_end))
    kept.update(body[:keep])
    kept.update(body[max(len(body) - keep, 0) :])
    kept.update(i for i in exits if i < len(lines))
    if len(kept) >= len(lines):
        return source
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in kept:
            out.append(lines[index])
            index += 1
            continue
        start = index
        while index < len(lines) and index not in kept:
            index += 1
        out.append(_placeholder(lines[start:index], newline=_newline(lines[index - 1])))
    text = "".join(out)
    # The last run may end the text: keep the text's final newline as it was.
    if not source.endswith(("\n", "\r")):
        text = text.rstrip("\r\n")
    return text


def _placeholder(run: list[str], newline: str) -> str:
    first = next((line for line in run if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    count = len(run)
    noun = "line" if count == 1 else "lines"
    return f"{indent}# ... {count} {noun} elided ...{newline or chr(10)}"


def _newline(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _scan(source: str) -> tuple[int, set[int]] | None:
    """The number of header lines and the 0-based lines holding exit keywords.

    None when the source cannot be tokenized.
    """
    header_end: int | None = None
    exits: set[int] = set()
    depth = 0
    seen_keyword = False
    exit_line: int | None = None  # 0-based line of an exit keyword in this statement
    try:
        for token in tokenize.generate_tokens(io.StringIO(source, newline="").readline):
            if token.type == tokenize.NEWLINE and exit_line is not None:
                # A short statement spanning lines is kept whole: `raise E(\n  "...")`.
                last = token.start[0] - 1
                if last - exit_line < _STATEMENT_LINES:
                    exits.update(range(exit_line, last + 1))
                exit_line = None
            elif token.type == tokenize.NAME:
                if token.string in _EXIT_KEYWORDS:
                    exits.add(token.start[0] - 1)
                    exit_line = token.start[0] - 1 if exit_line is None else exit_line
                elif (
                    header_end is None
                    and depth == 0
                    and token.string in ("def", "class")
                ):
                    seen_keyword = True
            elif token.type == tokenize.OP and header_end is None:
                if token.string in _OPENERS:
                    depth += 1
                elif token.string in _CLOSERS:
                    depth = max(depth - 1, 0)
                elif token.string == ":" and depth == 0 and seen_keyword:
                    header_end = token.end[0]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    if header_end is None:
        return None
    return header_end, exits


def _scan_by_words(lines: list[str]) -> tuple[int, set[int]]:
    """What `_scan` finds, guessed from words for source that does not tokenize."""
    start = next((i for i, line in enumerate(lines) if _HEADER_START.match(line)), 0)
    header_end = start + 1
    for index in range(start, len(lines)):
        code = lines[index].split("#", 1)[0].rstrip()
        if code.endswith(":"):
            header_end = index + 1
            break
    else:
        header_end = min(start + 1, len(lines))
    exits = {
        i for i, line in enumerate(lines) if _EXIT_WORD.search(line.split("#", 1)[0])
    }
    return header_end, exits


class RunBudget:
    """The run's limits on functions documented, tokens spent and money spent.

    `admit` reserves the worst case of a request (its counted prompt and
    the output cap) so that requests in flight together cannot overshoot;
    `settle` records what a request really used and releases the
    reservation. Used from one event loop: no locking.

    Cost needs at least one price (per million tokens); a missing price
    counts as free. `max_cost` without any price is a configuration error.
    """

    def __init__(
        self,
        *,
        max_functions: int | None = None,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        price_per_million_input: float | None = None,
        price_per_million_output: float | None = None,
    ) -> None:
        if (
            max_cost is not None
            and price_per_million_input is None
            and price_per_million_output is None
        ):
            raise ConfigError(
                "max-cost needs price-per-million-input and/or price-per-million-output"
            )
        self.max_functions = max_functions
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.price_per_million_input = price_per_million_input
        self.price_per_million_output = price_per_million_output
        self._functions = 0
        self._prompt_tokens = 0
        self._completion_tokens = 0
        self._reserved: list[tuple[int, int]] = []

    @property
    def functions(self) -> int:
        """How many targets were admitted."""
        return self._functions

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens settled so far."""
        return self._prompt_tokens

    @property
    def completion_tokens(self) -> int:
        """Completion tokens settled so far."""
        return self._completion_tokens

    @property
    def reserved_tokens(self) -> int:
        """Tokens admitted requests may still use."""
        return sum(p + o for p, o in self._reserved)

    @property
    def cost(self) -> float | None:
        """Money spent so far, or None without prices."""
        return self._cost(self._prompt_tokens, self._completion_tokens)

    def admit(self, estimated_prompt_tokens: int, max_output_tokens: int) -> str | None:
        """None, reserving the request, when it fits every limit; else why not."""
        if self.max_functions is not None and self._functions >= self.max_functions:
            return f"max-functions reached ({self.max_functions})"
        held_prompt = sum(p for p, _ in self._reserved)
        held_output = sum(o for _, o in self._reserved)
        if self.max_tokens is not None:
            committed = (
                self._prompt_tokens
                + self._completion_tokens
                + held_prompt
                + held_output
            )
            if (
                committed + estimated_prompt_tokens + max_output_tokens
                > self.max_tokens
            ):
                return f"max-tokens reached ({committed} of {self.max_tokens} tokens spent or reserved)"
        if self.max_cost is not None:
            prompt_total = self._prompt_tokens + held_prompt
            output_total = self._completion_tokens + held_output
            committed_cost = self._cost(prompt_total, output_total) or 0.0
            worst = (
                self._cost(
                    prompt_total + estimated_prompt_tokens,
                    output_total + max_output_tokens,
                )
                or 0.0
            )
            if worst > self.max_cost:
                return f"max-cost reached ({committed_cost:.4f} of {self.max_cost:g} spent or reserved)"
        self._functions += 1
        self._reserved.append((estimated_prompt_tokens, max_output_tokens))
        return None

    def settle(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        *,
        reserved: tuple[int, int] | None = None,
    ) -> None:
        """Record one request's real usage and release a reservation.

        `reserved` is the `(estimated_prompt_tokens, max_output_tokens)`
        that `admit` was given; without it the oldest reservation is
        released. Usage beyond the reservations (a repair request) is
        recorded all the same.
        """
        self.record(prompt_tokens, completion_tokens)
        self.release(reserved)

    def record(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Record one request's real usage, keeping any reservation."""
        self._prompt_tokens += max(prompt_tokens, 0)
        self._completion_tokens += max(completion_tokens, 0)

    def release(self, reserved: tuple[int, int] | None = None) -> None:
        """Give back a reservation whose request will not be sent (or the oldest one)."""
        if reserved is not None and reserved in self._reserved:
            self._reserved.remove(reserved)
        elif reserved is None and self._reserved:
            self._reserved.pop(0)

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        return cost_of(prompt_tokens, completion_tokens, self.price_per_million_input, self.price_per_million_output)


def cost_of(
    prompt_tokens: int, completion_tokens: int, per_million_input: float | None, per_million_output: float | None
) -> float | None:
    """What tokens cost at prices per million; None when no price is set (a missing one is free)."""
    if per_million_input is None and per_million_output is None:
        return None
    return (prompt_tokens * (per_million_input or 0.0) + completion_tokens * (per_million_output or 0.0)) / 1_000_000

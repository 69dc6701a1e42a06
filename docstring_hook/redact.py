"""Mask what looks like a secret before any of it can reach a prompt.

Pure and deterministic: the same text always gives the same masked text,
so cache keys stay stable. Each masked value becomes `<redacted:KIND>`,
written inside the string literal or comment that held it, so the code
shown to the model still reads as Python and still tokenizes (elision
needs that).

Three kinds of evidence, all regular expressions (see docs/privacy.md for
why not detect-secrets):

- shapes: values whose prefix and length give them away (`AKIA...`,
  `ghp_...`, JWTs, private-key blocks, `scheme://user:password@`), found
  anywhere in the text;
- keywords: the value of a name ending in password, secret, token, api_key
  and the like, assigned, passed or keyed with a quoted literal anywhere,
  or written `name=value`/`name: value` inside a literal or a comment;
- entropy: long random-looking words inside literals and comments.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import re
import tokenize
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from docstring_hook.datatypes import ContextItem, FunctionFacts, Param

PLACEHOLDER = "<redacted:{kind}>"


@dataclass(frozen=True)
class Redacted:
    """A text with its secrets masked, and how many values were masked."""

    text: str
    count: int


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str


# Kind, pattern. A group named `s` marks the part to mask (the rest stays for context).
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # The body of a key block may span lines or `\n` escapes; an unterminated
    # block is masked up to the end of its literal.
    ("private-key", re.compile(
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[^'\"]*)", re.DOTALL)),
    ("aws-key", re.compile(
        r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA)[A-Z0-9]{16}(?![A-Za-z0-9])")),
    ("azure-storage-key", re.compile(r"(?i:AccountKey|SharedAccessKey)=(?P<s>[A-Za-z0-9+/]{20,}={0,2})")),
    ("azure-sas", re.compile(r"(?<![A-Za-z0-9])sig=(?P<s>(?:[A-Za-z0-9+/]|%2[BFbf]|%3[Dd]){20,})")),
    ("gcp-api-key", re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])")),
    ("github-token", re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})")),
    ("gitlab-token", re.compile(r"(?<![A-Za-z0-9])gl(?:pat|dt|rt|ptt|ft|soat|cbt)-[A-Za-z0-9_\-]{20,}")),
    ("slack-token", re.compile(r"(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9\-]{10,}")),
    ("slack-webhook", re.compile(r"hooks\.slack\.com/(?:services|workflows)/(?P<s>[A-Za-z0-9_/]{20,})")),
    ("stripe-key", re.compile(r"(?<![A-Za-z0-9])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})")),
    ("openai-key", re.compile(r"(?<![A-Za-z0-9])sk-(?:proj-|svcacct-|admin-|ant-[a-z0-9]+-)?[A-Za-z0-9_\-]{32,}")),
    ("pypi-token", re.compile(r"(?<![A-Za-z0-9])pypi-AgE[A-Za-z0-9_\-]{50,}")),
    ("npm-token", re.compile(r"(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])")),
    ("jwt", re.compile(r"(?<![A-Za-z0-9])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*")),
    ("url-password", re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]+:(?P<s>[^\s@/'\"]+)@")),
)

# A name that ends in one of these words holds a secret: `db_password`,
# `client_secret`, `GITHUB_TOKEN`, `api-key`; not `password_hash` or `token_type`.
_KEYWORD = (
    r"(?<![A-Za-z0-9])(?P<name>(?:[A-Za-z0-9_]*[_-])?"
    r"(?:password|passwd|passphrase|secret|token|authorization|credentials?"
    r"|api[_-]?key|apikey|(?:access|secret|private|auth|account|signing|encryption|master)[_-]?key))"
    r"(?![A-Za-z0-9])"
)
# `name = "v"`, `name: str = "v"`, `name="v"`, `"name": "v"`, `["name"] = "v"`.
_QUOTED_ASSIGNMENT = re.compile(
    _KEYWORD + r"['\"]?\]?\s*(?::\s*[\w.\[\]| ]+?\s*)?(?::=|=|:)\s*[rRbBuU]{0,2}"
    r"(?P<q>['\"])(?P<s>(?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)",
    re.IGNORECASE,
)
# Inside a literal or a comment: `password=v;` (connection strings, query strings), `token: v`.
_UNQUOTED_ASSIGNMENT = re.compile(_KEYWORD + r"\s*[:=]\s*(?P<s>[^\s'\"`,;&)]+)", re.IGNORECASE)
# Connection strings abbreviate: `Pwd=...;`.
_CONNECTION_PASSWORD = re.compile(r"(?<![A-Za-z0-9])(?:pwd|password)=(?P<s>[^;&'\"\s]+)", re.IGNORECASE)
# Values that stand for a secret without being one: templates, markers, masks.
_NOT_A_VALUE = re.compile(
    r"\{[^{}]*\}|%\(?\w*\)?[sdr]|\$\{?\w+\}?|\*+|x{3,}|X{3,}|<[^<>]*>|\[[^\[\]]*\]|\.{3}|changeme|none|null"
    r"|[A-Za-z_][\w.]*[\[(].*",  # a call or subscript in a comment: `token = os.environ[...]`
    re.IGNORECASE,
)

# Entropy: a word of the base64 alphabet, not glued to a dot, colon or `=`
# (URLs, dotted names and `key=value` are read by other rules), ...
_WORD = re.compile(r"(?<![\w+/=.:%@-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![\w+/=.:@-])")
_HEX = re.compile(r"[0-9a-fA-F\-]+={0,2}")
_SEPARATORS = re.compile(r"[-_]")
MIN_ENTROPY_BITS = 3.7
"""... of at least this many bits per character (Shannon) ..."""
MIN_CLASS_SWITCHES = 0.45
"""... whose characters change class (upper, lower, digit, other) this often ..."""
MIN_PIECE = 16
"""... in a run this long between `-` and `_` (hyphenated names have short ones)."""


def redact(text: str, *, code: bool = True) -> Redacted:
    """`text` with every value that looks like a secret replaced by `<redacted:KIND>`.

    With `code`, `text` is Python: entropy and unquoted `name=value` are
    looked for in its string literals and comments only (so long
    identifiers are never masked). Text that does not tokenize, and prose
    (`code=False`), is searched as a whole.
    """
    spans = _merge(_find(text, code))
    if not spans:
        return Redacted(text, 0)
    parts = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(PLACEHOLDER.format(kind=span.kind))
        position = span.end
    parts.append(text[position:])
    return Redacted("".join(parts), len(spans))


def redact_facts(facts: FunctionFacts) -> tuple[FunctionFacts, int]:
    """`facts` with every text that reaches a prompt redacted, and the count.

    The count is of values masked in the source, the class and module
    summaries and the context: decorators, defaults and annotations repeat
    parts of the source, so what is masked there is not counted twice.
    """
    source = redact(facts.source)
    class_summary = _redact_optional(facts.class_summary, code=False)
    module_summary = _redact_optional(facts.module_summary, code=False)
    context = [_redact_item(item) for item in facts.context]
    redacted = dataclasses.replace(
        facts,
        source=source.text,
        params=tuple(_redact_param(p) for p in facts.params),
        returns=_redact_optional(facts.returns).text if facts.returns is not None else None,
        decorators=tuple(redact(d).text for d in facts.decorators),
        class_summary=class_summary.text if facts.class_summary is not None else None,
        module_summary=module_summary.text if facts.module_summary is not None else None,
        context=tuple(item for item, _ in context),
    )
    return redacted, source.count + class_summary.count + module_summary.count + sum(n for _, n in context)


def _redact_item(item: ContextItem) -> tuple[ContextItem, int]:
    code = redact(item.code)
    summary = _redact_optional(item.summary, code=False)
    masked = dataclasses.replace(item, code=code.text, summary=summary.text if item.summary is not None else None)
    return masked, code.count + summary.count


def _redact_optional(text: str | None, *, code: bool = True) -> Redacted:
    return Redacted("", 0) if text is None else redact(text, code=code)


def _redact_param(param: Param) -> Param:
    annotation = redact(param.annotation).text if param.annotation is not None else None
    default = param.default
    if default is not None:
        # Read with its name: `'hunter2'` alone is no secret, `password='hunter2'` is.
        default = redact(f"{param.name}={default}").text[len(param.name) + 1 :]
    return dataclasses.replace(param, annotation=annotation, default=default)


def _find(text: str, code: bool) -> Iterator[_Span]:
    for kind, pattern in _SHAPES:
        for match in pattern.finditer(text):
            yield _span_of(match, kind)
    for match in _QUOTED_ASSIGNMENT.finditer(text):
        if _is_value(match.group("s"), match.group("name")):
            yield _span_of(match, _keyword_kind(match.group("name")))
    for start, end in _literals_and_comments(text) if code else [(0, len(text))]:
        yield from _find_in_words(text, start, end)


def _find_in_words(text: str, start: int, end: int) -> Iterator[_Span]:
    """Unquoted assignments and random-looking words in `text[start:end]`."""
    for pattern in (_UNQUOTED_ASSIGNMENT, _CONNECTION_PASSWORD):
        for match in pattern.finditer(text, start, end):
            name = match.groupdict().get("name") or "password"
            if _is_value(match.group("s"), name, quoted=False):
                yield _span_of(match, _keyword_kind(name))
    for match in _WORD.finditer(text, start, end):
        if looks_random(match.group()):
            yield _Span(match.start(), match.end(), "high-entropy")


def looks_random(word: str) -> bool:
    """Whether a word of the base64 alphabet looks like a key rather than a name.

    Hex (digests, UUIDs, commit ids) never does: too common in code to mask.
    """
    if len(word) < 20 or _HEX.fullmatch(word):
        return False
    # Judged by its longest run between separators: `ELBSecurityPolicy-TLS13-1-2`
    # is a name, a url-safe key has few separators.
    piece = max(_SEPARATORS.split(word), key=len)
    if len(piece) < MIN_PIECE:
        return False
    if not (re.search(r"[0-9]", piece) and re.search(r"[a-z]", piece) and re.search(r"[A-Z]", piece)):
        return False
    return entropy(piece) >= MIN_ENTROPY_BITS and _class_switches(piece) >= MIN_CLASS_SWITCHES


def entropy(word: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(word)
    return -sum(n / len(word) * math.log2(n / len(word)) for n in counts.values())


def _class_switches(word: str) -> float:
    def kind(character: str) -> int:
        return 0 if character.isupper() else 1 if character.islower() else 2 if character.isdigit() else 3

    switches = sum(kind(a) != kind(b) for a, b in itertools.pairwise(word))
    return switches / (len(word) - 1)


def _is_value(value: str, name: str, *, quoted: bool = True) -> bool:
    """Whether a keyword's value may be a real secret rather than a stand-in or prose."""
    value = value.strip()
    if len(value) < 4 or value.startswith("<redacted:") or _NOT_A_VALUE.fullmatch(value):
        return False
    # Lexers name their tokens (`token = "NAME"`) and comments speak words
    # (`# token: the next one`): a bare word is only a secret as a quoted password.
    plain_word = value.replace("_", "").isalpha()
    return not plain_word or (quoted and _keyword_kind(name) in ("password", "secret"))


def _keyword_kind(name: str) -> str:
    lowered = name.lower()
    if "pass" in lowered or lowered == "pwd":
        return "password"
    if "token" in lowered or "authorization" in lowered:
        return "token"
    if "credential" in lowered:
        return "credential"
    if lowered.endswith("key"):
        return "api-key"
    return "secret"


def _span_of(match: re.Match[str], kind: str) -> _Span:
    group = "s" if "s" in match.re.groupindex and match.group("s") is not None else 0
    return _Span(match.start(group), match.end(group), kind)


def _merge(spans: Iterator[_Span]) -> list[_Span]:
    """Overlapping spans become one, of the kind found first in the text."""
    merged: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start == span.end:
            continue
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = _Span(last.start, max(last.end, span.end), last.kind)
        else:
            merged.append(span)
    return merged


_LITERAL_TOKENS = frozenset(
    {tokenize.STRING, tokenize.COMMENT} | ({tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set())
)


def _literals_and_comments(text: str) -> list[tuple[int, int]]:
    """The character ranges of string literals and comments; all of `text` if it does not tokenize."""
    starts = [0]
    for line in re.findall(r"[^\n]*\n|[^\n]+$", text):  # as StringIO.readline splits
        starts.append(starts[-1] + len(line))
    ranges = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in _LITERAL_TOKENS:
                ranges.append((starts[token.start[0] - 1] + token.start[1], starts[token.end[0] - 1] + token.end[1]))
    except (tokenize.TokenError, SyntaxError, ValueError, IndexError):
        return [(0, len(text))]
    return ranges

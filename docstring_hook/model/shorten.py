"""A summary too long for its line, shortened without another request where that loses nothing true.

Small models overshoot a stated length and, asked again, often overshoot
once more. A summary that is a sentence followed by a trailing clause
("Parse the box string into four floats, validating the number of parts")
or holding an aside ("Return the page's links (as titles)") keeps a true,
complete sentence when the clause or the aside goes. Only those cuts are
made: never at a comma between list items, never before a condition or an
alternative ("if", "unless", "otherwise": dropping one makes the sentence
false), never before a restrictive phrase ("names that match"), and the
result must still be at least three words. What stays is checked
like any draft (mood, names, restating), so nothing unchecked is written.
"""

from __future__ import annotations

import re

from docstring_hook.model.types import Message
from docstring_hook.sentences import first_sentence

SHORTENING_SYSTEM = "You shorten the one-line summaries of Python docstrings. Reply with the new summary only."

_ASIDE = re.compile(r"\s*\([^()]*\)")
_DASH = re.compile(r"\s+(?:-{1,2}|\u2013|\u2014)\s+")
# A comma (or semicolon) that opens a trailing clause: a participle, a
# subordinate clause or an aside, not the next item of a list.
# Left out: what states a condition or an alternative ("if", "when", "unless",
# "until", "otherwise", "but", "or", a bare "as"): "Return None, if the key is
# missing" cut to "Return None." would be false. And "or" ends a list ("a str,
# bytes, or a path").
_CLAUSE = re.compile(
    r"\s*[,;]\s+(?=(?:(?!\w*thing\b|\w*string\b)\w{2,}ing|which|while|where|whereas|so|"
    r"e\.g\.|i\.e\.|such as|as well as|because|since|after|before|then)\b)",
    re.IGNORECASE,
)
# Without a comma, only a phrase that says how, never which or when.
_PHRASE = re.compile(r"\s+(?=(?:according to|using|via|in order to|by \w+ing)\b)", re.IGNORECASE)
# A sentence does not end on these: the cut would leave it dangling.
_DANGLING_WORDS = "a an the and or but of to for from with by in on at as into onto via its their this that these those"
_DANGLING = frozenset(_DANGLING_WORDS.split())
_MIN_WORDS = 3


def shorter_summaries(summary: str, limit: int) -> list[str]:
    """Shorter forms of `summary` whose first sentence fits in `limit` characters, longest first.

    Empty when the first sentence already fits, or when no cut keeps a
    complete sentence. Anything after the first sentence is dropped with
    the cut: the summary line is the first sentence.
    """
    sentence = first_sentence(summary)
    if len(sentence) <= limit:
        return []
    body = sentence.removesuffix(".")
    candidates = {_finish(head) for head in _heads(body)}
    fitting = [c for c in candidates if len(c) <= limit and _complete(c)]
    return sorted(fitting, key=lambda c: (-len(c), c))


def _heads(body: str) -> list[str]:
    """Every shorter version of `body` one allowed cut (or all asides) can make."""
    heads = []
    without_asides = _ASIDE.sub("", body)
    if without_asides != body:
        heads.append(without_asides)
    for text in {body, without_asides}:
        heads.extend(text[: m.start()] for m in _CLAUSE.finditer(text))
        heads.extend(text[: m.start()] for m in _DASH.finditer(text))
        heads.extend(text[: m.start()] for m in _PHRASE.finditer(text))
    return heads


def _finish(head: str) -> str:
    return head.rstrip(" ,;:") + "."


def _complete(candidate: str) -> bool:
    words = candidate[:-1].split()
    return len(words) >= _MIN_WORDS and words[-1].lower() not in _DANGLING


def word_budget(sentence: str, limit: int) -> int:
    """The words a summary of `limit` characters holds, at seven a word with its space; fewer than `sentence` has.

    Small models count words better than characters.
    """
    return max(3, min(limit // 7, len(sentence.split()) - 2))


def shortening_request(summary: str, limit: int, *, imperative: bool = True) -> tuple[Message, Message]:
    """A small plain-text request for `summary` rewritten to fit `limit` characters.

    Asked to repair its whole answer, a small model sends the same answer
    again, word for word (bench/README.md, quality); asked for one shorter
    sentence, with nothing else to copy, it writes one.
    """
    sentence = first_sentence(summary)
    rules = [
        f"Rewrite this docstring summary in at most {word_budget(sentence, limit)} words and {limit} characters.",
        "Keep it true: drop detail, never add any.",
        *(['Start with a verb in the imperative mood ("Return", not "Returns").'] if imperative else []),
    ]
    ask = " ".join(rules) + f"\n\n{sentence}"
    return Message("system", SHORTENING_SYSTEM), Message("user", ask)


def shortened_summary(reply: str) -> str:
    """The summary in a plain-text reply: its first non-empty line, without quotes or a label."""
    line = next((line for line in reply.splitlines() if line.strip()), "")
    line = re.sub(r"^\s*(?:new\s+)?summary\s*:\s*", "", line, flags=re.IGNORECASE)
    return line.strip().strip("\"'`").strip()

"""Judging a draft against the code: the right things documented, and nothing else.

Validation is about content only. Escaping and layout belong to
rendering, which must cope with any text.
"""

from __future__ import annotations

import re

from docstring_hook.datatypes import DocstringDraft, FunctionFacts, TargetKind
from docstring_hook.model.shorten import word_budget
from docstring_hook.sentences import first_sentence

SUMMARY_LIMIT = 200
_NO_RETURN_ANNOTATIONS = frozenset({"None", "NoReturn", "Never", "typing.NoReturn", "typing.Never"})


# The quotes around a one-line docstring, and a closing period the renderer may add.
_QUOTES_AND_PERIOD = 7


def check(
    draft: DocstringDraft, facts: FunctionFacts, *, allow_examples: bool = False, line_length: int | None = None
) -> tuple[str, ...]:
    """The problems of `draft` as the docstring of `facts`; empty when it is fine.

    With `line_length`, the summary line must fit it at the docstring's column.
    """
    problems = [*_summary_problems(draft.summary), *_restated(draft.summary, facts), *_param_problems(draft, facts)]
    if line_length is not None:
        problems.extend(fit_problems(draft, facts, line_length))
    if facts.target.kind is TargetKind.CLASS:
        if draft.returns is not None:
            problems.append("a class docstring has no Returns section: remove it")
        if draft.yields is not None:
            problems.append("a class docstring has no Yields section: remove it")
    else:
        problems.extend(_returns_problems(draft, facts))
        problems.extend(_yields_problems(draft, facts))
    problems.extend(_raises_problems(draft, facts))
    if not allow_examples and any(">>>" in text for text in _texts(draft)):
        problems.append("the docstring contains an example (`>>>`): remove examples")
    return tuple(problems)


def summary_limit(facts: FunctionFacts, line_length: int) -> int:
    """The longest summary sentence that fits on its line at the docstring's column."""
    return line_length - facts.body_column - _QUOTES_AND_PERIOD


def fit_problems(draft: DocstringDraft, facts: FunctionFacts, line_length: int) -> list[str]:
    """The problem of a summary sentence too long for its line at the docstring's column, if it is."""
    sentence = first_sentence(draft.summary)
    limit = summary_limit(facts, line_length)
    if len(sentence) <= limit:
        return []
    words = word_budget(sentence, max(limit, 0))
    problem = (
        f"the summary sentence is {len(sentence)} characters; at this indentation the project's lines "
        f"({line_length} columns) hold {max(limit, 0)}: write a shorter summary of at most {words} words"
    )
    return [problem]


def _restated(summary: str, facts: FunctionFacts) -> list[str]:
    """A summary that restates the signature (`add(a, b) -> int`, `def add(...)`) says nothing new."""
    name = facts.target.qualname.rsplit(".", 1)[-1]
    text = summary.strip().strip("`")
    if text.startswith(("def ", "async def ", "class ")) or re.match(rf"(?:\w+\.)*{re.escape(name)}\s*\(", text):
        return ["the summary restates the signature: say what the code does instead"]
    return []


def _summary_problems(summary: str) -> list[str]:
    summary = summary.strip()
    if not summary:
        return ["the summary is empty"]
    problems = []
    if len(summary.splitlines()) > 1:
        problems.append("the summary must be a single line")
    if len(summary) > SUMMARY_LIMIT:
        problems.append(f"the summary is longer than {SUMMARY_LIMIT} characters")
    if not summary[0].isalnum():
        problems.append("the summary must start with a letter or a digit")
    if summary.endswith(":"):
        problems.append("the summary must not end with a colon")
    return problems


def _param_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    problems = []
    known = {p.name: p.display_name for p in facts.params}
    documented: set[str] = set()
    for doc in draft.params:
        name = doc.name.strip().lstrip("*")
        if name not in known:
            problems.append(f"`{doc.name}` is documented but is not a parameter")
            continue
        if name in documented:
            problems.append(f"parameter `{known[name]}` is documented twice")
        documented.add(name)
        if not doc.description.strip():
            problems.append(f"parameter `{known[name]}` has an empty description")
    if facts.target.kind is not TargetKind.CLASS:
        problems.extend(
            f"parameter `{shown}` is not documented"
            for name, shown in known.items()
            if name not in documented
        )
    return problems


def _returns_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    is_init = facts.target.qualname.rsplit(".", 1)[-1] == "__init__"
    annotated = (
        facts.returns is not None and facts.returns not in _NO_RETURN_ANNOTATIONS
    )
    if is_init or facts.returns in _NO_RETURN_ANNOTATIONS:
        allowed = required = False
    else:
        required = facts.returns_value
        # A stub or abstract method annotated with a type may describe what it returns.
        allowed = required or (annotated and not facts.is_generator)
    if draft.returns is None:
        return (
            ["the function returns a value: document it under Returns"]
            if required
            else []
        )
    if not allowed:
        return ["Returns is documented but the function returns no value: remove it"]
    if not draft.returns.strip():
        return ["the Returns description is empty"]
    return _returns_type_problems(draft.returns_type, facts)


# Type names whose meaning the code settles: what a display, a literal or an annotation builds.
_BUILTIN_TYPES = {
    name: name.lower() for name in ("list", "dict", "tuple", "set", "frozenset", "str", "bytes", "int", "float", "bool")
}
_BUILTIN_TYPES.update({"List": "list", "Dict": "dict", "Tuple": "tuple", "Set": "set", "FrozenSet": "frozenset"})


def _base_type(text: str | None) -> str | None:
    """`list` for `list[str]`, `typing.List[int]` or `List`; None for anything else (a union, a class)."""
    if not text or "|" in text or "Optional" in text or "Union" in text:
        return None
    name = text.strip().split("[", 1)[0].strip().rsplit(".", 1)[-1]
    return _BUILTIN_TYPES.get(name)


def _returns_type_problems(drafted: str | None, facts: FunctionFacts) -> list[str]:
    """A Returns type that the annotation, or what every return statement builds, contradicts."""
    said = _base_type(drafted)
    if said is None:
        return []
    annotated = _base_type(facts.returns)
    if annotated is not None and annotated != said:
        return [f"Returns says `{drafted}` but the function is annotated `-> {facts.returns}`: correct the type"]
    built = {kind for kind in facts.return_kinds if kind != "None"}
    if built and all(kind in _BUILTIN_TYPES.values() for kind in built) and said not in built:
        shown = " or ".join(sorted(built))
        return [f"Returns says `{drafted}` but every return statement gives a {shown}: correct the type"]
    defined = {kind.rsplit(": ", 1)[-1] for kind in built if kind.startswith("function defined in the body: ")}
    if built and len(defined) == len(built):
        names = ", ".join(f"`{name}`" for name in sorted(defined))
        return [f"Returns says `{drafted}` but the function returns the function it defines ({names}): describe that"]
    return []


def _yields_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    if draft.yields is None:
        return (
            ["the function is a generator: document what it yields under Yields"]
            if facts.is_generator
            else []
        )
    if not facts.is_generator:
        return ["Yields is documented but the function is not a generator: remove it"]
    if not draft.yields.strip():
        return ["the Yields description is empty"]
    return []


def _raises_problems(draft: DocstringDraft, facts: FunctionFacts) -> list[str]:
    raised = {_last_part(name) for name in facts.raises}
    problems = []
    for doc in draft.raises:
        name = doc.exception.strip()
        if not name:
            problems.append("a Raises entry names no exception")
        elif _last_part(name) not in raised:
            problems.append(
                f"`{name}` is documented as raised but the code does not raise it: remove it"
            )
    return problems


def _last_part(name: str) -> str:
    return name.strip().rsplit(".", 1)[-1]


def _texts(draft: DocstringDraft) -> list[str]:
    texts = [draft.summary, draft.description, draft.returns or "", draft.yields or ""]
    texts.extend(p.description for p in draft.params)
    texts.extend(r.description for r in draft.raises)
    return texts

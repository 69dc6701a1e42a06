"""Turn a docstring draft into the source text of one string literal.

The draft comes from a language model, so its text is untrusted: it is
cleaned of control and invisible characters, laid out in the chosen style,
and quoted so that nothing in it can end the literal early. The layout is
one that ruff's pydocstyle rules, `ruff format` and `black` all accept as is.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

from docstring_hook.datatypes import (
    DocstringDraft,
    FunctionFacts,
    ParamDoc,
    Rendered,
    RenderOptions,
    Style,
    TargetKind,
)
from docstring_hook.source.text import (
    cleaner,
    columns,
    dedented,
    inline,
    joined,
    layout,
    prefixed,
    summary_line,
)

_LEVEL = "    "
_UNSAFE_QUOTES = re.compile(r'"{3,}|"\Z')
_ITERATOR = re.compile(r"(?:[\w.]+\.)?(?:Async)?(?:Iterator|Iterable|Generator)\[(?P<args>.*)\]\Z")


@dataclass(frozen=True)
class _Entry:
    """One item of a section: `name` is a parameter or exception, empty for returns."""

    name: str
    type: str | None
    text: str


@dataclass(frozen=True)
class _Sections:
    params: tuple[_Entry, ...]
    returns: _Entry | None
    yields: _Entry | None
    raises: tuple[_Entry, ...]


def render(draft: DocstringDraft, facts: FunctionFacts, options: RenderOptions) -> Rendered:
    """Render `draft` as the docstring literal of `facts.target`, placed as `options` say.

    The literal starts at the body's indentation column; its value, once
    cleaned by `inspect.cleandoc`, is `Rendered.value`.
    """
    clean = cleaner(options.encoding)
    summary, description = summary_line(draft.summary, draft.description, options.style, options.encoding)
    width = options.line_length - columns(options.indent)
    blocks = [layout(description, width), *_styled(_sections(draft, facts, options, clean), options.style, width)]
    body = dedented(joined(block for block in blocks if block))
    if not body:
        # Even a summary too long for the line stays on one line: D200, black
        # and ruff format all reject a lone summary with the quotes below it.
        return Rendered(_literal(summary), inspect.cleandoc(summary))
    lines = [summary, "", *(prefixed(options.indent, line) for line in body), options.indent]
    value = "\n".join(lines)
    return Rendered(_literal(value).replace("\n", options.newline), inspect.cleandoc(value))


def _sections(
    draft: DocstringDraft, facts: FunctionFacts, options: RenderOptions, clean: Callable[[str], str]
) -> _Sections:
    include = options.include_types
    params = _param_entries(draft.params, facts, include, clean)
    raises = tuple(_Entry(inline(clean(r.exception)), None, clean(r.description)) for r in draft.raises)
    if facts.target.kind is TargetKind.CLASS:
        return _Sections(params, None, None, raises)
    annotation = _clean_type(facts.returns, clean)
    returns = _result(draft.returns, _chosen_type(annotation, draft.returns_type, include, clean), clean)
    yields = _result(draft.yields, _yields_type(annotation, draft.yields_type, include, clean), clean)
    return _Sections(params, returns, yields, raises)


def _param_entries(
    docs: tuple[ParamDoc, ...], facts: FunctionFacts, include: bool, clean: Callable[[str], str]
) -> tuple[_Entry, ...]:
    """Documented parameters in signature order, then any the signature lacks."""
    remaining = list(docs)
    entries: list[_Entry] = []
    for param in facts.params:
        doc = next((d for d in remaining if inline(clean(d.name)).lstrip("*") == param.name), None)
        if doc is not None:
            remaining.remove(doc)
            kind = _chosen_type(_clean_type(param.annotation, clean), doc.type, include, clean)
            entries.append(_Entry(param.display_name, kind, clean(doc.description)))
    extras = (_Entry(inline(clean(d.name)), _clean_type(d.type, clean), clean(d.description)) for d in remaining)
    return (*entries, *extras)


def _clean_type(text: str | None, clean: Callable[[str], str]) -> str | None:
    return None if text is None else inline(clean(text)) or None


def _chosen_type(annotation: str | None, drafted: str | None, include: bool, clean: Callable[[str], str]) -> str | None:
    """The annotation when types are wanted, the draft's type when the code has none."""
    if annotation is not None:
        return annotation if include else None
    return _clean_type(drafted, clean)


def _yields_type(annotation: str | None, drafted: str | None, include: bool, clean: Callable[[str], str]) -> str | None:
    """As `_chosen_type`, the annotation of a generator giving the type of its items."""
    if annotation is None:
        return _clean_type(drafted, clean)
    if not include:
        return None
    return _yielded_type(annotation) or _clean_type(drafted, clean)


def _yielded_type(annotation: str) -> str | None:
    """`int` for `Iterator[int]` or `Generator[int, None, None]`."""
    match = _ITERATOR.match(annotation)
    if match is None:
        return None
    arguments, depth = match["args"], 0
    for index, char in enumerate(arguments):
        depth += (char == "[") - (char == "]")
        if char == "," and depth == 0:
            return arguments[:index].strip() or None
    return arguments.strip() or None


def _result(text: str | None, kind: str | None, clean: Callable[[str], str]) -> _Entry | None:
    # A type with nothing said about the value is no reason for a section.
    described = clean(text or "")
    return _Entry("", kind, described) if described else None


def _styled(sections: _Sections, style: Style, width: int) -> list[list[str]]:
    if style is Style.SPHINX:
        return [_sphinx(sections, width)]
    heading, entry, titles = _TITLED[style.concrete]
    groups = (sections.params, [sections.returns], [sections.yields], sections.raises)
    blocks = ([line for e in group if e for line in entry(e, width)] for group in groups)
    return [[*heading(title), *lines] if lines else [] for title, lines in zip(titles, blocks, strict=True)]


def _google_entry(entry: _Entry, width: int) -> list[str]:
    label = f"{entry.name} ({entry.type})" if entry.name and entry.type else entry.name or entry.type or ""
    lines = layout(entry.text, width - len(_LEVEL), f"{label}: " if label else "", _LEVEL)
    return [prefixed(_LEVEL, line) for line in lines]


def _numpy_entry(entry: _Entry, width: int) -> list[str]:
    head = f"{entry.name} : {entry.type}" if entry.name and entry.type else entry.name or entry.type
    if not head:
        # A return value of unknown type: numpydoc wants a type line, but a bare
        # description reads better than a made-up type and D4xx accept it.
        return layout(entry.text, width)
    return [head, *(prefixed(_LEVEL, line) for line in layout(entry.text, width - len(_LEVEL)))]


def _pep257_entry(entry: _Entry, width: int) -> list[str]:
    """PEP 257's own layout, from its `complex` example: `name -- text` under the heading, no type.

    Continuation lines hang under the name; a return value's text is a plain paragraph.

    No other style's parser reads entries at their heading's indentation as
    sections, so a repository written this way still counts as pep257 for
    `style = "auto"`.
    """
    if not entry.name:  # a return value: a paragraph of its own under the heading
        return layout(entry.text, width)
    return layout(entry.text, width, f"{entry.name} -- ", _LEVEL)


_Heading = Callable[[str], list[str]]
_TITLED: dict[Style, tuple[_Heading, Callable[[_Entry, int], list[str]], tuple[str, ...]]] = {
    Style.GOOGLE: (lambda title: [f"{title}:"], _google_entry, ("Args", "Returns", "Yields", "Raises")),
    Style.NUMPY: (lambda title: [title, "-" * len(title)], _numpy_entry, ("Parameters", "Returns", "Yields", "Raises")),
    Style.PEP257: (lambda title: [f"{title}:"], _pep257_entry, ("Arguments", "Returns", "Yields", "Raises")),
}


def _sphinx(sections: _Sections, width: int) -> list[str]:
    lines: list[str] = []
    for param in sections.params:
        lines += layout(param.text, width, f":param {param.name}: ", _LEVEL)
        lines += [f":type {param.name}: {param.type}"] if param.type else []
    for role, type_role, entry in (("returns", "rtype", sections.returns), ("yields", "ytype", sections.yields)):
        if entry is not None:
            lines += layout(entry.text, width, f":{role}: ", _LEVEL)
            lines += [f":{type_role}: {entry.type}"] if entry.type else []
    for error in sections.raises:
        lines += layout(error.text, width, f":raises {error.name}: ", _LEVEL)
    return lines


def _literal(value: str) -> str:
    """A triple-quoted literal whose value is exactly `value`."""
    if "\\" in value and _fits_raw(value):
        return f'r"""{value}"""'
    escaped = _UNSAFE_QUOTES.sub(lambda run: '\\"' * len(run.group()), value.replace("\\", "\\\\"))
    if escaped.startswith('"'):
        # Formatters pad a leading quote with a space, which D210 rejects; D301
        # rejects `\"` but accepts a named escape.
        escaped = r"\N{QUOTATION MARK}" + escaped[1:]
    return f'"""{escaped}"""'


def _fits_raw(value: str) -> bool:
    # A raw literal cannot escape quotes, and an odd backslash run would
    # escape the closing ones.
    trailing_backslashes = len(value) - len(value.rstrip("\\"))
    quoted_ends = value.startswith('"') or value.endswith('"')
    return '"""' not in value and not quoted_ends and trailing_backslashes % 2 == 0

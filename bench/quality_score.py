"""Scoring docstrings offline against the code they document: the quality benchmark's metrics.

Every docstring, written by the tool or by a human (the control), is read
back with docstring_parser (its style detected) and judged against the
facts the tool itself derives from the stripped code (`describe_file`).
docstring_parser has no reader for PEP 257's own layout (`name -- text`
under an "Arguments:" heading, as in the PEP's `complex` example), so a
docstring in which it finds no section is read by `pep257_draft`, a reader
of that layout written here apart from the tool's renderer:

- parameter accuracy: the documented parameter names equal the
  signature's (self/cls left out; a class's are its `__init__`'s);
- false sections: Returns where no value is returned (or for a class),
  Yields where nothing is a generator, a Raises entry for an exception
  the own body does not raise;
- Existence Ratio: code names mentioned that resolve / code names
  mentioned, with the name gate's own extraction and resolver
  (`model.names`: NOT an independent oracle), and a second resolver
  independent of it: a plain `ast` table of every identifier written
  anywhere in the repository, plus builtins, the standard library's
  module names and the attributes of builtin types;
- restating: the gate's `restates` on the summary;
- completeness (DocAgent-style, without "Examples everywhere"): a
  summary; Args when there are parameters; Returns when a value is
  returned (not for classes); Yields for generators; Raises when the own
  body raises.
"""

from __future__ import annotations

import ast
import builtins
import re
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import _common  # noqa: F401  (first: puts the code under benchmark on sys.path)
import docstring_parser
from docstring_parser import DocstringReturns

from docstring_hook.datatypes import DocstringDraft, FunctionFacts, ParamDoc, RaisesDoc, TargetKind
from docstring_hook.model import names

_TYPES = (object, str, bytes, list, dict, set, frozenset, tuple, int, float, complex, BaseException)


@dataclass(frozen=True)
class Judged:
    """One docstring's scores."""

    params_exact: bool
    false_sections: tuple[str, ...]
    mentioned: tuple[str, ...]
    unknown_gate: tuple[str, ...]
    unknown_ast: tuple[str, ...]
    restates: bool
    complete: bool
    missing_sections: tuple[str, ...]
    words: int


def _clean(name: str) -> str:
    return name.strip().lstrip("*").split(" ")[0]


def draft_of(parsed: docstring_parser.Docstring) -> DocstringDraft:
    """The parsed docstring as the structured draft the gate reads."""
    params = tuple(ParamDoc(_clean(p.arg_name), p.description or "", p.type_name) for p in parsed.params)
    returns = [m for m in parsed.meta if isinstance(m, DocstringReturns) and not m.is_generator]
    yields = [m for m in parsed.meta if isinstance(m, DocstringReturns) and m.is_generator]
    raises = tuple(RaisesDoc(r.type_name or "", r.description or "") for r in parsed.raises)
    return DocstringDraft(
        summary=parsed.short_description or "",
        description=parsed.long_description or "",
        params=params,
        returns=returns[0].description or "" if returns else None,
        returns_type=returns[0].type_name if returns else None,
        yields=yields[0].description or "" if yields else None,
        yields_type=yields[0].type_name if yields else None,
        raises=raises,
    )


_PEP257_HEADING = re.compile(r"(?i)(arguments|keyword arguments|returns|return value|yields|raises|exceptions):")
_PEP257_ENTRY = re.compile(r"(?P<name>\*{0,2}\w+) -- (?P<text>.*)")


def pep257_draft(text: str) -> DocstringDraft | None:
    """The docstring as a draft, read in PEP 257's layout; None when it has none of its headings.

    A heading line ("Arguments:", "Keyword arguments:", "Returns:", "Yields:",
    "Raises:") starts a block that runs to the next blank line; in the
    argument and exception blocks a line `name -- text` starts an entry and
    other lines continue it.
    """
    lines = text.strip().split("\n")
    blocks: dict[str, list[list[str]]] = {}
    prose: list[str] = []
    current: list[list[str]] | None = None
    for line in lines:
        heading = _PEP257_HEADING.fullmatch(line.strip())
        if heading:
            current = blocks.setdefault(heading.group(1).lower().split()[-1], [])
        elif not line.strip():
            prose += [] if current is not None else [""]
            current = None
        elif current is None:
            prose.append(line)
        elif (entry := _PEP257_ENTRY.fullmatch(line.strip())) or not current:
            current.append([entry.group("name"), entry.group("text")] if entry else ["", line.strip()])
        else:
            current[-1][-1] += " " + line.strip()
    if not blocks:
        return None
    summary, _, description = "\n".join(prose).strip().partition("\n\n")

    def result(name: str) -> str | None:
        return " ".join(t for _, t in blocks[name]) if name in blocks else None

    return DocstringDraft(
        summary=" ".join(summary.split()),
        description=description.strip(),
        params=tuple(ParamDoc(_clean(n), t) for n, t in blocks.get("arguments", [])),
        returns=result("returns") or result("value"),
        yields=result("yields"),
        raises=tuple(RaisesDoc(n, t) for n, t in blocks.get("raises", []) + blocks.get("exceptions", [])),
    )


def read(text: str) -> DocstringDraft:
    """The docstring as a draft: docstring_parser's reading, or PEP 257's layout where that finds no section."""
    parsed = docstring_parser.parse(text)
    draft = draft_of(parsed)
    if parsed.meta:
        return draft
    return pep257_draft(text) or draft


def judge(text: str, facts: FunctionFacts, repo_names: frozenset[str]) -> Judged:
    """Score one docstring (cleaned text) against the facts of the code it documents."""
    draft = read(text)
    documented = {p.name for p in draft.params}
    signature = {p.name for p in facts.params}
    is_class = facts.target.kind is TargetKind.CLASS
    has_returns = draft.returns is not None
    has_yields = draft.yields is not None
    false: list[str] = []
    if has_returns and (is_class or not facts.returns_value):
        false.append("Returns")
    if has_yields and not facts.is_generator:
        false.append("Yields")
    raised = {r.rsplit(".", 1)[-1] for r in facts.raises}
    false += [f"Raises {r.exception}" for r in draft.raises if r.exception.rsplit(".", 1)[-1] not in raised]
    missing = []
    if not draft.summary.strip():
        missing.append("summary")
    if signature and not draft.params:
        missing.append("Args")
    if facts.returns_value and not is_class and not has_returns:
        missing.append("Returns")
    if facts.is_generator and not has_yields:
        missing.append("Yields")
    if facts.raises and not draft.raises:
        missing.append("Raises")
    mentioned = tuple(names.code_names(" \n".join(names._texts(draft))))
    return Judged(
        params_exact=documented == signature,
        false_sections=tuple(false),
        mentioned=mentioned,
        unknown_gate=names.unknown_names(draft, facts),
        unknown_ast=tuple(n for n in mentioned if not _resolves_ast(n, facts, repo_names)),
        restates=names.restates(draft.summary, facts) if draft.summary else False,
        complete=not missing,
        missing_sections=tuple(missing),
        words=len(text.split()),
    )


def repository_identifiers(files: Iterable[Path]) -> frozenset[str]:
    """Every identifier written in the repository's code, and each file's module path parts: the `ast` table."""
    found: set[str] = set()
    for path in files:
        found.update(path.with_suffix("").parts)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, ast.arg) or isinstance(node, ast.keyword) and node.arg:
                found.add(node.arg)
            elif isinstance(node, ast.alias):
                found.update(node.name.split("."))
                if node.asname:
                    found.add(node.asname)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.update(node.module.split("."))
    return frozenset(found)


_STANDARD = frozenset(dir(builtins)) | frozenset(sys.stdlib_module_names) | frozenset(
    n for kind in _TYPES for n in dir(kind)
) | {"self", "cls", "True", "False", "None"}


def _resolves_ast(name: str, facts: FunctionFacts, table: frozenset[str]) -> bool:
    """Independent of the gate: every part of a dotted name is an identifier of the code (or a stdlib module's)."""
    parts = name.split(".")
    if parts[0] in sys.stdlib_module_names:
        return True  # `os.path.join`: the module's attributes are not in the table
    known = table | _STANDARD | {p.name for p in facts.params}
    return all(part in known or (part.endswith("s") and part[:-1] in known) for part in parts)


@dataclass(frozen=True)
class Row:
    """The table's line for one configuration."""

    label: str
    targets: int
    documented: int
    requests: int | None
    params_exact: float
    false_sections: int
    with_false: int
    existence_gate: float
    existence_ast: float
    mentioned: int
    restating: float
    complete: float
    median_words: float

    def cells(self) -> list[str]:
        per = f"{self.requests / self.documented:.2f}" if self.requests is not None and self.documented else "-"
        return [
            self.label, f"{self.documented}/{self.targets} = {self.documented / self.targets:.2f}", per,
            f"{self.params_exact:.2f}", f"{self.false_sections} (in {self.with_false})",
            f"{self.existence_gate:.3f}", f"{self.existence_ast:.3f}", str(self.mentioned),
            f"{self.restating:.2f}", f"{self.complete:.2f}", f"{self.median_words:g}",
        ]


HEADER = [
    "configuration", "share documented", "requests per documented", "parameter accuracy", "false sections",
    "Existence Ratio (gate)", "Existence Ratio (ast table)", "names mentioned", "restating", "completeness",
    "median words",
]


def row(label: str, targets: int, judged: Sequence[Judged], requests: int | None) -> Row:
    """Aggregate the docstrings written (or kept) for one configuration."""
    count = len(judged) or 1
    mentioned = sum(len(j.mentioned) for j in judged)
    return Row(
        label=label,
        targets=targets,
        documented=len(judged),
        requests=requests,
        params_exact=sum(j.params_exact for j in judged) / count,
        false_sections=sum(len(j.false_sections) for j in judged),
        with_false=sum(bool(j.false_sections) for j in judged),
        existence_gate=1 - sum(len(j.unknown_gate) for j in judged) / mentioned if mentioned else 1.0,
        existence_ast=1 - sum(len(j.unknown_ast) for j in judged) / mentioned if mentioned else 1.0,
        mentioned=mentioned,
        restating=sum(j.restates for j in judged) / count,
        complete=sum(j.complete for j in judged) / count,
        median_words=statistics.median(j.words for j in judged) if judged else 0,
    )


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" + "---:|" * (len(HEADER) - 1)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)

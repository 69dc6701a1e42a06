"""`--docs-md`: a CommonMark page of the documented public API of the files a run processed.

Docstrings are read with docstring_parser (any of the four styles), so
their sections become Markdown lists; their prose is escaped so that no
character of it can open a heading, a list, a link, emphasis or HTML.
Signatures, with their decorators, stand in code fences longer than any
run of backticks they hold.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from pathlib import PurePath

import docstring_parser

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
# CommonMark lets any ASCII punctuation be escaped; these are the ones that can mean something inline.
_INLINE = re.compile(r"([\\`*_\[\]<>#|~!&])")
# At a line's start, these open a block: a list item, a numbered item, a quote, a heading, a thematic break.
_BLOCK_START = re.compile(r"^(\s*)([-+=]|\d+[.)])(?=\s|$)")


def api_markdown(files: Sequence[tuple[str, str]], *, include_tests: bool = False) -> str:
    """One section per file (path, text), one entry per public documented definition.

    Test modules and `setup.py` are left out unless `include_tests`.
    """
    lines = ["# API", ""]
    for path, text in files:
        if not include_tests and _is_test_or_setup(path):
            continue
        try:
            module = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        entries = list(_entries(module.body, ""))
        summary = ast.get_docstring(module)
        if not entries and summary is None:
            continue
        lines += [f"## {_code(path)}", ""]
        if summary:
            lines += [*_docstring(summary), ""]
        for qualname, node, docstring in entries:
            lines += [f"### {_code(qualname)}", "", *_fenced(_signature(node)), "", *_docstring(docstring), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _is_test_or_setup(path: str) -> bool:
    name = PurePath(path).name
    return name == "setup.py" or name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def _entries(body: Sequence[ast.stmt], prefix: str) -> Iterator[tuple[str, _Definition, str]]:
    for node in body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or not _public(node.name):
            continue
        qualname = prefix + node.name
        docstring = ast.get_docstring(node)
        if docstring is not None:
            yield qualname, node, docstring
        if isinstance(node, ast.ClassDef):
            yield from _entries(node.body, qualname + ".")


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _signature(node: _Definition) -> str:
    decorators = [f"@{ast.unparse(d)}" for d in node.decorator_list]
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
        header = f"class {node.name}({bases})" if bases else f"class {node.name}"
    else:
        keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
        returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
        header = f"{keyword} {node.name}({ast.unparse(node.args)}){returns}"
    return "\n".join([*decorators, header])


def _docstring(text: str) -> list[str]:
    """The docstring as Markdown: its prose escaped, its sections as lists."""
    try:
        parsed = docstring_parser.parse(text)
    except Exception:  # noqa: BLE001 - the third-party parser fails in many ways on odd text
        return _prose(text)
    lines = _prose("\n\n".join(p for p in (parsed.short_description, parsed.long_description) if p))
    items = [_item(p.arg_name, p.type_name, p.description) for p in parsed.params]
    items += [
        _item("returns" if not r.is_generator else "yields", r.type_name, r.description) for r in parsed.many_returns
    ]
    items += [_item("raises", r.type_name, r.description) for r in parsed.raises]
    if not items:
        # docstring_parser has no reader for PEP 257's own `name -- text` layout.
        lines, items = _pep257(text)
    if items:
        lines += ["", *items] if lines else items
    return lines or _prose(text)


_PEP257_HEADING = re.compile(r"(?i)(arguments|keyword arguments|returns|yields|raises):")
_PEP257_ENTRY = re.compile(r"(\*{0,2}\w+) -- (.*)")


def _pep257(text: str) -> tuple[list[str], list[str]]:
    """The prose and the section items of a docstring in PEP 257's layout (as the pep257 style writes it)."""
    prose: list[str] = []
    items: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        heading, *rest = block.strip().splitlines() or [""]
        match = _PEP257_HEADING.fullmatch(heading.strip())
        if match is None or not rest:
            prose.append(block)
            continue
        kind = match.group(1).lower().split()[-1]
        entries: list[list[str]] = []
        for line in rest:
            entry = _PEP257_ENTRY.fullmatch(line.strip())
            if entry and kind in ("arguments", "raises"):
                entries.append([entry.group(1), entry.group(2)])
            elif entries:
                entries[-1][1] += " " + line.strip()
            else:
                entries.append(["", line.strip()])
        if kind == "arguments":
            items += [_item(name, None, said) for name, said in entries]
        elif kind == "raises":
            items += [_item("raises", name or None, said) for name, said in entries]
        else:
            items.append(_item(kind, None, " ".join(said for _, said in entries)))
    return _prose("\n\n".join(prose)), items


def _item(name: str, kind: str | None, description: str | None) -> str:
    typed = f" ({_code(kind)})" if kind else ""
    text = " ".join(_escaped(description or "").split())
    return f"- {_code(name)}{typed}: {text}".rstrip(": ").rstrip()


def _prose(text: str) -> list[str]:
    """Paragraphs of escaped text; indented or fenced blocks in the docstring become code fences."""
    lines: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if not block.strip():
            continue
        if lines:
            lines.append("")
        if all(line.startswith((" ", "\t")) for line in block.splitlines() if line.strip()) or ">>>" in block:
            lines += _fenced(block)
        else:
            lines += [_escaped(line.strip()) for line in block.splitlines()]
    return lines


def _escaped(line: str) -> str:
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), _INLINE.sub(r"\\\1", line))


def _code(text: str) -> str:
    """`text` as a code span, with enough backticks around it to hold any it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{ticks}{padded}{ticks}"


def _fenced(code: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    fence = "`" * (longest + 1)
    return [f"{fence}python", *code.splitlines(), fence]

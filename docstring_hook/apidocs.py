"""`--docs-md`: a Markdown page of the documented API of the files a run processed."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def api_markdown(files: Sequence[tuple[str, str]]) -> str:
    """One section per file (path, text), one entry per public documented definition."""
    lines = ["# API", ""]
    for path, text in files:
        try:
            module = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        entries = list(_entries(module.body, ""))
        summary = ast.get_docstring(module)
        if not entries and summary is None:
            continue
        lines += [f"## `{path}`", ""]
        if summary:
            lines += [summary, ""]
        for qualname, node, docstring in entries:
            lines += [f"### `{qualname}`", "", "```python", _signature(node), "```", "", docstring, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


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
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
        return f"class {node.name}({bases})" if bases else f"class {node.name}"
    keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"{keyword} {node.name}({ast.unparse(node.args)}){returns}"

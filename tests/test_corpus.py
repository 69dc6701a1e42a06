"""The rewriter over the standard library: every definition, hostile docstrings.

Each file of the installed standard library gets a docstring, from a
rotation of the nastiest texts a model could reply, for every definition
that lacks one. The result must pass the rewriter's own verification and,
checked again here without sharing its code, be the original plus docstrings.

By default a fixed sample of files runs; `--corpus-all` runs every file.
Each chunk writes its figures to `corpus-figures/` under pytest's temporary
folder and prints them (`-s` or `-rP` shows them).
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import inspect
import io
import itertools
import json
import re
import sysconfig
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import libcst
import pytest

from docstring_hook.config import Settings
from docstring_hook.datatypes import (
    DocstringDraft,
    FileProblem,
    FunctionFacts,
    ParamDoc,
    RaisesDoc,
    RenderOptions,
    Style,
)
from docstring_hook.lines import split_lines
from docstring_hook.repo.files import SourceFile
from docstring_hook.scan import ScannedFile, scan_file
from docstring_hook.source.document import Documented, document
from docstring_hook.source.facts import describe_file
from docstring_hook.source.find import find_targets
from docstring_hook.source.render import render

SAMPLE_SIZE = 510
CHUNK_SIZE = 20

# Every `ignore-*` policy off: every definition without a docstring is a target.
EVERYTHING = dataclasses.replace(
    Settings(skip_generated=False),
    **{f.name: False for f in dataclasses.fields(Settings) if f.name.startswith("ignore_") and f.type == "bool"},
)

NASTY_TEXTS = (
    'Has """ triple quotes """ and \'\'\' single ones \'\'\' inside.',
    '"""\nimport os; os.system("x")\n"""',
    "Backslashes \\ and \\n and \\\\ and a trailing backslash \\",
    "Looks like \\N{BULLET} and \\N{ and \\x41 and \\u0041 escapes.",
    "Controls \x00 \x01 \x07 \x08 \x0b \x0c \x1b \x7f \x85 end.",
    "Carriage\rreturn and\r\nCRLF and\n\rLFCR inside.",
    "Unicode: é ß 中文 \u200f RTL mark, \u202e override, \u2028 separator, \ufeff BOM.",
    "Emoji 🐍🎉 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 characters.",
    'Ends with a quote"',
    "Ends with a single quote'",
    '"Starts with a quote.',
    "Tabs\there\tand\t\tthere,\tand\ttrailing\t",
    "Word " + "x" * 300 + " then short.",
    "",
    "\n\n   Leading and trailing blank lines.   \n\n\n",
    "r'''raw''' and u'x' and f'{os.system(1)}' and b'\\xff'.",
    "# not a comment\n    def g(): pass\nreturn 1",
    '""""""',
    "\\",
    "    indented\n  code\n\tblock\n>>> 1 + 1\n2",
)
STYLES = tuple(Style)


@dataclass
class Figures:
    """What a chunk of the corpus did; figures of chunks add up."""

    files: int = 0
    parsed: int = 0
    skipped: int = 0
    targets: int = 0
    inserted: int = 0
    refused: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    skips: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def stdlib_files() -> list[Path]:
    """The standard library's own `.py` files, sorted, without site-packages."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.relative_to(root).parts)


def sample(files: list[Path], size: int) -> list[Path]:
    """`size` files evenly spread over the sorted list: the same ones every run."""
    if len(files) <= size:
        return files
    return [files[index * len(files) // size] for index in range(size)]


def corpus_chunks(config: pytest.Config, sample_size: int, chunk_size: int) -> tuple[list[list[Path]], list[str]]:
    """The standard library's files (a sample unless --corpus-all) in chunks, with test ids."""
    files = stdlib_files()
    if not config.getoption("corpus_all"):
        files = sample(files, sample_size)
    count = max(1, -(-len(files) // chunk_size))
    # Round robin, so the few huge files spread over the chunks.
    chunks = [files[index::count] for index in range(count)]
    return chunks, [f"chunk{index:03}of{count}" for index in range(count)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "chunk" in metafunc.fixturenames:
        chunks, ids = corpus_chunks(metafunc.config, SAMPLE_SIZE, CHUNK_SIZE)
        metafunc.parametrize("chunk", chunks, ids=ids)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # the library's own escapes
def test_stdlib_chunk(chunk: list[Path], request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    figures = Figures()
    for index, path in enumerate(chunk):
        check_file(path, index, figures)
    record(figures, request.node.callspec.id, tmp_path_factory)
    assert not figures.failures, f"{len(figures.failures)} failure(s):\n" + "\n".join(figures.failures)
    assert figures.parsed > 0
    assert figures.inserted > 0


# A small file for checking the checks: every way a rewrite could go wrong is caught.
CHECKED = 'class C:  # note\n    def f(self, x):\n        return x\n\n\ndef g(): return 2\n\n\ndef h():\n    """Mine."""\n'


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        pytest.param("# note", "# nope", "line 1 is missing", id="a comment changed"),
        pytest.param("return x", "return -x", "the code changed", id="code changed"),
        pytest.param("return 2", "return 2;", "token", id="a token added to a split suite"),
        pytest.param("\n\n\ndef g", "\n\ndef g", "missing or out of order", id="a blank line lost"),
        pytest.param("\n\n\ndef h", "\n\n\n\ndef h", "added beyond the docstrings", id="a blank line added"),
        pytest.param("return x\n", "return x\n\n", "added beyond the docstrings", id="a blank line after a method"),
        pytest.param('"""Do it."""\n', '"""Do it."""\n  \n', "added beyond the docstrings", id="spaces in a wanted blank line"),
        pytest.param('"""Mine."""', '"""Yours."""', "not ours changed", id="another docstring changed"),
        pytest.param('g():\n    """Do it."""', 'g():\n    """Do that."""', "g: the docstring is not", id="another text"),
        pytest.param('g():\n    """Do it."""\n    return 2', "g(): return 2", "g: no docstring", id="no docstring"),
    ],
)
def test_the_checks_catch(before: str, after: str, message: str) -> None:
    facts = facts_of(CHECKED)
    drafts = dict.fromkeys(facts, DocstringDraft("Do it."))
    source = SourceFile("m.py", CHECKED.encode(), CHECKED, "utf-8")
    documented = document(CHECKED, facts, drafts, RenderOptions())
    assert invariant_problems(source, facts, drafts, RenderOptions(), documented) == []
    broken = dataclasses.replace(documented, text=documented.text.replace(before, after, 1))
    assert broken.text != documented.text
    assert any(message in problem for problem in invariant_problems(source, facts, drafts, RenderOptions(), broken))


def facts_of(text: str) -> dict[int, FunctionFacts]:
    """The facts of every definition of `text` that lacks a docstring."""
    tree, lines = ast.parse(text), split_lines(text)
    return describe_file(tree, lines, find_targets(tree, lines, "m.py", EVERYTHING).targets).facts


def check_file(path: Path, index: int, figures: Figures) -> None:
    figures.files += 1
    scanned = scan_file(str(path), EVERYTHING)
    if not isinstance(scanned, ScannedFile):
        figures.skipped += 1
        figures.skips[skip_reason(scanned)] += 1
        return
    figures.parsed += 1
    figures.targets += len(scanned.targets)
    if not scanned.targets:
        return
    facts = describe_file(scanned.tree, scanned.lines, scanned.targets).facts
    drafts = {target.line: nasty_draft(facts[target.line], index + n) for n, target in enumerate(scanned.targets)}
    options = RenderOptions(
        style=STYLES[index % len(STYLES)],
        line_length=(88, 40, 1)[index % 3],
        include_types=index % 2 == 0,
        encoding=scanned.source.encoding,
    )
    try:
        documented = document(scanned.source.text, facts, drafts, options)
    except (libcst.ParserSyntaxError, RecursionError) as error:
        # LibCST lags behind `ast` or recurses too deep: the pipeline refuses such files as a whole.
        figures.refused += len(scanned.targets)
        figures.refusals[f"LibCST cannot parse: {type(error).__name__}"] += len(scanned.targets)
        return
    except Exception as error:  # noqa: BLE001 - every failure is reported, not only the first
        figures.failures.append(f"{path}: {type(error).__name__}: {error}")
        return
    figures.inserted += len(documented.inserted)
    figures.refused += len(documented.refused)
    figures.refusals.update(documented.refused.values())
    problems = invariant_problems(scanned.source, facts, drafts, options, documented)
    figures.failures.extend(f"{path}: {problem}" for problem in problems)


def skip_reason(scanned: FileProblem | None) -> str:
    if scanned is None:
        return "skip-file pragma"
    return re.sub(r"\(line \d+\)|'.*'|\d+", "…", scanned.reason)


def nasty_draft(facts: FunctionFacts, seed: int) -> DocstringDraft:
    """A draft full of hostile text; `seed` picks where the rotation starts."""

    def text(offset: int) -> str:
        return NASTY_TEXTS[(seed + offset) % len(NASTY_TEXTS)]

    summary = text(0).strip() or "Summary."
    return DocstringDraft(
        summary=summary,
        description=text(1),
        params=tuple(ParamDoc(param.display_name, text(2 + n), text(3 + n)) for n, param in enumerate(facts.params)),
        returns=text(4),
        returns_type=text(5),
        yields=text(6) if facts.is_generator else None,
        raises=(RaisesDoc(text(7), text(8)),),
    )


def invariant_problems(
    source: SourceFile,
    facts: dict[int, FunctionFacts],
    drafts: dict[int, DocstringDraft],
    options: RenderOptions,
    documented: Documented,
) -> list[str]:
    """Everything wrong with the new text, checked without the verifier's code."""
    old, new = source.text, documented.text
    if sorted([*documented.inserted, *documented.refused]) != sorted(drafts):
        return ["inserted and refused do not account for every target"]
    try:
        old_tree, new_tree = ast.parse(old), ast.parse(new)
        if source.encode(new).decode(source.encoding) != new:
            return [f"the new text does not round-trip through {source.encoding}"]
        pairs = list(zip(definitions(old_tree), definitions(new_tree), strict=True))
    except (SyntaxError, ValueError) as error:
        return [f"the new text does not parse, encode or define the same: {error}"]
    ours = [(old_def, new_def) for old_def, new_def in pairs if old_def.lineno in documented.inserted]
    problems = [
        *foreign_docstring_problems(pairs, documented.inserted),
        *promise_problems(ours, new, facts, drafts, options),
        *line_problems(old, new, ours, new_tree),
        *token_problems(old, new, ours),
    ]
    # Last: stripping the docstrings changes the trees.
    if ast.dump(without_docstrings(old_tree, [old_def for old_def, _ in pairs])) != ast.dump(
        without_docstrings(new_tree, [new_def for _, new_def in pairs])
    ):
        problems.append("the code changed, not only docstrings")
    return problems


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def definitions(tree: ast.AST) -> list[Definition]:
    """Every definition, in an order both trees share when only docstrings differ."""
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def docstring_of(node: ast.Module | Definition) -> ast.Expr | None:
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first
    return None


def without_docstrings(tree: ast.Module, defined: list[Definition]) -> ast.Module:
    """Every docstring of the module and its `defined` definitions, blank or not, removed.

    An emptied body gets `...`, so that it still dumps the same way on both sides.
    """
    for node in [tree, *defined]:
        if docstring_of(node) is not None:
            node.body.pop(0)
            node.body = node.body or [ast.Expr(ast.Constant(...))]
    return tree


def foreign_docstring_problems(pairs: list[tuple[Definition, Definition]], inserted: tuple[int, ...]) -> list[str]:
    """Definitions we did not document keep the docstring they had, or none."""
    return [
        f"line {old_def.lineno}: a docstring that was not ours changed"
        for old_def, new_def in pairs
        if old_def.lineno not in inserted and ast.get_docstring(old_def, clean=False) != ast.get_docstring(new_def, clean=False)
    ]


def promise_problems(
    ours: list[tuple[Definition, Definition]],
    new: str,
    facts: dict[int, FunctionFacts],
    drafts: dict[int, DocstringDraft],
    options: RenderOptions,
) -> list[str]:
    """Each documented definition has the docstring the renderer gives for its place."""
    problems = []
    lines = tokenizer_lines(new)
    for old_def, new_def in ours:
        qualname = facts[old_def.lineno].target.qualname
        docstring = docstring_of(new_def)
        if docstring is None:
            problems.append(f"{qualname}: no docstring was inserted")
            continue
        line = lines[docstring.lineno - 1]
        newline = line[len(line.rstrip("\r\n")) :] or "\n"
        placed = dataclasses.replace(options, indent=line[: docstring.col_offset], newline=newline)
        promised = render(drafts[old_def.lineno], facts[old_def.lineno], placed).value
        if inspect.cleandoc(ast.get_docstring(new_def, clean=False) or "") != promised:
            problems.append(f"{qualname}: the docstring is not the rendered one")
    return problems


def line_problems(old: str, new: str, ours: list[tuple[Definition, Definition]], new_tree: ast.Module) -> list[str]:
    """Every old line is in the new text, in order, and every other new line is ours.

    Exempt: a one-line suite, split at its colon, and a blank docstring, replaced.
    Ours: the docstrings, both halves of each split suite, and the blank lines
    formatters want (`formatter_blank_lines`), each nothing but a newline.
    """
    old_lines, new_lines = tokenizer_lines(old), tokenizer_lines(new)
    split_defs = [(old_def, new_def) for old_def, new_def in ours if shares_line(old_def, old)]
    split = {old_def.body[0].lineno for old_def, _ in split_defs}
    replaced = {number for old_def, _ in ours if (blank := docstring_of(old_def)) for number in lines_of(blank)}
    inserted = {number for _, new_def in ours if (docstring := docstring_of(new_def)) for number in lines_of(docstring)}
    heads: set[int] = set()  # the header's last line of each split suite, now ending at its colon
    for _, new_def in split_defs:
        if (docstring := docstring_of(new_def)) is not None and len(new_def.body) > 1:
            heads.add(docstring.lineno - 1)
            inserted.add(new_def.body[1].lineno)  # the rest of the split line, moved below; its continuations are old lines
    following = next_statements(new_tree)
    module_level = {id(statement) for statement in new_tree.body}
    blanks = set().union(*(formatter_blank_lines(n, (o, n) in split_defs, following, module_level) for o, n in ours))
    old_kept = [(number, line) for number, line in enumerate(old_lines, 1) if number not in replaced]
    # Every way of reading each wanted blank line as ours or as an old line, at once: the index into
    # `old_kept` reached so far, and whose the current run of blank lines is. We add blank lines only
    # where there were none, so a run is all ours or all old.
    reached: set[tuple[int, str]] = {(0, "")}
    previous = 0
    for new_number, new_line in ((n, line) for n, line in enumerate(new_lines, 1) if n not in inserted):
        if new_number != previous + 1:  # lines of ours between: a new run
            reached = {(i, "") for i, _ in reached}
        previous = new_number
        blank = not new_line.strip("\r\n")
        new = (new_number, new_line)
        next_reached = {(i, "ours") for i, run in reached if blank and new_number in blanks and run != "old"}
        next_reached |= {
            (i + 1, "old" if blank else "")
            for i, run in reached
            if i < len(old_kept) and not (blank and run == "ours") and same_line(old_kept[i], new, split, heads)
        }
        if not next_reached:
            if not new_line.strip():
                return [f"line {new_number} was added beyond the docstrings: {new_line!r}"]
            number, line = old_kept[min(min(i for i, _ in reached), len(old_kept) - 1)]
            return [f"line {number} is missing or out of order: {line!r}"]
        reached = next_reached
    if len(old_kept) not in {i for i, _ in reached}:
        number, line = old_kept[max(i for i, _ in reached)]
        return [f"line {number} is missing or out of order: {line!r}"]
    return []


def same_line(old: tuple[int, str], new: tuple[int, str], split: set[int], heads: set[int]) -> bool:
    """An old line kept as it was, or a split suite's line and the header half it became."""
    (old_number, old_line), (new_number, new_line) = old, new
    if old_number in split:
        return new_number in heads and old_line.startswith(new_line.rstrip("\r\n"))
    return new_line == old_line


def formatter_blank_lines(
    new_def: Definition, split: bool, following: dict[int, ast.stmt], module_level: set[int]
) -> set[int]:
    """Where black and ruff format may want a blank line added around one docstring we inserted.

    Right after a class docstring, or a function docstring that a definition follows; right after a
    definition whose one-line suite was split, two (module level) or one when a definition follows.
    """
    allowed: set[int] = set()
    docstring = docstring_of(new_def)
    if docstring is None:
        return allowed
    after_docstring = new_def.body[1] if len(new_def.body) > 1 else None
    if isinstance(new_def, ast.ClassDef) or isinstance(after_docstring, DEFINITIONS):
        allowed.add((docstring.end_lineno or docstring.lineno) + 1)
    if split and isinstance(following.get(id(new_def)), DEFINITIONS):
        end = new_def.end_lineno or new_def.lineno
        allowed |= set(range(end + 1, end + 1 + (2 if id(new_def) in module_level else 1)))
    return allowed


def next_statements(tree: ast.AST) -> dict[int, ast.stmt]:
    """The statement that follows each statement in its block, by the id of the first."""
    following: dict[int, ast.stmt] = {}
    for node in ast.walk(tree):
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                following.update((id(a), b) for a, b in itertools.pairwise(value) if isinstance(b, ast.stmt))
    return following


def lines_of(node: ast.stmt) -> range:
    return range(node.lineno, (node.end_lineno or node.lineno) + 1)


def shares_line(definition: Definition, text: str) -> bool:
    """Whether the first statement of the body stands on the header's line."""
    first = definition.body[0]
    line = tokenizer_lines(text)[first.lineno - 1].encode()
    return bool(line[: first.col_offset].strip())


def tokenizer_lines(text: str) -> list[str]:
    """Lines as the tokenizer ends them: CR, LF or CRLF, not str.splitlines' many more."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


LAYOUT = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}


def token_problems(old: str, new: str, ours: list[tuple[Definition, Definition]]) -> list[str]:
    """The tokens, comments included, are the old ones plus one string per docstring."""
    old_docstrings = [node for old_def, _ in ours if (node := docstring_of(old_def)) is not None]
    new_docstrings = [node for _, new_def in ours if (node := docstring_of(new_def)) is not None]
    try:
        old_tokens = significant_tokens(old, old_docstrings)
    except (tokenize.TokenError, SyntaxError):
        return []  # The tokenize module is stricter than the compiler on a few files.
    new_tokens = significant_tokens(new, new_docstrings)
    if old_tokens != new_tokens:
        first = next(n for n, (a, b) in enumerate(zip([*old_tokens, None], [*new_tokens, None])) if a != b)
        return [f"token {first} differs: {old_tokens[first : first + 1]} -> {new_tokens[first : first + 1]}"]
    return []


def significant_tokens(text: str, docstrings: list[ast.Expr]) -> list[tuple[int, str]]:
    """Tokens but layout ones, and but those of the `docstrings`."""
    lines = tokenizer_lines(text)
    starts = sorted(start_of(node, lines) for node in docstrings)
    ends = sorted(end_of(node, lines) for node in docstrings)
    kept = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        span = bisect.bisect_right(starts, token.start) - 1
        if token.type not in LAYOUT and not (span >= 0 and token.start < ends[span]):
            kept.append((token.type, token.string))
    return kept


def start_of(node: ast.Expr, lines: list[str]) -> tuple[int, int]:
    """`ast` counts columns in UTF-8 bytes, `tokenize` in characters."""
    return node.lineno, len(lines[node.lineno - 1].encode()[: node.col_offset].decode())


def end_of(node: ast.Expr, lines: list[str]) -> tuple[int, int]:
    end_line = node.end_lineno or node.lineno
    return end_line, len(lines[end_line - 1].encode()[: node.end_col_offset].decode())


def record(figures: Figures, name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.getbasetemp() / "corpus-figures"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(vars(figures), indent=1, ensure_ascii=False))
    counts = {name: value for name, value in vars(figures).items() if isinstance(value, int)}
    print(f"corpus figures: {counts}; refusals: {dict(figures.refusals)}; failures: {len(figures.failures)}")

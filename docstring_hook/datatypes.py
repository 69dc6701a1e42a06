"""Typed values that flow between the stages of a run."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Style(str, enum.Enum):
    """A docstring convention; AUTO is resolved to one of the others before anything is rendered."""

    AUTO = "auto"
    GOOGLE = "google"
    NUMPY = "numpy"
    SPHINX = "sphinx"
    PEP257 = "pep257"

    @property
    def concrete(self) -> Style:
        """The style to write: AUTO not yet resolved falls back to google."""
        return Style.GOOGLE if self is Style.AUTO else self


class TargetKind(str, enum.Enum):
    """What kind of definition a target is."""

    FUNCTION = "function"
    METHOD = "method"
    CLASS = "class"


class ParamKind(str, enum.Enum):
    """How a parameter is passed, as in `inspect.Parameter.kind`."""

    POSITIONAL_ONLY = "positional-only"
    POSITIONAL_OR_KEYWORD = "positional-or-keyword"
    VAR_POSITIONAL = "var-positional"
    KEYWORD_ONLY = "keyword-only"
    VAR_KEYWORD = "var-keyword"


@dataclass(frozen=True)
class Param:
    """One parameter of a signature (`self`/`cls` are never listed)."""

    name: str
    kind: ParamKind = ParamKind.POSITIONAL_OR_KEYWORD
    annotation: str | None = None
    default: str | None = None

    @property
    def display_name(self) -> str:
        """The name as docstrings write it: `*args`, `**kwargs`, `x`."""
        if self.kind is ParamKind.VAR_POSITIONAL:
            return f"*{self.name}"
        if self.kind is ParamKind.VAR_KEYWORD:
            return f"**{self.name}"
        return self.name


@dataclass(frozen=True)
class Target:
    """A definition that lacks a docstring and was selected for one.

    `line` is the line of the `def`/`class` keyword (`async` for async
    functions), 1-based, as `ast` and LibCST report it: it identifies the
    definition within its file.
    """

    path: str
    qualname: str
    line: int
    kind: TargetKind


@dataclass(frozen=True)
class ContextItem:
    """A definition from the repository shown next to a target: a callee, or the target's class.

    `code` is Python text (a signature, a class skeleton), `summary` the
    first paragraph of its docstring; both masked like the target's source.
    `origin` says which definition a callee is, for ordering a run (never
    sent): its module's dotted name ("" for the target's own file) and the
    line of its `def`/`class`, as `Target.line`.
    """

    kind: str  # "callee", "class" or "caller"
    name: str  # as the prompt names it: `helper`, `Base.load`, `pkg.mod.helper`; a caller's `path:line`
    code: str
    summary: str | None = None
    origin: tuple[str, int] | None = None


@dataclass(frozen=True)
class FunctionFacts:
    """What the code says about a target: the input to prompting and validation."""

    target: Target
    source: str
    params: tuple[Param, ...] = ()
    returns: str | None = None
    returns_value: bool = False
    is_async: bool = False
    is_generator: bool = False
    decorators: tuple[str, ...] = ()
    raises: tuple[str, ...] = ()
    complexity: int = 1
    class_name: str | None = None
    class_summary: str | None = None
    module_summary: str | None = None
    # What the own `return` statements give, in `source.returns`' vocabulary ("list", "self", "name: x", ...).
    return_kinds: tuple[str, ...] = ()
    body_column: int = 4  # the column the docstring will start at (tabs count 4)
    # What a reviewer would open next to it, in priority order: callees, then the class skeleton.
    context: tuple[ContextItem, ...] = ()
    # The code names a docstring may mention beyond the own source: the module's and the repository's
    # (`source.names`); None when no index was built, and then names are not checked.
    known_names: frozenset[str] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ParamDoc:
    """The documentation of one parameter, as the model wrote it."""

    name: str
    description: str
    type: str | None = None


@dataclass(frozen=True)
class RaisesDoc:
    """One exception a function raises and when."""

    exception: str
    description: str


@dataclass(frozen=True)
class DocstringDraft:
    """Structured docstring content, independent of any style or layout."""

    summary: str
    description: str = ""
    params: tuple[ParamDoc, ...] = ()
    returns: str | None = None
    returns_type: str | None = None
    yields: str | None = None
    yields_type: str | None = None
    raises: tuple[RaisesDoc, ...] = ()


@dataclass(frozen=True)
class RenderOptions:
    """How a docstring literal is laid out in one particular place of a file.

    `indent` is the absolute indentation of the definition's body (the
    docstring's own lines), `newline` the file's newline sequence, and
    `encoding` the file's encoding: characters it cannot hold are replaced.
    """

    style: Style = Style.GOOGLE
    indent: str = "    "
    newline: str = "\n"
    line_length: int = 88
    include_types: bool = False
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Rendered:
    """A docstring ready to insert: `literal` is Python source for a string
    whose value, once `inspect.cleandoc` is applied, equals `value` (already clean).
    """

    literal: str
    value: str


class Status(str, enum.Enum):
    """How a target ended."""

    DOCUMENTED = "documented"
    CACHED = "cached"
    SKIPPED = "skipped"
    FAILED = "failed"


class Reason(str, enum.Enum):
    """Why a target was skipped or failed; the values appear in reports."""

    OVER_BUDGET = "over-budget"
    RUN_BUDGET = "run-budget"
    INVALID_REPLY = "invalid-reply"
    UNKNOWN_NAME = "unknown-name"
    CONTENT_FILTER = "content-filter"
    RATE_LIMITED = "rate-limited"
    API_ERROR = "api-error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    REFUSED = "refused-by-rewriter"
    VERIFICATION = "verification-failed"
    WRITE_FAILED = "write-failed"
    INTERRUPTED = "interrupted"
    NEVER_SEND = "never-send"
    TOO_LARGE = "file-too-large"
    LINKED = "linked-file"
    READ_ONLY = "read-only"
    CHANGED = "changed-during-run"


NOT_STARTED = "not started: the run was interrupted before its request"
"""The detail of a target the run never sent because it was interrupted."""


@dataclass(frozen=True)
class Outcome:
    """The fate of one target."""

    target: Target
    status: Status
    reason: Reason | None = None
    detail: str = ""
    unknown_names: tuple[str, ...] = ()  # code names the last draft mentioned that exist nowhere
    restates: bool = False  # the summary only repeats the names, even after a repair


@dataclass(frozen=True)
class FileProblem:
    """A file that was left alone as a whole, and why."""

    path: str
    reason: str


@dataclass
class Usage:
    """What the run spent: the one record the budget, the progress line and the reports read."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    duration_seconds: float = 0.0  # wall time of the generating part of the run

    def add_tokens(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Record what one answered request used."""
        self.prompt_tokens += max(prompt_tokens, 0)
        self.completion_tokens += max(completion_tokens, 0)


@dataclass(frozen=True)
class FileChange:
    """A file that got docstrings: written, or shown as a diff."""

    path: str
    docstrings: int
    diff: bytes = b""  # with --diff: a unified diff in the file's own bytes (encoding, BOM, newlines)


@dataclass
class RunResult:
    """Everything a run did, for the report."""

    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    changes: list[FileChange] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    redactions: dict[tuple[str, int], int] = field(default_factory=dict)  # (path, line): values masked
    style: str = ""  # with style = "auto": the style chosen, and why

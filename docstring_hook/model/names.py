"""Two judgements of a draft's words: code names that exist nowhere, and a summary that only restates names.

Pure. Only tokens that look like code are checked, never English words:
anything in backticks, dotted names (`os.path`, `self.cache`), CamelCase
with an inner capital (`DraftCache`, not `Return`) and snake_case with an
underscore (`max_tokens`). A name resolves when it is written in the
function's own source (its parameters included), is a symbol of the
repository or a name of its module (`FunctionFacts.known_names`), a
builtin, or a standard-library module or common export.
"""

from __future__ import annotations

import builtins
import re
import sys
from collections.abc import Iterable

from docstring_hook.datatypes import DocstringDraft, FunctionFacts

# Standard-library modules whose exports docstrings commonly name bare (`OrderedDict`, `Path`).
_COMMON_MODULES = (
    "typing", "collections", "collections.abc", "pathlib", "os", "os.path", "re", "io", "enum", "dataclasses",
    "functools", "itertools", "asyncio", "subprocess", "json", "datetime", "logging", "abc", "types", "contextlib",
    "sys",
)  # fmt: skip
# The types whose methods prose names as `x.append`, `name.startswith`, `data.items`.
_BUILTIN_TYPES = (object, str, bytes, bytearray, list, dict, set, frozenset, tuple, int, float, complex, BaseException)


def _words(text: str) -> frozenset[str]:
    return frozenset(re.split(r"\s+", text.strip()))


def _standard_names() -> frozenset[str]:
    names = set(dir(builtins)) | set(sys.stdlib_module_names) | set(sys.builtin_module_names)
    for kind in _BUILTIN_TYPES:
        names.update(dir(kind))
    for module_name in _COMMON_MODULES:
        module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
        names.update(n for n in dir(module) if not n.startswith("_"))
    names.update({"self", "cls", "True", "False", "None", "__init__", "__main__", "__name__", "__file__"})
    return frozenset(names)


STANDARD_NAMES = _standard_names()

_URL = re.compile(r"\b\w+://\S+|\bwww\.\S+|\S+@\S+\.\w+")
_BACKTICKED = re.compile(r"`+([^`]+)`+")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_END = r"(?!\w|\.\w)"  # a sentence's full stop may follow a name
_DOTTED = re.compile(rf"(?<![\w.]){_IDENTIFIER}(?:\.{_IDENTIFIER})+{_END}")
_CAMEL = re.compile(rf"(?<![\w.])[A-Za-z][a-z0-9]+[A-Z][A-Za-z0-9_]*{_END}")
_SNAKE = re.compile(rf"(?<![\w.])(?:_*[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+_*|_+[A-Za-z][A-Za-z0-9_]*){_END}")
# A backticked span that is code rather than quoted prose: no spaces but inside brackets.
_CODE_SPAN = re.compile(r"[^\s(\[{]+(?:[(\[{].*[)\]}])?[^\s]*")
_IDENT_IN_CODE = re.compile(rf"(?<![\w.]){_IDENTIFIER}(?:\.{_IDENTIFIER})*")
# File names, abbreviations and versions look dotted but are not code.
_NOT_DOTTED_ENDINGS = _words(
    "py pyi pyc txt md rst toml cfg ini json yaml yml csv html xml log lock gz zip tar whl so dll exe sh bat"
)
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "cf", "a.k.a", "et.al", "n.b"})
# Proper nouns written with an inner capital: names of things, not of code.
_PROPER_NOUNS = _words(
    """NaN NaNs macOS iOS iPadOS watchOS tvOS iPhone iPad JavaScript TypeScript CoffeeScript OpenSSL LibreSSL GitHub
    GitLab BitBucket PyPI PyPy CPython IronPython MicroPython OpenAI PostgreSQL MySQL MariaDB SQLite MongoDB NumPy
    SciPy PyTorch TensorFlow YouTube PowerShell WebSocket WebSockets OAuth DevOps LaTeX BibTeX MacOS FreeBSD OpenBSD
    NetBSD DragonFly McAfee JetBrains PyCharm VSCode IPv4 IPv6 WiFi BitTorrent OpenID ReadTheDocs"""
)


def code_names(text: str) -> list[str]:
    """The tokens of `text` that look like code names, in order, each once."""
    text = _URL.sub(" ", text)
    found: list[str] = []
    prose = text
    for match in _BACKTICKED.finditer(text):
        inner = match.group(1).strip()
        if "\n" in inner or not _CODE_SPAN.fullmatch(inner):
            continue  # quoted prose (or an old-style `quote'): its words are looked at as prose
        prose = prose.replace(match.group(0), " ", 1)
        found.extend(m.group(0) for m in _IDENT_IN_CODE.finditer(_QUOTED.sub(" ", inner)))
    for pattern in (_DOTTED, _CAMEL, _SNAKE):
        found.extend(m.group(0) for m in pattern.finditer(prose))
    names = [name for name in dict.fromkeys(found) if _is_code(name)]
    return names


def unknown_names(draft: DocstringDraft, facts: FunctionFacts) -> tuple[str, ...]:
    """The code names `draft` mentions that resolve nowhere; empty when `facts` carry no names index."""
    if facts.known_names is None:
        return ()
    own = set(re.findall(_IDENTIFIER, facts.source)) | {p.name for p in facts.params}
    if facts.class_name:
        own.add(facts.class_name)
    known = own | facts.known_names
    return tuple(name for name in code_names(" \n".join(_texts(draft))) if not _resolves(name, known))


def unknown_name_problems(names: Iterable[str]) -> list[str]:
    """The repair request's lines for names that exist nowhere."""
    return [
        f"`{name}` is not defined in the function, its module or the repository: name only what exists"
        for name in names
    ]


_STOPWORDS = _words(
    """a an the of for to from with and or in on by at as into onto this that these those it its it's is are be
    been being was were if when whether given specified provided new one all any each every some no not
    return returns get gets set sets make makes create creates compute computes calculate calculates build
    builds do does handle handles process processes perform performs function method class object value values
    instance data item items helper given based using use uses"""
)
RESTATES_SHARE = 0.8
RESTATES_PROBLEM = (
    "the summary only repeats the function's and its parameters' names: say what the function is for "
    "(its purpose, effect or result), not its name"
)


def restates(summary: str, facts: FunctionFacts) -> bool:
    """Whether 80% or more of the summary's content words come from the function's and its parameters' names."""
    names = [facts.target.qualname.rsplit(".", 1)[-1], *(p.name for p in facts.params)]
    name_words = {_stem(w) for name in names for w in _name_words(name)}
    content = [_stem(w) for w in re.findall(r"[a-z0-9]+", summary.lower()) if w not in _STOPWORDS]
    if not content:
        return False
    taken = sum(word in name_words for word in content)
    return taken / len(content) >= RESTATES_SHARE


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[_\s]+", spaced) if w]


def _stem(word: str) -> str:
    for ending in ("ies", "es", "s"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


def _is_code(name: str) -> bool:
    if name in _PROPER_NOUNS:
        return False
    if "." in name:
        lowered = name.lower()
        last = lowered.rsplit(".", 1)[-1]
        return lowered not in _ABBREVIATIONS and last not in _NOT_DOTTED_ENDINGS and not name.split(".")[0].isdigit()
    return True


def _resolves(name: str, known: frozenset[str] | set[str]) -> bool:
    if name in known or name in STANDARD_NAMES:
        return True
    if name.endswith("s") and _resolves(name[:-1], known):
        return True  # a plural: `LogRecords`, `Targets`
    parts = name.split(".")
    if len(parts) == 1:
        return False
    first, last = parts[0], parts[-1]
    if first in sys.stdlib_module_names or len(first) == 1:
        # A standard-library module's attributes are not listed; `D.get`, `x.y` are placeholders of prose.
        return True
    # What a hallucination invents is the attribute; the receiver is often a word of prose (`file.tell`).
    return last in known or last in STANDARD_NAMES


def _texts(draft: DocstringDraft) -> list[str]:
    texts = [draft.summary, draft.description, draft.returns or "", draft.yields or ""]
    texts += [f"`{t}`" for t in (draft.returns_type, draft.yields_type) if t]
    for param in draft.params:
        texts.append(param.description)
        texts += [f"`{param.type}`"] if param.type else []
    for raised in draft.raises:
        texts += [f"`{raised.exception}`", raised.description]
    return texts

"""The two tiktoken encodings shipped with the package, loaded offline and verified.

tiktoken downloads its encoding files on first use, which fails on sandboxed
CI runners and behind corporate proxies. The package ships gzip copies of
`o200k_base` and `cl100k_base` (see `docstring_hook/data/NOTICE.md` for
their origin); each is checked against the SHA-256 that tiktoken publishes
for it before use and turned into a `tiktoken.Encoding` with the published
split pattern and special tokens, so counts are tiktoken's own.

tiktoken is imported only when an encoding is loaded: a commit with nothing
to document never pays for it.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from docstring_hook.errors import DocstringHookError

if TYPE_CHECKING:
    import tiktoken

_ENDOFTEXT = "<|endoftext|>"
_ENDOFPROMPT = "<|endofprompt|>"

_O200K_PIECES = (
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
)
_O200K_PATTERN = "|".join(_O200K_PIECES)

_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)


@dataclass(frozen=True)
class ShippedEncoding:
    """One encoding file of the package and the values tiktoken publishes for it.

    `sha256` is the digest of the uncompressed file, `pat_str` and
    `special_tokens` the constructor arguments, all as in tiktoken's
    `tiktoken_ext/openai_public.py`.
    """

    name: str
    file: str
    sha256: str
    pat_str: str
    special_tokens: Mapping[str, int]


SHIPPED: Mapping[str, ShippedEncoding] = {
    "o200k_base": ShippedEncoding(
        "o200k_base",
        "o200k_base.tiktoken.gz",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
    "cl100k_base": ShippedEncoding(
        "cl100k_base",
        "cl100k_base.tiktoken.gz",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PATTERN,
        {
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            _ENDOFPROMPT: 100276,
        },
    ),
}
"""The encodings of the supported models: gpt-4o, gpt-4.1 and o-series; gpt-4 and gpt-3.5."""


class EncodingFileError(DocstringHookError):
    """A shipped encoding file is missing or not the published one: the installation is broken."""


def is_shipped(name: str) -> bool:
    """Whether the package carries the encoding `name`."""
    return name in SHIPPED


_LOADED: dict[str, tiktoken.Encoding] = {}


def is_loaded(name: str) -> bool:
    """Whether this process holds the shipped encoding `name` already."""
    return name in _LOADED


def load_encoding(name: str) -> tiktoken.Encoding:
    """The shipped encoding `name`, verified; loaded once per process.

    Raises KeyError for an encoding the package does not ship, and
    EncodingFileError when its file is missing or its digest is not the
    published one: counting with a wrong vocabulary would misstate the bill.
    """
    encoding = _LOADED.get(name)
    if encoding is None:
        encoding = _LOADED[name] = _load(SHIPPED[name])
    return encoding


def _load(shipped: ShippedEncoding) -> tiktoken.Encoding:
    import tiktoken

    data = verified(shipped, read_compressed(shipped))
    return tiktoken.Encoding(
        name=shipped.name,
        pat_str=shipped.pat_str,
        mergeable_ranks=parse_ranks(data),
        special_tokens=dict(shipped.special_tokens),
    )


def check_shipped(name: str) -> None:
    """Raise `EncodingFileError` now if the file of the shipped encoding `name` is missing or damaged."""
    shipped = SHIPPED[name]
    verified(shipped, read_compressed(shipped))


def read_compressed(shipped: ShippedEncoding) -> bytes:
    """The gzip bytes of `shipped` as installed with the package."""
    try:
        return resources.files("docstring_hook").joinpath("data", shipped.file).read_bytes()
    except OSError as error:
        raise EncodingFileError(
            f"the tokenizer file {shipped.file} of this installation is unreadable: {error}"
        ) from None


def verified(shipped: ShippedEncoding, compressed: bytes) -> bytes:
    """The uncompressed encoding file, once its SHA-256 is the published one."""
    try:
        data = gzip.decompress(compressed)
    except (OSError, EOFError) as error:
        raise EncodingFileError(
            f"the tokenizer file {shipped.file} is damaged ({error}); reinstall the package"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != shipped.sha256:
        raise EncodingFileError(
            f"the tokenizer file {shipped.file} has SHA-256 {digest}, not the published {shipped.sha256}; "
            "reinstall the package"
        )
    return data


def parse_ranks(data: bytes) -> dict[bytes, int]:
    """The mergeable ranks of a `.tiktoken` file: one base64 token and its rank per line.

    The format `tiktoken.load.load_tiktoken_bpe` reads; that function wants
    a path or URL of the uncompressed file and copies every file it reads
    into tiktoken's cache folder, so the shipped bytes are parsed here, as
    one list of fields (a third faster than line by line: it is on the way
    to a run's first request).
    """
    fields = data.split()
    if len(fields) % 2:
        raise ValueError("a .tiktoken file holds a token and a rank on each line")
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2])))

"""Where a docstring's first sentence ends: shared by rendering (which keeps it on the summary line)
and validation (which checks that line fits the project's line length).
"""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"(?<![Ee]\.g\.)(?<![Ii]\.e\.)(?<=[.!?])\s+(?=[^\sa-z])")


def first_sentence(text: str) -> str:
    """The first sentence of the first paragraph of `text`, on one line."""
    first = " ".join(text.strip().partition("\n\n")[0].split())
    return SENTENCE_END.split(first, maxsplit=1)[0]

"""The waves of a `--batch` run: callees first, one batch each, so that callers see their callees' new summaries.

A wave's files are written before the next wave is prepared, so the next
prompts read the new docstrings from the source, as any context does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from docstring_hook import order
from docstring_hook.config import Settings
from docstring_hook.model.batchjob import Entry
from docstring_hook.modules import RepositoryModules
from docstring_hook.schedule import call_graph


def waves(
    todo: Mapping[str, Sequence[Entry]], settings: Settings, modules: RepositoryModules | None
) -> list[list[str]]:
    """The keys to send in callees-first waves (`order.waves` over the targets' call graph).

    One wave with `order = "none"` or `batch-waves = 1`; with `batch-waves = N`
    the last of N waves takes the rest. A key standing for several targets
    goes with the earliest of them.
    """
    if settings.order == "none" or settings.batch_waves == 1:
        return [list(todo)]
    entries = [entry for group in todo.values() for entry in group]
    graph = call_graph([e.facts for e in entries], modules)
    key_of = {e.facts.target: key for key, group in todo.items() for e in group}
    wave_of: dict[str, int] = {}
    for number, wave in enumerate(order.waves([e.facts.target for e in entries], graph)):
        for target in wave:
            wave_of.setdefault(key_of[target], number)
    grouped: list[list[str]] = [[] for _ in range(max(wave_of.values(), default=0) + 1)]
    for key in todo:
        grouped[wave_of[key]].append(key)
    if settings.batch_waves > 1 and len(grouped) > settings.batch_waves:
        cut = settings.batch_waves - 1
        grouped = [*grouped[:cut], [key for wave in grouped[cut:] for key in wave]]
    return grouped

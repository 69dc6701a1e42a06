"""Callees first: the strongly connected components of a call graph, and its waves.

Pure and generic: nodes are any hashable keys, `callees` maps a node to the
nodes it calls. Edges to nodes outside `nodes` are ignored. A cycle
(mutual recursion, a function calling itself) is one component: its members
go together, none waiting for another. Results are deterministic: members
keep the order of `nodes`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def components(nodes: Sequence[K], callees: Mapping[K, Iterable[K]]) -> list[list[K]]:
    """The strongly connected components, each after every component it calls (Tarjan, iterative)."""
    position = {node: i for i, node in enumerate(nodes)}
    edges = {node: [c for c in dict.fromkeys(callees.get(node, ())) if c in position] for node in nodes}
    index: dict[K, int] = {}
    low: dict[K, int] = {}
    stack: list[K] = []
    on_stack: set[K] = set()
    found: list[list[K]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[K, int]] = [(root, 0)]  # a node and the next of its edges to follow
        while work:
            node, edge = work.pop()
            if edge == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if edge < len(edges[node]):
                work.append((node, edge + 1))
                callee = edges[node][edge]
                if callee not in index:
                    work.append((callee, 0))
                elif callee in on_stack:
                    low[node] = min(low[node], index[callee])
                continue
            if low[node] == index[node]:
                members: list[K] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                found.append(sorted(members, key=position.__getitem__))
            if work:
                caller = work[-1][0]
                low[caller] = min(low[caller], low[node])
    return found


def waves(nodes: Sequence[K], callees: Mapping[K, Iterable[K]]) -> list[list[K]]:
    """The nodes in waves: each node's callees are in earlier waves or in its own component.

    A component's wave is the length of the longest path from it down to a
    component that calls no other (wave 0). Within a wave, nodes keep the
    order of `nodes`.
    """
    position = {node: i for i, node in enumerate(nodes)}
    wave_of: dict[K, int] = {}
    for component in components(nodes, callees):
        members = set(component)
        below = [wave_of[c] for m in component for c in callees.get(m, ()) if c in position and c not in members]
        level = max(below, default=-1) + 1
        for member in component:
            wave_of[member] = level
    result: list[list[K]] = [[] for _ in range(max(wave_of.values(), default=-1) + 1)]
    for node in nodes:
        result[wave_of[node]].append(node)
    return result

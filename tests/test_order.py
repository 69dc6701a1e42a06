"""Callees first: components and waves of a call graph (`order`), against tables and a brute-force oracle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docstring_hook.order import components, waves


@pytest.mark.parametrize(
    ("nodes", "calls", "expected"),
    [
        pytest.param("", {}, [], id="empty"),
        pytest.param("abc", {}, [["a", "b", "c"]], id="no calls: one wave"),
        pytest.param("abc", {"a": "b", "b": "c"}, [["c"], ["b"], ["a"]], id="chain"),
        pytest.param("abcd", {"a": "bc", "b": "d", "c": "d"}, [["d"], ["b", "c"], ["a"]], id="diamond"),
        pytest.param("ab", {"a": "b", "b": "a"}, [["a", "b"]], id="cycle"),
        pytest.param("abc", {"a": "b", "b": "a", "c": "a"}, [["a", "b"], ["c"]], id="cycle then its caller"),
        pytest.param("ab", {"a": "ab"}, [["b"], ["a"]], id="self-call"),
        pytest.param("xyab", {"a": "b", "x": "y"}, [["y", "b"], ["x", "a"]], id="disconnected"),
        pytest.param("abc", {"a": "bz", "z": "c"}, [["b", "c"], ["a"]], id="calls outside the set ignored"),
        pytest.param("abcd", {"a": "b", "b": "cd", "c": "a"}, [["d"], ["a", "b", "c"]], id="cycle of three"),
        pytest.param("abcde", {"e": "a", "a": "b", "b": "c", "c": "b", "d": "e"}, [["b", "c"], ["a"], ["e"], ["d"]],
                     id="longest path decides"),
    ],
)
def test_waves(nodes: str, calls: dict[str, str], expected: list[list[str]]) -> None:
    assert waves(list(nodes), {k: list(v) for k, v in calls.items()}) == expected


def test_mutual_recursion_across_files_is_one_component() -> None:
    a, b, c = ("pkg/a.py", 3), ("pkg/b.py", 10), ("pkg/c.py", 1)
    graph = {a: [b], b: [a, c]}
    assert components([a, b, c], graph) == [[c], [a, b]]
    assert waves([a, b, c], graph) == [[c], [a, b]]


def test_a_long_chain_needs_no_recursion() -> None:
    nodes = list(range(20_000))
    assert waves(nodes, {n: [n + 1] for n in nodes}) == [[n] for n in reversed(nodes)]


def _reaches(graph: dict[int, list[int]], start: int) -> set[int]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for callee in graph.get(node, []):
            if callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen


@given(st.dictionaries(st.integers(0, 11), st.lists(st.integers(0, 14), max_size=4), max_size=12))
def test_components_and_waves_agree_with_reachability(graph: dict[int, list[int]]) -> None:
    nodes = list(range(12))
    reach = {n: _reaches(graph, n) & set(nodes) for n in nodes}
    # Oracle: two nodes share a component exactly when each reaches the other.
    same = {n: {n} | {m for m in reach[n] if n in reach[m]} for n in nodes}
    found = components(nodes, graph)
    assert sorted(tuple(c) for c in found) == sorted({tuple(sorted(s)) for s in same.values()})
    done: set[int] = set()
    for component in found:  # each after every component it calls
        assert all(m in done or m in component for n in component for m in reach[n])
        done |= set(component)
    wave_of = {n: i for i, wave in enumerate(waves(nodes, graph)) for n in wave}
    for n in nodes:  # a component's wave: one more than the highest wave any of its members calls
        below = [wave_of[m] for k in same[n] for m in graph.get(k, []) if m in wave_of and m not in same[n]]
        assert wave_of[n] == max(below, default=-1) + 1

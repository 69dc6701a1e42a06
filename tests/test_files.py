from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from docstring_hook.repo.files import (
    UnreadableFile,
    discover,
    is_excluded,
    read_source,
    replace_atomically,
    write_atomic,
)


@pytest.mark.parametrize(
    ("raw", "encoding", "text"),
    [
        pytest.param(b"x = 1\n", "utf-8", "x = 1\n", id="utf-8"),
        pytest.param(b"\xef\xbb\xbfx = 1\n", "utf-8-sig", "x = 1\n", id="bom"),
        pytest.param(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "iso-8859-1", "# -*- coding: latin-1 -*-\nx = '\xe9'\n", id="latin-1 cookie"),
        pytest.param(b"x = 1\r\ny = 2", "utf-8", "x = 1\r\ny = 2", id="crlf, no final newline"),
    ],
)
def test_read_source_keeps_what_writing_back_needs(tmp_path: Path, raw: bytes, encoding: str, text: str) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(raw)
    source = read_source(str(path))
    assert (source.encoding, source.text) == (encoding, text)
    assert source.encode(source.text) == raw


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"x = '\xe9'\n", id="latin-1 bytes without a cookie"),
        pytest.param(b"# coding: nonsense\nx = 1\n", id="unknown codec"),
    ],
)
def test_undecodable_files_are_refused(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(raw)
    with pytest.raises(UnreadableFile):
        read_source(str(path))


def test_write_atomic_keeps_mode_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "tool.py"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o751)
    write_atomic(str(path), b"new\r\n")
    assert path.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tool.py"]


@pytest.mark.parametrize(
    ("path", "globs", "excluded"),
    [
        pytest.param("build/x.py", ["build"], True, id="a folder name anywhere"),
        pytest.param("src/build/x.py", ["build"], True, id="a nested folder name"),
        pytest.param("src/builder.py", ["build"], False, id="not a prefix"),
        pytest.param("gen/a_pb2.py", ["*_pb2.py"], True, id="a file glob"),
        pytest.param("src/legacy/a.py", ["src/legacy"], True, id="a path below the root"),
        pytest.param("legacy/a.py", ["src/legacy"], False, id="a path elsewhere"),
        pytest.param("src/legacy/a.py", ["src/*/a.py"], True, id="a path glob"),
        pytest.param("a.py", [], False, id="no globs"),
    ],
)
def test_is_excluded(tmp_path: Path, path: str, globs: list[str], excluded: bool) -> None:
    assert is_excluded(str(tmp_path / path), str(tmp_path), globs) is excluded


def make_tree(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")


def test_discover_honours_gitignore_inside_git(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a.py", "ignored/b.py", "c.pyi", "d.txt", "sub/e.py"])
    (tmp_path / ".gitignore").write_text("ignored/\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    found = discover([str(tmp_path)], str(tmp_path), [])
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in found) == ["a.py", "c.pyi", "sub/e.py"]


def test_discover_walks_outside_git_and_applies_excludes_to_explicit_files(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a.py", "build/b.py", "gen/c.py"])
    found = discover([str(tmp_path), str(tmp_path / "gen" / "c.py")], str(tmp_path), ["build", "gen"])
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["a.py"]


@pytest.mark.parametrize("durable", [False, True])
def test_the_tools_own_files_are_replaced_whole_and_leave_no_temporary(tmp_path: Path, durable: bool) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(b"old")
    replace_atomically(state, b"new", durable=durable)
    assert state.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]

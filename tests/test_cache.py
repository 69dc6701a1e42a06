from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import platformdirs
import pytest

from docstring_hook.datatypes import DocstringDraft, ParamDoc, RaisesDoc
from docstring_hook.model.cache import DiskCache, NullCache, cache_folder
from docstring_hook.model.draftjson import draft_from_json, draft_to_json

FULL = DocstringDraft(
    summary="Parse a config file.",
    description="Reads TOML.\n\nUnicode: é, ✓ and a lone surrogate \ud800 survive.",
    params=(
        ParamDoc("path", "Where the file is.", "Path"),
        ParamDoc("*args", "Passed on.", None),
    ),
    returns="The settings.",
    returns_type="Settings",
    yields="Nothing, really.",
    yields_type="int",
    raises=(
        RaisesDoc("ValueError", "If the file is not TOML."),
        RaisesDoc("OSError", "If unreadable."),
    ),
)
MINIMAL = DocstringDraft(summary="Do it.")


def key_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


KEY = key_of("one")


def test_a_full_draft_round_trips(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "cache")
    assert cache.put(KEY, FULL) is True
    assert cache.get(KEY) == FULL
    assert KEY in cache
    assert cache.put(KEY, MINIMAL) is True
    assert cache.get(KEY) == MINIMAL


def test_json_conversion_round_trips_and_is_explicit() -> None:
    assert draft_from_json(draft_to_json(FULL)) == FULL
    assert draft_to_json(MINIMAL) == {
        "summary": "Do it.",
        "description": "",
        "params": [],
        "returns": None,
        "returns_type": None,
        "yields": None,
        "yields_type": None,
        "raises": [],
    }


def test_a_miss_and_a_lazily_created_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    cache = DiskCache(folder)
    assert cache.get(KEY) is None
    assert KEY not in cache
    assert not folder.exists()


def test_the_folder_layout_and_content(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put(KEY, FULL)
    entry = tmp_path / "v1" / KEY[:2] / f"{KEY}.json"
    assert cache.path_of(KEY) == entry
    assert [
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()
    ] == [f"v1/{KEY[:2]}/{KEY}.json"]
    stored = json.loads(entry.read_bytes())
    assert stored == {
        "version": 1,
        "draft": draft_to_json(FULL),
    }  # the draft and nothing else


@pytest.mark.parametrize(
    "key", ["", "abc", KEY.upper(), KEY + "0", "../" + KEY[3:], KEY[:-1] + "g"]
)
def test_keys_that_are_not_sha256_hex_are_refused(tmp_path: Path, key: str) -> None:
    cache = DiskCache(tmp_path)
    for call in (
        lambda: cache.get(key),
        lambda: cache.put(key, MINIMAL),
        lambda: key in cache,
    ):
        with pytest.raises(ValueError):
            call()


def valid_entry() -> bytes:
    return json.dumps({"version": 1, "draft": draft_to_json(FULL)}).encode()


def with_draft(**changes: object) -> bytes:
    return json.dumps(
        {"version": 1, "draft": {**draft_to_json(FULL), **changes}}
    ).encode()


BROKEN = {
    "empty": b"",
    "not json": b"{not json",
    "truncated": valid_entry()[: len(valid_entry()) // 2],
    "not utf-8": b'{"version": 1, "draft": "\xff"}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "a list": b"[1]",
    "no version": json.dumps({"draft": draft_to_json(FULL)}).encode(),
    "version 2": json.dumps({"version": 2, "draft": draft_to_json(FULL)}).encode(),
    "version true": json.dumps(
        {"version": True, "draft": draft_to_json(FULL)}
    ).encode(),
    "version 1.0": json.dumps({"version": 1.0, "draft": draft_to_json(FULL)}).encode(),
    "extra key": json.dumps(
        {"version": 1, "draft": draft_to_json(FULL), "prompt": "x"}
    ).encode(),
    "draft null": json.dumps({"version": 1, "draft": None}).encode(),
    "summary number": with_draft(summary=3),
    "description null": with_draft(description=None),
    "returns list": with_draft(returns=["x"]),
    "params object": with_draft(params={}),
    "param missing type": with_draft(params=[{"name": "a", "description": "b"}]),
    "param name null": with_draft(
        params=[{"name": None, "description": "b", "type": None}]
    ),
    "raises string": with_draft(raises=["ValueError"]),
    "raises extra key": with_draft(
        raises=[{"exception": "E", "description": "d", "type": None}]
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_entry_is_a_miss(tmp_path: Path, name: str) -> None:
    cache = DiskCache(tmp_path)
    entry = cache.path_of(KEY)
    entry.parent.mkdir(parents=True)
    entry.write_bytes(BROKEN[name])
    assert cache.get(KEY) is None
    assert KEY not in cache


def test_draft_from_json_names_the_shape_problem() -> None:
    with pytest.raises(ValueError, match="summary"):
        draft_from_json({**draft_to_json(FULL), "summary": 1})
    with pytest.raises(ValueError, match="exactly the keys"):
        draft_from_json([])


def test_an_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.path_of(KEY).mkdir(parents=True)  # a folder where the file should be
    assert cache.get(KEY) is None


def test_an_oversized_entry_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    huge = DocstringDraft(summary="x" * 2_000_000)
    assert cache.put(KEY, huge) is True
    assert cache.get(KEY) is None


def test_a_put_that_cannot_write_returns_false(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    cache = DiskCache(blocker)
    assert cache.put(KEY, FULL) is False
    assert cache.get(KEY) is None


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions"
)
def test_a_put_into_a_read_only_folder_returns_false(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        assert DiskCache(tmp_path / "cache").put(KEY, FULL) is False
    finally:
        tmp_path.chmod(0o700)


def test_a_failed_replace_leaves_the_old_entry_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = DiskCache(tmp_path)
    cache.put(KEY, MINIMAL)

    def disk_full(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    assert cache.put(KEY, FULL) is False
    assert cache.get(KEY) == MINIMAL
    assert list(cache.path_of(KEY).parent.iterdir()) == [cache.path_of(KEY)]


def test_null_cache_never_hits_and_stores_nothing() -> None:
    cache = NullCache()
    assert cache.put(KEY, FULL) is False
    assert cache.get(KEY) is None
    assert KEY not in cache


def test_cache_folder_precedence(tmp_path: Path) -> None:
    environ = {"DOCSTRING_HOOK_CACHE_DIR": str(tmp_path / "env")}
    assert cache_folder(str(tmp_path / "flag"), environ) == tmp_path / "flag"
    assert cache_folder(None, environ) == tmp_path / "env"
    assert cache_folder("", environ) == tmp_path / "env"
    default = Path(platformdirs.user_cache_dir("docstring-hook"))
    assert cache_folder(None, {}) == default
    assert cache_folder(None, {"DOCSTRING_HOOK_CACHE_DIR": ""}) == default
    assert cache_folder("~/c", {}) == Path.home() / "c"


WRITER = textwrap.dedent(
    """
    import hashlib, json, sys
    from pathlib import Path
    from docstring_hook.datatypes import DocstringDraft, ParamDoc
    from docstring_hook.model.cache import DiskCache

    folder, name = sys.argv[1], sys.argv[2]
    cache = DiskCache(Path(folder))
    keys = [hashlib.sha256(str(k).encode()).hexdigest() for k in range(4)]
    print("ready", flush=True)
    sys.stdin.readline()
    stored = set()
    for i in range(200):
        key = keys[i % 4]
        # Entries of varying length, so a torn write could not look whole.
        draft = DocstringDraft(f"{name} {i}", "x" * (i * 37 % 5000), (ParamDoc("a", "b" * i),))
        if cache.put(key, draft):
            stored.add(key)
        for probe in keys:
            got = cache.get(probe)
            assert probe not in stored or got is not None, (name, i, probe)
            assert got is None or got.summary.split()[0] in ("first", "second"), got
            path = cache.path_of(probe)
            if path.exists():
                json.loads(path.read_bytes())  # a reader never sees a partial file
    print("done", len(stored), flush=True)
    """
)


def test_two_processes_share_keys_without_partial_entries(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    try:
        for writer in writers:
            assert writer.stdout is not None
            assert writer.stdout.readline() == "ready\n"
        for writer in writers:  # release both before waiting for either
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=120)[0] for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    assert [writer.returncode for writer in writers] == [0, 0]
    assert outputs == ["done 4\n", "done 4\n"]
    cache = DiskCache(folder)
    for k in range(4):
        got = cache.get(key_of(str(k)))
        assert got is not None
        assert got.summary.split()[0] in ("first", "second")
    assert all(path.suffix == ".json" for path in folder.rglob("*") if path.is_file())

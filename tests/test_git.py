from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from docstring_hook.repo.git import (
    ChangedLines,
    GitError,
    changes_in_scope,
    parse_diff,
    range_changes,
    staged_changes,
)
from tests.conftest import write

MODIFIED = """\
diff --git a/m.py b/m.py
index 1111111..2222222 100644
--- a/m.py
+++ b/m.py
@@ -3 +3 @@ def f():
-    return 1
+    return 2
@@ -9,0 +10,2 @@ def g():
+def h():
+    pass
"""

NEW_FILE = """\
diff --git a/pkg/new.py b/pkg/new.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/pkg/new.py
@@ -0,0 +1,3 @@
+def f():
+    pass
+
"""

DELETION_ONLY = """\
diff --git a/m.py b/m.py
index 1111111..2222222 100644
--- a/m.py
+++ b/m.py
@@ -5,2 +4,0 @@ def f():
-    x = 1
-    y = 2
"""

DELETION_AT_TOP = """\
diff --git a/m.py b/m.py
index 1111111..2222222 100644
--- a/m.py
+++ b/m.py
@@ -1,2 +0,0 @@
-import os
-
"""

RENAMED_AND_CHANGED = """\
diff --git a/old.py b/new.py
similarity index 90%
rename from old.py
rename to new.py
index 1111111..2222222 100644
--- a/old.py
+++ b/new.py
@@ -7 +7 @@ def f():
-    return 1
+    return 2
"""

PURE_RENAME = """\
diff --git a/old name.py b/new name.py
similarity index 100%
rename from old name.py
rename to new name.py
"""

DELETED_FILE = """\
diff --git a/gone.py b/gone.py
deleted file mode 100644
index 1111111..0000000
--- a/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-def f():
-    pass
"""

MODE_CHANGE = """\
diff --git a/run me.py b/run me.py
old mode 100644
new mode 100755
"""

SPACE_IN_NAME = """\
diff --git a/my dir/é.py b/my dir/é.py
index 1111111..2222222 100644
--- a/my dir/é.py\t
+++ b/my dir/é.py\t
@@ -2 +2 @@
-x = 1
+x = 2
"""

QUOTED_NAME = """\
diff --git "a/tab\\there \\303\\251.py" "b/tab\\there \\303\\251.py"
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ "b/tab\\there \\303\\251.py"
@@ -0,0 +1 @@
+x = 1
"""

HEADER_LOOKALIKE_IN_CONTENT = """\
diff --git a/m.py b/m.py
index 1111111..2222222 100644
--- a/m.py
+++ b/m.py
@@ -1,0 +2,2 @@
+++ b/evil.py
+diff --git a/x b/x
"""


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        pytest.param("", {}, id="no change"),
        pytest.param(MODIFIED, {"m.py": {3, 10, 11}}, id="changed and added lines"),
        pytest.param(NEW_FILE, {"pkg/new.py": {1, 2, 3}}, id="new file: every line"),
        pytest.param(DELETION_ONLY, {"m.py": {4}}, id="deletion touches the line before it"),
        pytest.param(DELETION_AT_TOP, {"m.py": {1}}, id="deletion at the top touches line 1"),
        pytest.param(RENAMED_AND_CHANGED, {"new.py": {7}}, id="rename: new path, changed lines only"),
        pytest.param(PURE_RENAME, {"new name.py": set()}, id="pure rename: touched, no lines"),
        pytest.param(DELETED_FILE, {}, id="deleted file left out"),
        pytest.param(MODE_CHANGE, {"run me.py": set()}, id="mode change: touched, no lines"),
        pytest.param(SPACE_IN_NAME, {"my dir/é.py": {2}}, id="space in name: git appends a tab"),
        pytest.param(QUOTED_NAME, {"tab\there é.py": {1}}, id="C-quoted name"),
        pytest.param(HEADER_LOOKALIKE_IN_CONTENT, {"m.py": {2, 3}}, id="added lines that look like headers"),
        pytest.param(MODIFIED + NEW_FILE + DELETED_FILE, {"m.py": {3, 10, 11}, "pkg/new.py": {1, 2, 3}}, id="several"),
    ],
)
def test_parse_diff(patch: str, expected: dict[str, set[int]]) -> None:
    assert parse_diff(patch) == expected


# Real repositories below: git's output must be what the table above assumes.


def git(folder: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository as the working directory."""
    git(tmp_path, "init", "-q", "-b", "main")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def commit_all(repo: Path, message: str = "c") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def lines_of(changes: ChangedLines | None) -> dict[str, set[int]]:
    assert changes is not None
    return {path: set(lines) for path, lines in changes.lines.items()}


TEN_LINES = "".join(f"line{n}\n" for n in range(1, 11))


def test_staged_counts_the_index_not_the_work_tree(repo: Path) -> None:
    write(repo / "m.py", TEN_LINES)
    commit_all(repo)
    write(repo / "m.py", TEN_LINES.replace("line3\n", "three\n"))
    git(repo, "add", "m.py")
    write(repo / "m.py", TEN_LINES.replace("line3\n", "three\n").replace("line8\n", "eight\n"))
    assert lines_of(staged_changes()) == {"m.py": {3}}


def test_before_the_first_commit_every_staged_line_is_new(repo: Path) -> None:
    write(repo / "m.py", "a\nb\n")
    git(repo, "add", "m.py")
    assert lines_of(staged_changes()) == {"m.py": {1, 2}}


def test_a_staged_rename_keeps_only_the_changed_lines(repo: Path) -> None:
    write(repo / "old.py", TEN_LINES)
    commit_all(repo)
    git(repo, "mv", "old.py", "new.py")
    write(repo / "new.py", TEN_LINES.replace("line5\n", "five\n"))
    git(repo, "add", "new.py")
    assert lines_of(staged_changes()) == {"new.py": {5}}


def test_deleting_lines_touches_the_line_before(repo: Path) -> None:
    write(repo / "m.py", TEN_LINES)
    commit_all(repo)
    write(repo / "m.py", TEN_LINES.replace("line6\nline7\n", ""))
    git(repo, "add", "m.py")
    assert lines_of(staged_changes()) == {"m.py": {5}}


def test_paths_match_as_passed_from_a_subfolder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "my dir" / "é 1.py", "a\n")
    git(repo, "add", ".")
    monkeypatch.chdir(repo / "my dir")
    changes = staged_changes()
    assert changes is not None
    assert lines_of(changes) == {"my dir/é 1.py": {1}}
    assert changes.of("é 1.py") == {1}
    assert changes.of(str(repo / "my dir" / "é 1.py")) == {1}
    assert changes.of("../my dir/./é 1.py") == {1}
    assert not changes.touches("other.py")


def test_user_diff_configuration_does_not_change_the_answer(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "sub" / "m.py", TEN_LINES)
    commit_all(repo)
    for key, value in [("diff.noprefix", "true"), ("diff.relative", "true"), ("color.diff", "always"),
                       ("diff.external", "false"), ("core.quotePath", "true")]:
        git(repo, "config", key, value)
    write(repo / "sub" / "m.py", TEN_LINES.replace("line2\n", "two\n"))
    git(repo, "add", ".")
    monkeypatch.chdir(repo / "sub")
    assert lines_of(staged_changes()) == {"sub/m.py": {2}}


def test_a_merge_counts_only_lines_new_to_every_parent(repo: Path) -> None:
    write(repo / "m.py", TEN_LINES)
    commit_all(repo)
    git(repo, "checkout", "-q", "-b", "other")
    write(repo / "m.py", TEN_LINES.replace("line2\n", "theirs\n").replace("line9\n", "nine\n"))
    commit_all(repo)
    git(repo, "checkout", "-q", "main")
    write(repo / "m.py", TEN_LINES.replace("line2\n", "ours\n"))
    commit_all(repo)
    merge = subprocess.run(["git", "merge", "-q", "other"], cwd=repo, capture_output=True, check=False)
    assert merge.returncode != 0  # the conflict on line 2 is resolved by hand below
    write(repo / "m.py", TEN_LINES.replace("line2\n", "both\n").replace("line9\n", "nine\n"))
    git(repo, "add", "m.py")
    assert lines_of(staged_changes()) == {"m.py": {2}}


def test_range_uses_the_merge_base(repo: Path) -> None:
    write(repo / "m.py", TEN_LINES)
    commit_all(repo)
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo / "m.py", TEN_LINES.replace("line4\n", "four\n"))
    commit_all(repo)
    git(repo, "checkout", "-q", "main")
    write(repo / "m.py", TEN_LINES.replace("line8\n", "eight\n"))
    commit_all(repo)
    assert lines_of(range_changes("main", "feature")) == {"m.py": {4}}


def test_range_with_an_unknown_ref_is_an_error(repo: Path) -> None:
    write(repo / "m.py", "a\n")
    commit_all(repo)
    with pytest.raises(GitError, match="nope"):
        range_changes("nope", "HEAD")


# The scope rule.


@pytest.fixture
def staged_repo(repo: Path) -> Path:
    """Two committed files; a.py has a staged change on line 2, b.py none."""
    write(repo / "a.py", TEN_LINES)
    write(repo / "b.py", TEN_LINES)
    commit_all(repo)
    write(repo / "a.py", TEN_LINES.replace("line2\n", "two\n"))
    git(repo, "add", "a.py")
    return repo


def test_auto_is_the_staged_change_when_every_path_is_staged(staged_repo: Path) -> None:
    assert lines_of(changes_in_scope("auto", ["a.py"], {})) == {"a.py": {2}}


def test_auto_is_everything_when_a_path_has_no_staged_change(staged_repo: Path) -> None:
    assert changes_in_scope("auto", ["a.py", "b.py"], {}) is None


def test_auto_is_everything_for_a_folder(staged_repo: Path) -> None:
    assert changes_in_scope("auto", ["."], {}) is None


def test_auto_is_everything_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.py", "a\n")
    monkeypatch.chdir(tmp_path)
    assert changes_in_scope("auto", ["a.py"], {}) is None


def test_auto_is_the_range_when_pre_commit_names_one(staged_repo: Path) -> None:
    commit_all(staged_repo)
    environ = {"PRE_COMMIT_FROM_REF": "HEAD~1", "PRE_COMMIT_TO_REF": "HEAD"}
    assert lines_of(changes_in_scope("auto", ["a.py", "b.py"], environ)) == {"a.py": {2}}


def test_staged_is_the_staged_change_whatever_the_paths(staged_repo: Path) -> None:
    assert lines_of(changes_in_scope("staged", ["a.py", "b.py"], {})) == {"a.py": {2}}


def test_staged_outside_git_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GitError, match="not in a git work tree"):
        changes_in_scope("staged", ["a.py"], {})


def test_all_is_everything(staged_repo: Path) -> None:
    assert changes_in_scope("all", ["a.py"], {"PRE_COMMIT_FROM_REF": "x", "PRE_COMMIT_TO_REF": "y"}) is None

"""Never lose a user's edit: files that change during a run, links, read-only files, large files, two runs.

Every test drives `main()` against the fake Azure server, as a user's run would.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from docstring_hook.cli import main
from docstring_hook.model.cache import cache_folder
from docstring_hook.repo.lock import project_lock
from tests.conftest import use_azure, write
from tests.fake_azure import FakeAzure

SOURCE = "def area(width, height):\n    return width * height\n\n\ndef shout(text):\n    return text.upper()\n"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with FakeAzure(latency=1.0) as server:
        use_azure(monkeypatch, server)
        yield server


def fates(report: Path) -> dict[str, tuple[str, str | None]]:
    document: dict[str, Any] = json.loads(report.read_text())
    return {f["qualname"]: (f["status"], f["reason"]) for f in document["functions"]}


def run_while(edit: Callable[[], None], fake: FakeAzure, *arguments: str) -> int:
    """Run the CLI; `edit` happens once the first request has reached the server (requests in flight)."""

    def edit_when_asked() -> None:
        deadline = time.monotonic() + 30
        while fake.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        edit()

    editor = threading.Thread(target=edit_when_asked)
    editor.start()
    try:
        return main([*arguments])
    finally:
        editor.join()


def test_an_edit_below_the_targets_during_the_run_is_kept_and_the_docstrings_still_land(
    fake: FakeAzure, project: Path
) -> None:
    path = write(project / "m.py", SOURCE)
    with_edit = lambda: path.write_text(path.read_text() + "\n\n# saved by the user meanwhile\n")
    assert run_while(with_edit, fake, "--report", "r.json", "m.py") == 1
    text = path.read_text()
    assert text.endswith("# saved by the user meanwhile\n")
    assert text.count('"""') == 4
    assert fates(project / "r.json") == {"area": ("documented", None), "shout": ("documented", None)}
    assert fake.count() == 2  # re-applying costs nothing


def test_definitions_moved_by_an_edit_still_get_their_own_docstrings(fake: FakeAzure, project: Path) -> None:
    path = write(project / "m.py", SOURCE)
    with_header = lambda: path.write_text("import os\n\n\n" + path.read_text())
    assert run_while(with_header, fake, "m.py") == 1
    lines = path.read_text().splitlines()
    assert lines[0] == "import os"
    assert lines[lines.index("def area(width, height):") + 1].lstrip().startswith('"""')
    assert lines[lines.index("def shout(text):") + 1].lstrip().startswith('"""')


def test_a_definition_the_user_changed_during_the_run_is_left_as_the_user_made_it(
    fake: FakeAzure, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(project / "m.py", SOURCE)
    edited = SOURCE.replace("return text.upper()", "return text.upper() + '!'")
    assert run_while(lambda: path.write_text(edited), fake, "--report", "r.json", "m.py") == 4
    assert path.read_text() == edited
    assert fates(project / "r.json")["shout"] == ("skipped", "changed-during-run")
    assert "run again (the answer is cached)" in capsys.readouterr().err


def test_a_symlink_inside_the_project_is_written_through_and_stays_a_link(fake: FakeAzure, project: Path) -> None:
    target = write(project / "real.py", SOURCE)
    (project / "link.py").symlink_to("real.py")
    assert main(["link.py"]) == 1
    assert (project / "link.py").is_symlink() and os.readlink(project / "link.py") == "real.py"
    assert target.read_text().count('"""') == 4


def test_a_file_and_a_link_to_it_are_documented_once(fake: FakeAzure, project: Path) -> None:
    target = write(project / "real.py", SOURCE)
    (project / "link.py").symlink_to("real.py")
    assert main(["real.py", "link.py"]) == 1
    assert target.read_text().count('"""') == 4 and fake.count() == 2


def test_a_symlink_leading_out_of_the_project_is_skipped(fake: FakeAzure, project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = write(tmp_path_factory.mktemp("elsewhere") / "shared.py", SOURCE)
    (project / "link.py").symlink_to(outside)
    assert main(["--report", "r.json", "link.py"]) == 4
    assert outside.read_text() == SOURCE and fake.count() == 0
    assert set(fates(project / "r.json").values()) == {("skipped", "linked-file")}


def test_a_file_with_hard_links_is_skipped_and_both_names_keep_sharing_it(fake: FakeAzure, project: Path) -> None:
    path = write(project / "m.py", SOURCE)
    os.link(path, project / "same.py")
    assert main(["--report", "r.json", "m.py"]) == 4
    assert path.read_text() == SOURCE and os.stat(path).st_nlink == 2 and fake.count() == 0
    assert set(fates(project / "r.json").values()) == {("skipped", "linked-file")}


def test_a_read_only_file_is_skipped(fake: FakeAzure, project: Path) -> None:
    path = write(project / "m.py", SOURCE)
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    assert main(["--report", "r.json", "m.py"]) == 4
    assert path.read_text() == SOURCE and fake.count() == 0
    assert set(fates(project / "r.json").values()) == {("skipped", "read-only")}


def test_a_file_over_max_file_bytes_is_skipped_before_any_request_but_still_checked(
    fake: FakeAzure, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(project / "m.py", SOURCE + "DATA = [" + "1, " * 400 + "]\n")
    (project / "pyproject.toml").write_text("[tool.docstring-hook]\nmax-file-bytes = 1000\n")
    assert main(["--report", "r.json", "m.py"]) == 4
    assert fake.count() == 0 and set(fates(project / "r.json").values()) == {("skipped", "file-too-large")}
    assert main(["--check", "m.py"]) == 1
    assert "m.py:1: area: missing docstring" in capsys.readouterr().out
    assert path.read_text().count('"""') == 0


def test_a_second_writing_run_on_the_same_project_stops_at_once(
    fake: FakeAzure, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(project / "m.py", SOURCE)
    with project_lock(str(project), cache_folder(None, os.environ)):
        assert main(["m.py"]) == 2
    err = capsys.readouterr().err
    assert "another docstring-hook run (pid" in err and "is writing in" in err and len(err.splitlines()) == 1
    assert path.read_text() == SOURCE and fake.count() == 0
    assert main(["m.py"]) == 1  # the lock went with its holder


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        pytest.param("bom.py", "\ufeffdef area(w, h):\r\n    return w * h\r\n".encode(), id="BOM and CRLF"),
        pytest.param(
            "latin.py", "# -*- coding: latin-1 -*-\ndef café(x):\n    return 'é' + x\n".encode("latin-1"), id="latin-1"
        ),
        pytest.param("tail.py", b"def area(w, h):\n    return w * h", id="no final newline"),
    ],
)
def test_the_diff_applies_with_git_apply_and_patch_in_the_files_own_bytes(
    monkeypatch: pytest.MonkeyPatch, project: Path, capfdbinary: pytest.CaptureFixture[bytes], name: str, raw: bytes
) -> None:
    import subprocess

    with FakeAzure() as server:
        use_azure(monkeypatch, server)
        (project / name).write_bytes(raw)
        assert main(["--diff", name]) == 1
    patch = capfdbinary.readouterr().out
    assert (project / name).read_bytes() == raw  # --diff writes nothing
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "apply", "--check", "-"], cwd=project, input=patch, check=True)
    subprocess.run(["patch", "-p1", "--dry-run", "-s"], cwd=project, input=patch, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["git", "apply", "-"], cwd=project, input=patch, check=True)
    applied = (project / name).read_bytes()
    assert applied.startswith(raw[:3]) and applied.count(b'"""') == 2


FORM_FEED = "class Shelf:\n    size = 1\n\x0c    def fill(self):\n        return self.size\n"


def test_a_file_the_rewriter_cannot_take_costs_no_request(
    fake: FakeAzure, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(project / "m.py", FORM_FEED)
    assert main(["--report", "r.json", "m.py"]) == 4
    assert fake.count() == 0 and path.read_text() == FORM_FEED
    assert set(fates(project / "r.json").values()) == {("skipped", "refused-by-rewriter")}
    assert "LibCST does not reproduce this file byte for byte" in capsys.readouterr().err
    assert main(["--dry-run", "m.py"]) == 0
    assert "2 targets: 0 cached, 0 over budget, 2 refused-by-rewriter, 0 to request" in capsys.readouterr().err


def test_check_says_when_the_hook_could_not_write_a_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "m.py", FORM_FEED)
    write(project / "fine.py", SOURCE)
    assert main(["--check", "m.py", "fine.py"]) == 1
    out, err = capsys.readouterr()
    assert "m.py:1: Shelf: missing docstring" in out
    assert err.count("docstring-hook cannot write this file") == 1
    assert "m.py: note: docstring-hook cannot write this file: LibCST does not reproduce this file" in err


def test_diff_explains_a_link_leading_out_of_the_project_and_patches_nothing_there(
    fake: FakeAzure, project: Path, tmp_path_factory: pytest.TempPathFactory, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    outside = write(tmp_path_factory.mktemp("elsewhere") / "shared.py", SOURCE)
    (project / "link.py").symlink_to(outside)
    assert main(["--diff", "link.py"]) == 4
    out, err = capsysbinary.readouterr()
    assert out == b"" and fake.count() == 0
    assert b"skipped (linked-file: a symbolic link to" in err and b"outside the project" in err

"""File discovery: git-aware, excludes, and files that cannot be checked are skipped with a notice."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bek_gate.discovery import Excluder, discover
from bek_gate.errors import BekError

MAX = 1024 * 1024


def _touch(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _discover(
    root: Path, *targets: Path, exclude: tuple[str, ...] = (), max_size: int = MAX, git: bool = True
):
    return discover(list(targets) or [root], root, Excluder(list(exclude), root), max_size, use_git=git)


def test_walk_skips_virtualenvs_caches_and_non_python(tmp_path: Path) -> None:
    _touch(tmp_path / "app" / "main.py")
    _touch(tmp_path / "app" / "notes.txt")
    _touch(tmp_path / "node_modules" / "x.py")
    _touch(tmp_path / ".venv" / "lib" / "y.py")
    _touch(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr\n")
    _touch(tmp_path / "myenv" / "lib" / "z.py")
    _touch(tmp_path / "build" / "gen.py")
    assert _discover(tmp_path, git=False).files == ["app/main.py"]


def test_excludes_by_component_and_by_path(tmp_path: Path) -> None:
    for name in (
        "app/main.py",
        "app/migrations/0001.py",
        "legacy/old.py",
        "legacy/keep/new.py",
        "gen_pb2.py",
    ):
        _touch(tmp_path / name)
    found = _discover(tmp_path, exclude=("migrations", "legacy/*", "*_pb2.py"), git=False)
    assert found.files == ["app/main.py"]


def test_explicit_files_are_checked_whatever_their_suffix_but_excludes_still_apply(tmp_path: Path) -> None:
    script = _touch(tmp_path / "bin" / "tool", "#!/usr/bin/env python\nx = 1\n")
    excluded = _touch(tmp_path / "migrations" / "m.py")
    found = _discover(tmp_path, script, excluded, exclude=("migrations",), git=False)
    assert found.files == ["bin/tool"]
    assert [(n.path, n.message) for n in found.notices] == [
        ("migrations/m.py", "excluded by the configuration")
    ]


def test_git_ignored_files_are_skipped(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _touch(tmp_path / ".gitignore", "generated/\n")
    _touch(tmp_path / "generated" / "g.py")
    _touch(tmp_path / "src" / "tracked.py")
    _touch(tmp_path / "src" / "untracked.py")
    subprocess.run(["git", "-C", str(tmp_path), "add", ".gitignore", "src/tracked.py"], check=True)
    assert _discover(tmp_path).files == ["src/tracked.py", "src/untracked.py"]


def test_symlink_loops_and_links_out_of_the_root_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    outside = _touch(tmp_path / "secret" / "outside.py")
    _touch(root / "a.py")
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "link_out.py").symlink_to(outside)
    (root / "self_loop.py").symlink_to(root / "self_loop.py")
    (root / "alias.py").symlink_to(root / "a.py")
    found = _discover(root, git=False)
    assert found.files == ["a.py"]
    reasons = {notice.path: notice.message for notice in found.notices}
    assert "outside the scanned root" in reasons["link_out.py"]
    assert "symlink loop" in reasons["self_loop.py"]


def test_fifos_and_oversized_files_are_skipped_with_a_notice(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    _touch(tmp_path / "big.py", "x = 1\n" * 100)
    _touch(tmp_path / "small.py")
    found = _discover(tmp_path, max_size=100, git=False)
    assert found.files == ["small.py"]
    reasons = {notice.path: notice.message for notice in found.notices}
    assert "not a regular file" in reasons["pipe.py"]
    assert "larger than max-file-size" in reasons["big.py"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_unreadable_files_are_skipped_with_a_notice(tmp_path: Path) -> None:
    locked = _touch(tmp_path / "locked.py")
    locked.chmod(0)
    try:
        found = _discover(tmp_path, git=False)
    finally:
        locked.chmod(0o644)
    assert found.files == []
    assert "permission denied" in found.notices[0].message


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(BekError, match="no such file or directory"):
        _discover(tmp_path, tmp_path / "nope")


def test_an_empty_directory_gives_no_files(tmp_path: Path) -> None:
    found = _discover(tmp_path, git=False)
    assert found.files == [] and found.notices == []


def test_a_git_ignored_directory_named_explicitly_is_still_checked(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _touch(tmp_path / ".gitignore", "vendored/\n")
    _touch(tmp_path / "vendored" / "lib" / "a.py")
    _touch(tmp_path / "src" / "b.py")
    assert _discover(tmp_path).files == ["src/b.py"]
    assert _discover(tmp_path, tmp_path / "vendored").files == ["vendored/lib/a.py"]

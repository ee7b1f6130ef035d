"""The same repository gives the same bytes: JSON, SARIF, JUnit, Markdown and text, whatever the
number of worker processes, the order the files were created in, git or not, cache cold or
warm, and wherever the reports are written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.robustness.conftest import CLEAN_NEIGHBOUR, bek

REPORTS = ("report.json", "report.sarif", "report.xml", "summary.md", "stdout.txt")


def repository_files() -> dict[str, bytes]:
    """More files than one worker takes (so ``-j 2`` really splits them), with findings of every
    rule, suppressed and baseline-free ones, parse errors, notices and an attestation."""
    files = {
        f"service/{path.relative_to(FIXTURES / 'demo-service').as_posix()}": path.read_bytes()
        for path in sorted((FIXTURES / "demo-service").rglob("*"))
        if path.is_file()
    }
    for index in range(20):
        files[f"jobs/job_{index:02d}.py"] = CLEAN_NEIGHBOUR.replace("fetch", f"fetch_{index}").encode()
    files["jobs/same_twice.py"] = (
        CLEAN_NEIGHBOUR + CLEAN_NEIGHBOUR.replace("import requests\n", "")
    ).encode()
    files["jobs/suppressed.py"] = CLEAN_NEIGHBOUR.replace(
        ")\n", ")  # bek: ignore[missing-timeout]\n"
    ).encode()
    files["jobs/unknown_ignore.py"] = b"x = 1  # bek: ignore[no-such-rule]\n"
    files["broken/syntax.py"] = b"def broken(:\n"
    files["broken/binary.py"] = b"\x00\x01\x02"
    files["broken/chain.py"] = ("a = 1\nx = " + " and ".join(["a"] * 20_000) + "\nrequests.get(u)\n").encode()
    files[".bek/attestations.yaml"] = (
        b"attestations:\n  - item: sec-13\n    status: done\n    by: ops\n    date: 2026-01-10\n"
    )
    return files


def create(root: Path, files: dict[str, bytes], reverse: bool, use_git: bool) -> None:
    """The files, created in sorted or reversed order (directory order on disk follows it)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    for name in sorted(files, reverse=reverse):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
    (root / "jobs" / "loop.py").symlink_to("loop.py")  # a notice, too
    if use_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)


def reports(root: Path, out: Path, *options: str) -> dict[str, bytes]:
    outputs = ["--json-output", out / "report.json", "--sarif-output", out / "report.sarif"]
    outputs += ["--junit-output", out / "report.xml", "--summary-output", out / "summary.md"]
    run = bek("gate", "-c", "all", *options, *outputs, cwd=root, timeout=120)
    assert run.exit_code == 1, run.stderr
    (out / "stdout.txt").write_text(run.stdout)
    return {name: (out / name).read_bytes() for name in REPORTS}


@pytest.mark.parametrize("use_git", [False, True], ids=["plain", "git"])
def test_the_same_repository_gives_the_same_bytes(tmp_path: Path, use_git: bool) -> None:
    if use_git and shutil.which("git") is None:
        pytest.skip("git is not installed")
    files = repository_files()
    root = tmp_path / "repo"
    create(root, files, reverse=False, use_git=use_git)
    first = reports(root, tmp_path / "one", "-j", "1", "--no-cache")
    assert b"parse-error" in first["report.json"] and b"bek: ignore[missing-timeout]" in first["report.json"]
    runs = {
        "-j 2, reports elsewhere": reports(root, tmp_path / "two" / "deeper", "-j", "2", "--no-cache"),
        "cold cache": reports(root, tmp_path / "cold", "-j", "2"),
        "warm cache": reports(root, tmp_path / "warm", "-j", "1"),
    }
    create(root, files, reverse=True, use_git=use_git)
    runs["files created in reverse order"] = reports(root, tmp_path / "reverse", "-j", "2", "--no-cache")
    for label, produced in runs.items():
        for name in REPORTS:
            assert produced[name] == first[name], f"{name} differs ({label})"
    assert os.fsencode(str(tmp_path / "one")) not in first["report.json"] + first["report.sarif"]

"""bek is safe to point at an untrusted repository (a pull request from a fork):

- it never imports or executes the scanned code, through any of its entry points (the ``bek``
  script, ``python -m``, the GitHub Action's step);
- it never follows a symlink out of the scanned root;
- it writes nothing but the reports it was asked for and its cache (``.bek_cache/``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.robustness.conftest import CLEAN_NEIGHBOUR, Run, bek

# Modules that run code when imported or executed, at names Python or bek would pick up:
# packaging and test entry points, interpreter hooks, and modules that shadow what bek imports
# (standard library and dependencies) or bek itself, were the scanned repository on sys.path.
TRAPS = (
    "setup.py",
    "conftest.py",
    "noxfile.py",
    "__main__.py",
    "sitecustomize.py",
    "usercustomize.py",
    "app/__init__.py",
    "app/views.py",
    "app/conftest.py",
    "shlex.py",
    "difflib.py",
    "json.py",
    "click.py",
    "yaml.py",
    "libcst.py",
    "jsonschema.py",
    "bek_gate/__init__.py",
    "bek_gate/__main__.py",
    "bek_gate/action.py",
)
TRAP = """\
import pathlib

pathlib.Path({marker!r}).write_text("executed")
import requests

requests.get("https://example.com")
"""


def trapped_repository(root: Path, markers: Path) -> Path:
    """A repository each of whose modules leaves a marker in ``markers`` if it ever runs."""
    for name in TRAPS:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TRAP.format(marker=str(markers / name.replace("/", "__"))))
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "trap"\nversion = "1"\n'
        # conftest.py is test code, which missing-timeout leaves alone; here every module must be checked.
        "[tool.bek]\ntest-paths = []\n"
    )
    return root


def _check_trapped(root: Path, markers: Path, findings: set[str]) -> None:
    assert sorted(os.listdir(markers)) == [], "scanned code was executed"
    # and every module was read and checked (so the absence of markers means something)
    assert findings == set(TRAPS)


@pytest.fixture
def trapped(tmp_path: Path) -> tuple[Path, Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    return trapped_repository(tmp_path / "repo", markers), markers


def test_the_bek_script_never_runs_scanned_code(trapped: tuple[Path, Path]) -> None:
    root, markers = trapped
    script = shutil.which("bek", path=str(Path(sys.executable).parent)) or shutil.which("bek")
    if script is None:
        pytest.skip("the bek script is not installed")
    completed = subprocess.run(
        [script, "gate", "-c", "all", "--no-cache", "--fail-on", "high", "--format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    run = Run(completed.returncode, completed.stdout, completed.stderr)
    assert run.exit_code == 0, run.stderr
    _check_trapped(root, markers, {path for path, rule_id in run.findings() if rule_id == "missing-timeout"})


def test_python_dash_m_in_isolated_mode_never_runs_scanned_code(trapped: tuple[Path, Path]) -> None:
    root, markers = trapped
    run = bek("gate", "-c", "all", "--no-cache", "--fail-on", "high", "--format", "json", ".", cwd=root)
    assert run.exit_code == 0, run.stderr
    _check_trapped(root, markers, {path for path, rule_id in run.findings() if rule_id == "missing-timeout"})


def test_the_github_action_step_never_runs_scanned_code(trapped: tuple[Path, Path], tmp_path: Path) -> None:
    """The gate step of ``action.yml``, run as the runner runs it, in the scanned workspace:
    ``python -m`` without ``-I`` would import the workspace's ``shlex.py`` or ``bek_gate/``."""
    root, markers = trapped
    document = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    [step] = [step for step in document["runs"]["steps"] if step.get("id") == "gate"]
    runner = tmp_path / "runner"
    runner.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GITHUB_", "INPUT_", "RUNNER_", "PYTHON"))
    }
    env |= {
        "BEK_VENV_PYTHON": sys.executable,
        "INPUT_CHECKLISTS": "all",
        "INPUT_SARIF_FILE": str(runner / "bek.sarif"),
        "INPUT_UPLOAD_SARIF": "false",
        "INPUT_SUMMARY": "false",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(runner / "output"),
        "GITHUB_STEP_SUMMARY": str(runner / "summary"),
        "GITHUB_WORKSPACE": str(root),
        "RUNNER_TEMP": str(runner),
        "GITHUB_EVENT_NAME": "pull_request",
    }
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    findings = json.loads((runner / "bek.json").read_text())["findings"]
    _check_trapped(root, markers, {f["path"] for f in findings if f["ruleId"] == "missing-timeout"})


# -- symlinks ---------------------------------------------------------------------------------------


def linked_repository(tmp_path: Path, use_git: bool) -> Path:
    """A repository with links to a directory and files outside it, which have findings."""
    outside = tmp_path / "outside"
    (outside / "package").mkdir(parents=True)
    (outside / "evil.py").write_text(CLEAN_NEIGHBOUR)
    (outside / "package" / "module.py").write_text(CLEAN_NEIGHBOUR)
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "real.py").write_text(CLEAN_NEIGHBOUR)
    (root / "src" / "alias.py").symlink_to("real.py")  # inside: checked once, as real.py
    (root / "linked_file.py").symlink_to(outside / "evil.py")
    (root / "src" / "relative.py").symlink_to(Path("..", "..", "outside", "evil.py"))
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    (root / "src" / "linked_package").symlink_to(outside / "package", target_is_directory=True)
    if use_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    return root


@pytest.mark.parametrize("use_git", [False, True], ids=["plain", "git"])
def test_symlinks_out_of_the_root_are_not_followed(tmp_path: Path, use_git: bool) -> None:
    if use_git and shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = linked_repository(tmp_path, use_git)
    run = bek("gate", "-c", "all", "--no-cache", "--format", "json", "--fail-on", "medium", cwd=root)
    assert run.exit_code == 1, run.stderr
    assert run.findings() == {("src/real.py", "missing-timeout")}
    outside = "symlink points outside the scanned root; not followed"
    assert {(notice["path"], notice["message"]) for notice in run.notices()} == {
        ("linked_file.py", outside),
        ("src/relative.py", outside),
    }
    assert run.json()["filesChecked"] == 1
    # Named on the command line, a link is still not followed, and does not move the root.
    named = bek(
        "gate", "-c", "all", "--no-cache", "--format", "json", "linked_file.py", "linked_dir", "src", cwd=root
    )
    assert named.findings() == {("src/real.py", "missing-timeout")}
    assert {(notice["path"], notice["message"]) for notice in named.notices()} == {
        ("linked_file.py", outside),
        ("linked_dir", outside),
        ("src/relative.py", outside),
    }


# -- what bek writes --------------------------------------------------------------------------------


def snapshot(directory: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``directory`` with (mtime in ns, size, mode), and every directory (whose
    mtime changes with what is created in it, so only its existence and mode count)."""
    state = {}
    for current, subdirectories, files in os.walk(directory):
        for name in subdirectories:
            state[str(Path(current, name))] = (0, 0, Path(current, name).lstat().st_mode)
        for name in files:
            info = Path(current, name).lstat()
            state[str(Path(current, name))] = (info.st_mtime_ns, info.st_size, info.st_mode)
    return state


def changes(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


@pytest.mark.parametrize("use_git", [False, True], ids=["plain", "git"])
def test_bek_writes_only_its_reports_and_its_cache(tmp_path: Path, use_git: bool) -> None:
    if use_git and shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    shutil.copytree(REPO / "fixtures" / "demo-service", root)
    (root / "broken.py").write_text("def broken(:\n")
    (root / ".bek").mkdir()
    (root / ".bek" / "attestations.yaml").write_text(
        "attestations:\n  - item: sec-13\n    status: done\n    by: ops\n    date: 2026-01-10\n"
    )
    if use_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "TMPDIR": str(home)}
    outputs = ["--json-output", "out/report.json", "--sarif-output", "out/report.sarif"]
    outputs += ["--junit-output", "out/report.xml", "--summary-output", "out/summary.md"]
    reports = {
        str(root / "out" / name) for name in ("report.json", "report.sarif", "report.xml", "summary.md")
    }
    reports.add(str(root / "out"))

    before = snapshot(tmp_path)
    run = bek("gate", "-c", "all", "--no-cache", *outputs, cwd=root, env=env)
    assert run.exit_code == 1, run.stderr
    assert changes(before, snapshot(tmp_path)) == reports

    before = snapshot(tmp_path)
    run = bek("gate", "-c", "all", *outputs, cwd=root, env=env)
    assert run.exit_code == 1, run.stderr
    changed = changes(before, snapshot(tmp_path))
    cache = {path for path in changed if Path(path).is_relative_to(root / ".bek_cache")}
    assert cache and changed - cache == reports - {str(root / "out")}  # rewritten in place

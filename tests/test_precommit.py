"""The shipped pre-commit hooks (``.pre-commit-hooks.yaml``, SPEC 8), run by pre-commit itself.

The hooks are copied from the real manifest into a ``repo: local`` config
(``language: system``, so nothing is installed from the network) and run in
a throwaway git repository with the ``bek`` of this virtualenv on PATH.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import load_manifest

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / ".pre-commit-hooks.yaml"
# missing-timeout is medium, below the default --fail-on high.
CHECKLIST_ARGS = ["--checklist", "checklist-reliability-review", "--fail-on", "medium"]
# The manifest fields that decide what the hook runs and on which files.
COPIED_FIELDS = ("entry", "types", "require_serial", "pass_filenames", "always_run")

UNSAFE_CALL = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
SAFE_CALL = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n"


def manifest_hooks() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}


def environment(home: Path) -> dict[str, str]:
    """This virtualenv's ``bek`` first on PATH; pre-commit's store and git's configuration kept in ``home``."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PRE_COMMIT_HOME"] = str(home / "pre-commit-cache")
    # The user's git configuration (hooksPath, signing, templates) must not change what the test sees.
    (home / "gitconfig").write_text("", encoding="utf-8")
    env["GIT_CONFIG_GLOBAL"] = str(home / "gitconfig")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env.update(
        GIT_AUTHOR_NAME="bek tests",
        GIT_AUTHOR_EMAIL="tests@bek.invalid",
        GIT_COMMITTER_NAME="bek tests",
        GIT_COMMITTER_EMAIL="tests@bek.invalid",
    )
    for variable in ("PRE_COMMIT", "PRE_COMMIT_ALLOW_NO_CONFIG", "SKIP", "GIT_DIR", "GIT_INDEX_FILE"):
        env.pop(variable, None)
    return env


def run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: int = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def git(repo: Path, env: dict[str, str], *args: str) -> None:
    result = run(["git", *args], repo, env)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def git_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "service"
    repo.mkdir()
    env = environment(tmp_path)
    git(repo, env, "init", "--quiet")
    return repo, env


def local_config(hook_ids: list[str], args: list[str]) -> dict[str, Any]:
    """A ``repo: local`` config whose hooks are the manifest's, run from this virtualenv."""
    hooks = manifest_hooks()
    local = []
    for hook_id in hook_ids:
        shipped = hooks[hook_id]
        hook = {"id": hook_id, "name": shipped["name"], "language": "system", "args": args}
        hook.update({field: shipped[field] for field in COPIED_FIELDS if field in shipped})
        local.append(hook)
    return {"repos": [{"repo": "local", "hooks": local}]}


def test_manifest_is_valid_for_pre_commit() -> None:
    """pre-commit's own schema accepts the manifest, and each hook has the shape SPEC 8 asks for."""
    loaded = {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}
    assert set(loaded) == {"bek", "bek-project"}

    per_file = loaded["bek"]
    assert shlex.split(per_file["entry"]) == ["bek", "gate", "--no-project-rules"]
    assert per_file["language"] == "python"
    assert per_file["types"] == ["python"]
    assert per_file["require_serial"] is True
    assert per_file["pass_filenames"] is True
    assert per_file["always_run"] is False

    whole_repo = loaded["bek-project"]
    assert shlex.split(whole_repo["entry"]) == ["bek", "gate"]
    assert "--no-project-rules" not in whole_repo["entry"]
    assert whole_repo["language"] == "python"
    assert whole_repo["pass_filenames"] is False
    assert whole_repo["always_run"] is True


def test_hooks_fail_on_a_finding_then_pass_once_fixed(git_repo: tuple[Path, dict[str, str]]) -> None:
    repo, env = git_repo
    config = local_config(["bek", "bek-project"], CHECKLIST_ARGS)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo / ".gitignore").write_text(".bek_cache/\n", encoding="utf-8")
    (repo / "client.py").write_text(UNSAFE_CALL, encoding="utf-8")
    (repo / "README.txt").write_text("Read me: this is not Python.\n", encoding="utf-8")
    git(repo, env, "add", ".")

    failing = run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", "client.py", "README.txt"],
        repo,
        env,
    )
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    for hook_id in ("bek", "bek-project"):
        assert _hook_status(output, manifest_hooks()[hook_id]["name"]) == "Failed", output
    assert "client.py:5:12 missing-timeout `requests.get()` has no timeout" in output
    # README.txt reached neither hook (types: [python]; pass_filenames: false): bek would report
    # a file it was handed as unparsable Python.
    assert "parse-error" not in output

    # The installed git hook blocks the commit with the same finding.
    installed = run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    blocked = run(["git", "commit", "--quiet", "-m", "add client"], repo, env)
    assert blocked.returncode != 0
    assert "missing-timeout" in blocked.stdout + blocked.stderr

    (repo / "client.py").write_text(SAFE_CALL, encoding="utf-8")
    git(repo, env, "add", "client.py")
    passing = run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", "client.py"], repo, env
    )
    output = passing.stdout + passing.stderr
    assert passing.returncode == 0, output
    for hook_id in ("bek", "bek-project"):
        assert _hook_status(output, manifest_hooks()[hook_id]["name"]) == "Passed", output

    committed = run(["git", "commit", "--quiet", "-m", "add client"], repo, env)
    assert committed.returncode == 0, committed.stdout + committed.stderr


def test_per_file_hook_skips_when_no_python_file_changed(git_repo: tuple[Path, dict[str, str]]) -> None:
    """``types: [python]``: a commit without Python files does not run the per-file hook at all."""
    repo, env = git_repo
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(local_config(["bek"], CHECKLIST_ARGS)), encoding="utf-8"
    )
    (repo / "notes.md").write_text("requests.get(url)\n", encoding="utf-8")
    git(repo, env, "add", ".")
    result = run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", "notes.md"], repo, env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert _hook_status(output, manifest_hooks()["bek"]["name"]) == "Skipped", output
    assert "(no files to check)" in output


def _hook_status(output: str, name: str) -> str | None:
    """``Passed``/``Failed``/``Skipped`` from pre-commit's ``name.....Status`` line for hook ``name``."""
    for line in output.splitlines():
        if line.startswith(name):
            for status in ("Passed", "Failed", "Skipped"):
                if line.rstrip().endswith(status):
                    return status
    return None


# -- results do not depend on how the file list is split ----------------------

SPLIT_FILES = {
    "api/client.py": (
        "import requests\n"
        "from requests import post as send\n\n\n"
        "def fetch(url):\n"
        "    return requests.get(url)\n\n\n"
        "def push(url, body):\n"
        "    send(url, json=body)\n"
        "    send(url, json=body)  # bek: ignore[missing-timeout]\n"
        "    return requests.get(url)\n"
    ),
    "api/reports.py": (
        "import logging\n\n"
        "log = logging.getLogger(__name__)\n\n\n"
        "def report(cursor, name, password):\n"
        "    cursor.execute(f\"SELECT * FROM reports WHERE name = '{name}'\")\n"
        '    log.info("login with %s", password)\n'
    ),
    "app.py": (
        "from flask import Flask\n\n"
        "app = Flask(__name__)\n\n\n"
        '@app.route("/orders")\n'
        "def orders():\n"
        "    return []\n"
    ),
    "broken.py": "def handler(request:\n    return request\n",
    "clean.py": "def add(a, b):\n    return a + b\n",
}


def _gate_findings(
    repo: Path, env: dict[str, str], entry: list[str], files: list[str]
) -> tuple[int, list[dict[str, Any]]]:
    # --no-cache: every run computes its own results instead of reading an earlier run's.
    command = [*entry, "--checklist", "all", "--fail-on", "low", "--format", "json", "--no-cache", *files]
    result = run(command, repo, env)
    assert result.returncode in (0, 1), result.stderr
    # Whole findings are compared: location, message, fingerprint, suppression, gating.
    return result.returncode, json.loads(result.stdout)["findings"]


def test_per_file_hook_results_do_not_depend_on_the_split(git_repo: tuple[Path, dict[str, str]]) -> None:
    repo, env = git_repo
    for relpath, source in SPLIT_FILES.items():
        (repo / relpath).parent.mkdir(parents=True, exist_ok=True)
        (repo / relpath).write_text(source, encoding="utf-8")
    git(repo, env, "add", ".")
    entry = shlex.split(manifest_hooks()["bek"]["entry"])
    files = sorted(SPLIT_FILES)

    whole_code, whole = _gate_findings(repo, env, entry, files)
    # What pre-commit's xargs does when the list is too long for one command line,
    # down to one file per run, in another order.
    splits = [
        [files[:2], files[2:]],
        [[name] for name in reversed(files)],
    ]
    for split in splits:
        codes, merged = [], []
        for part in split:
            code, findings = _gate_findings(repo, env, entry, part)
            codes.append(code)
            merged += findings
        ordered = sorted(merged, key=lambda finding: (finding["path"], json.dumps(finding, sort_keys=True)))
        expected = sorted(whole, key=lambda finding: (finding["path"], json.dumps(finding, sort_keys=True)))
        assert ordered == expected, split
        assert max(codes) == whole_code

    rules_found = {finding["ruleId"] for finding in whole}
    # The case is not vacuous: findings in several files, one suppressed, and a parse error.
    assert {"missing-timeout", "parse-error"} <= rules_found
    assert len({finding["path"] for finding in whole}) >= 3
    assert any(finding["suppressed"] for finding in whole)
    assert whole_code == 1


# -- the hooks installed the way users get them (needs the network) ----------

# What the wheel build and the hook need from the checkout: a clean copy, so that
# try-repo sees the working tree as it is now, committed or not.
_CHECKOUT_PARTS = (
    "pyproject.toml",
    "README.md",
    ".pre-commit-hooks.yaml",
    "bek_gate",
    "rules",
    "checklists",
    "patterns",
)


def test_try_repo_installs_and_runs_the_hook(git_repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """``pre-commit try-repo``: pre-commit builds its own virtualenv from the hooks repository."""
    if os.environ.get("BEK_SKIP_NETWORK_TESTS"):
        pytest.skip("BEK_SKIP_NETWORK_TESTS is set")
    repo, env = git_repo
    hooks_repo = tmp_path / "bek-checkout"
    hooks_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in _CHECKOUT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, hooks_repo / part, ignore=ignore)
        else:
            shutil.copy2(source, hooks_repo / part)
    git(hooks_repo, env, "init", "--quiet")
    git(hooks_repo, env, "add", ".")
    git(hooks_repo, env, "commit", "--quiet", "-m", "checkout")

    (repo / "client.py").write_text(UNSAFE_CALL, encoding="utf-8")
    git(repo, env, "add", ".")
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo), "bek", "--color", "never"]
    command += ["--files", "client.py"]
    # try-repo passes no args, so the checklist comes from the project's configuration.
    (repo / "pyproject.toml").write_text(
        '[tool.bek]\nchecklists = ["checklist-reliability-review"]\nfail-on = "medium"\n', encoding="utf-8"
    )
    try:
        result = run(command, repo, env, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.skip("installing the hook took too long (slow or no network)")
    output = result.stdout + result.stderr
    if result.returncode == 3 or "An unexpected error has occurred" in output:
        pytest.skip("pre-commit could not install the hook (no network?): " + output.strip().splitlines()[-1])
    assert result.returncode == 1, output
    assert "client.py:5:12 missing-timeout" in output

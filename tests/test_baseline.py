"""Adopting the gate on a legacy repository: baselines, diff mode, unused suppressions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bek_gate.baseline import _parse_diff
from tests.e2e.conftest import bek

LEGACY = """import requests


def fetch(url):
    return requests.get(url)
"""


def _project(tmp_path: Path, code: str = LEGACY) -> Path:
    project = tmp_path / "legacy"
    project.mkdir()
    (project / "client.py").write_text(code, encoding="utf-8")
    (project / "bek.toml").write_text('checklists = ["checklist-reliability-review"]\nfail-on = "medium"\n')
    return project


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


def test_baselined_findings_do_not_gate_but_new_ones_do(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert bek("gate", "--no-cache", cwd=project).exit_code == 1
    written = bek("baseline", "-o", ".bek-baseline.json", "--no-cache", cwd=project)
    assert written.exit_code == 0, written.stderr
    document = json.loads((project / ".bek-baseline.json").read_text())
    assert document["format"] == 1 and [entry["rule"] for entry in document["findings"]] == [
        "missing-timeout"
    ]

    passed = bek("gate", "--baseline", ".bek-baseline.json", "--format", "json", "--no-cache", cwd=project)
    assert passed.exit_code == 0, passed.stdout
    assert [finding["baselineState"] for finding in passed.json()["findings"]] == ["baseline"]

    # Unrelated lines above, and the function moved: still baselined.
    moved = (
        "import requests\nimport os\n\nTIMEOUT = 5\n\n\ndef other():\n    return os.getcwd()\n\n\n"
        + LEGACY.split("\n", 2)[2]
    )
    (project / "client.py").write_text(moved, encoding="utf-8")
    assert bek("gate", "--baseline", ".bek-baseline.json", "--no-cache", cwd=project).exit_code == 0

    # A second identical finding in the same file is new.
    (project / "client.py").write_text(moved + "\n\ndef fetch_again(url):\n    return requests.get(url)\n")
    run = bek("gate", "--baseline", ".bek-baseline.json", "--format", "sarif", "--no-cache", cwd=project)
    assert run.exit_code == 1
    states = sorted(result["baselineState"] for result in json.loads(run.stdout)["runs"][0]["results"])
    assert states == ["new", "unchanged"]


def test_the_baseline_path_from_config(tmp_path: Path) -> None:
    project = _project(tmp_path)
    bek("baseline", "-o", "ci/baseline.json", "--no-cache", cwd=project)
    config = project / "bek.toml"
    config.write_text(config.read_text() + 'baseline = "ci/baseline.json"\n')
    assert bek("gate", "--no-cache", cwd=project).exit_code == 0


def test_a_missing_or_broken_baseline_is_exit_2(tmp_path: Path) -> None:
    project = _project(tmp_path)
    missing = bek("gate", "--baseline", "nope.json", cwd=project)
    assert missing.exit_code == 2 and "nope.json: baseline file does not exist" in missing.stderr
    (project / "bad.json").write_text("{")
    broken = bek("gate", "--baseline", "bad.json", cwd=project)
    assert broken.exit_code == 2 and "bad.json: baseline is not valid JSON" in broken.stderr


def test_diff_mode_gates_only_changed_lines(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _git(project, "init", "-q", "-b", "main")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "add", ".")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "legacy")
    _git(project, "checkout", "-q", "-b", "feature")
    assert bek("gate", "--diff-base", "main", "--no-cache", cwd=project).exit_code == 0

    (project / "client.py").write_text(LEGACY + "\n\ndef post(url):\n    return requests.post(url)\n")
    (project / "new_module.py").write_text("import requests\nrequests.delete('https://x')\n")
    run = bek("gate", "--diff-base", "main", "--format", "json", "--no-cache", cwd=project)
    assert run.exit_code == 1
    states = {(f["path"], f["location"]["line"]): f["baselineState"] for f in run.json()["findings"]}
    assert states == {("client.py", 5): "baseline", ("client.py", 9): "new", ("new_module.py", 2): "new"}


def test_diff_mode_errors_are_exit_2(tmp_path: Path) -> None:
    project = _project(tmp_path)
    outside = bek("gate", "--diff-base", "main", cwd=project)
    assert outside.exit_code == 2 and "needs a git repository" in outside.stderr
    _git(project, "init", "-q", "-b", "main")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "add", ".")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x")
    unknown = bek("gate", "--diff-base", "origin/nowhere", cwd=project)
    assert unknown.exit_code == 2 and "unknown git ref 'origin/nowhere'" in unknown.stderr


def test_diff_parsing_handles_new_deleted_and_modified_files() -> None:
    diff = (
        "diff --git a/a.py b/a.py\nindex 1..2 100644\n--- a/a.py\n+++ b/a.py\n@@ -3,0 +4,2 @@\n+x\n+y\n"
        "@@ -10 +12 @@\n-z\n+w\n"
        "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+q\n"
        "diff --git a/d.py b/d.py\ndeleted file mode 100644\n--- a/d.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-r\n"
    )
    assert _parse_diff(diff) == {"a.py": {4, 5, 12}, "n.py": None}


def test_unused_ignores_are_reported_on_request(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "import requests\n\n\ndef fetch(url):\n"
        "    requests.get(url)  # bek: ignore[missing-timeout]\n"
        "    requests.get(url, timeout=3)  # bek: ignore[missing-timeout]\n"
        "    return 1  # bek: ignore[sql-injection]\n",
    )
    quiet = bek("gate", "--format", "json", "--no-cache", cwd=project)
    assert not [n for n in quiet.json()["notices"] if n["kind"] == "unused-ignore"]
    loud = bek("gate", "--format", "json", "--no-cache", "--report-unused-ignores", cwd=project)
    unused = [(n["line"], n["message"]) for n in loud.json()["notices"] if n["kind"] == "unused-ignore"]
    # Line 7 names a rule the reliability checklist does not run: it may be needed elsewhere.
    assert unused == [(6, "'# bek: ignore[missing-timeout]' suppresses nothing")]

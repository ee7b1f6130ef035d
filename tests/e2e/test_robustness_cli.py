"""The gate completes on files it cannot parse, and isolates a crashing rule (exit 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import FIXTURES
from tests.e2e.conftest import bek

BROKEN = FIXTURES / "broken-inputs"

CRASHING_RULE = '''
"""A team rule that crashes (to test crash isolation)."""

import libcst as cst

from bek_gate.rules import Rule


class Explodes(Rule):
    """Raises on every function definition."""

    id = "explodes"
    title = "Explodes"
    severity = "high"
    fix = "n/a"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        raise RuntimeError("this rule is broken")
'''

TEAM_CHECKLIST = """
id: checklist-team
title: Team checks
scope: team
description: A team checklist with a broken rule and a built-in one.
items:
  - id: team-01
    title: The broken rule
    why: To see that a crash is reported.
    pattern: rel-timeouts
    rules: [explodes]
  - id: team-02
    title: Outbound calls have timeouts
    why: They hang otherwise.
    pattern: rel-timeouts
    rules: [missing-timeout]
"""


def test_unparsable_files_are_reported_and_the_rest_is_checked(tmp_path: Path) -> None:
    target = tmp_path / "broken"
    shutil.copytree(BROKEN, target)
    run = bek("gate", "-c", "all", "--format", "json", "--no-cache", target, cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    findings = {(f["path"], f["ruleId"]) for f in run.json()["findings"]}
    assert findings == {
        ("broken/syntax_error.py", "parse-error"),
        ("broken/latin1_no_cookie.py", "parse-error"),
        ("broken/binary.py", "parse-error"),
        ("broken/ok.py", "missing-timeout"),
    }


def _team_project(tmp_path: Path, code: str) -> Path:
    project = tmp_path / "project"
    (project / "ci" / "rules").mkdir(parents=True)
    (project / "ci" / "checklists").mkdir()
    (project / "ci" / "rules" / "explodes.py").write_text(CRASHING_RULE)
    (project / "ci" / "checklists" / "team.yaml").write_text(TEAM_CHECKLIST)
    (project / "bek.toml").write_text(
        'rule-dirs = ["ci/rules"]\nchecklists-dir = "ci/checklists"\nchecklists = ["checklist-team"]\n'
        'fail-on = "medium"\nexclude = ["ci"]\n'
    )
    (project / "app.py").write_text(code)
    return project


def test_a_crashing_rule_is_reported_and_exits_3(tmp_path: Path) -> None:
    project = _team_project(tmp_path, "def handler():\n    return 1\n")
    run = bek("gate", "--format", "json", "--no-cache", cwd=project)
    assert run.exit_code == 3, run.stderr
    assert "bek: internal error: app.py: rule 'explodes' crashed" in run.stderr
    report = run.json()
    statuses = {item["id"]: item["status"] for item in report["checklists"][0]["items"]}
    assert statuses == {"team-01": "error", "team-02": "passed"}


def test_a_crash_does_not_hide_other_findings_and_a_failed_gate_exits_1(tmp_path: Path) -> None:
    project = _team_project(
        tmp_path, "import requests\n\ndef handler():\n    return requests.get('https://x')\n"
    )
    run = bek("gate", "--format", "json", "--no-cache", cwd=project)
    assert run.exit_code == 1
    assert [f["ruleId"] for f in run.json()["findings"]] == ["missing-timeout"]
    assert "rule 'explodes' crashed" in run.stderr


def test_doctor_reports_and_exits_by_its_checks(tmp_path: Path) -> None:
    run = bek("doctor", "--json", cwd=tmp_path)
    assert run.exit_code == 0, run.stdout
    checks = {check["name"]: check["status"] for check in run.json()["checks"]}
    assert checks["python"] == "ok" and checks["libcst"] == "ok" and checks["config"] == "ok"
    assert checks["checklists"] == "warn"  # items whose rules are not implemented yet
    (tmp_path / "bek.toml").write_text('fail-on = "sometimes"\n')
    broken = bek("doctor", cwd=tmp_path)
    assert broken.exit_code == 1
    assert "✗ config" in broken.stdout and "fail-on" in broken.stdout
    assert not (tmp_path / ".bek_cache").exists()  # doctor checks, it does not create

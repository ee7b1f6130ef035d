"""A broken team rule costs its own findings on the files it broke on, nothing else.

Extends ``tests/e2e/test_robustness_cli.py`` (a rule raising in every ``visit_FunctionDef``):
here a rule breaks in ``visit``, in ``leave``, in its constructor, by calling ``sys.exit()``,
by killing its worker process, and in a project rule's ``decide()``; each is an internal error
naming the rule and the file (or a ``parse-error`` for the file whose worker died), the other
rules and the other files still report, every report carries it, and the exit code is 3 when
the gate would otherwise pass.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.robustness.conftest import CLEAN_NEIGHBOUR, Run, bek, rule_module, team_project

# Low severity, so that its own findings do not fail the gate: exit 3 then says "crashed".
FRAGILE = rule_module(
    "fragile",
    """
    def visit_Call(self, node: cst.Call) -> None:
        name = node.func.value if isinstance(node.func, cst.Name) else ""
        if name == "explode":
            raise RuntimeError("fragile is broken")
        if name == "leave_now":
            sys.exit(0)
        if name == "die":
            os._exit(1)
        if name == "flag":
            self.report(node, "fragile found `flag()`")

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "explode_on_leave":
            raise KeyError(node.name.value)
    """,
    imports="import os\nimport sys\n",
).replace('severity = "high"', 'severity = "low"')

BRITTLE = rule_module(
    "brittle",
    """
    def __init__(self, context: object, options: dict) -> None:
        super().__init__(context, options)
        if self.context.path.endswith("init.py"):
            raise ValueError("brittle cannot start here")

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "flag":
            self.report(node, "brittle found `flag()`")
    """,
).replace('severity = "high"', 'severity = "low"')

FILES = {
    "a_visit.py": "explode()\nflag()\n" + CLEAN_NEIGHBOUR,
    "b_exit.py": "leave_now()\n" + CLEAN_NEIGHBOUR,
    "c_leave.py": "def explode_on_leave():\n    flag()\n",
    "d_init.py": "flag()\n" + CLEAN_NEIGHBOUR,
    "e_fine.py": "flag()\n" + CLEAN_NEIGHBOUR,
}


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run, Run]:
    """One run writing every report, and the same project's GitHub annotations."""
    project = team_project(
        tmp_path_factory.mktemp("crashes") / "project", {"fragile": FRAGILE, "brittle": BRITTLE}, FILES
    )
    outputs = ["--json-output", "out/report.json", "--sarif-output", "out/report.sarif"]
    outputs += ["--junit-output", "out/report.xml", "--summary-output", "out/summary.md"]
    text = bek("gate", "--no-cache", *outputs, cwd=project)
    github = bek("gate", "--no-cache", "--format", "github", cwd=project)
    return project, text, github


def _report(project: Path) -> dict:
    return json.loads((project / "out" / "report.json").read_text())


def test_each_crash_is_an_internal_error_naming_rule_file_and_place(crashed: tuple[Path, Run, Run]) -> None:
    project, text, _ = crashed
    assert text.exit_code == 3, text.stderr
    errors = {(notice["path"], notice["ruleId"]): notice["message"] for notice in _report(project)["notices"]}
    assert set(errors) == {
        ("a_visit.py", "fragile"),
        ("b_exit.py", "fragile"),
        ("c_leave.py", "fragile"),
        ("d_init.py", "brittle"),
    }
    rules = project / "ci" / "rules"
    assert (
        "RuntimeError: fragile is broken, at " + str(rules / "fragile.py") in errors["a_visit.py", "fragile"]
    )
    assert "SystemExit: 0, at " in errors["b_exit.py", "fragile"]
    assert "KeyError: 'explode_on_leave', at " in errors["c_leave.py", "fragile"]
    assert (
        "ValueError: brittle cannot start here, at " + str(rules / "brittle.py")
        in errors["d_init.py", "brittle"]
    )
    assert all(message.startswith("rule '") for message in errors.values())


def test_every_other_rule_and_file_still_reports(crashed: tuple[Path, Run, Run]) -> None:
    project, _, _ = crashed
    found = {(finding["path"], finding["ruleId"]) for finding in _report(project)["findings"]}
    timeouts = {(name, "missing-timeout") for name in FILES if name != "c_leave.py"}
    # fragile stopped on the files it crashed on (from the crash on), brittle on d_init.py only.
    own = {
        ("a_visit.py", "brittle"),
        ("c_leave.py", "fragile"),  # reported before its leave handler crashed
        ("c_leave.py", "brittle"),
        ("d_init.py", "fragile"),
        ("e_fine.py", "fragile"),
        ("e_fine.py", "brittle"),
    }
    assert found == timeouts | own


def test_the_items_of_crashed_rules_do_not_pass(crashed: tuple[Path, Run, Run]) -> None:
    project, _, _ = crashed
    [checklist] = _report(project)["checklists"]
    statuses = {item["rules"][0]: item["status"] for item in checklist["items"]}
    # "error" even though both rules have (low) findings elsewhere: the files they crashed on were not checked.
    assert statuses == {
        "fragile": "error",
        "brittle": "error",
        "missing-timeout": "warning",
        "sql-injection": "passed",
    }
    verdict = _report(project)["verdict"]
    assert (verdict["status"], verdict["exitCode"], verdict["internalErrors"]) == ("error", 3, 4)


def test_every_report_carries_the_crashes(crashed: tuple[Path, Run, Run]) -> None:
    project, text, github = crashed
    assert "Internal errors" in text.stdout and "a_visit.py: [fragile] rule 'fragile' crashed" in text.stdout
    sarif = json.loads((project / "out" / "report.sarif").read_text())
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 3
    crashes = [
        n for n in invocation["toolExecutionNotifications"] if n["descriptor"]["id"] == "internal-error"
    ]
    assert sorted(n["associatedRule"]["id"] for n in crashes) == ["brittle", "fragile", "fragile", "fragile"]
    assert all(n["level"] == "error" for n in crashes)
    junit = ElementTree.parse(project / "out" / "report.xml").getroot()
    [bek_suite] = [suite for suite in junit.iter("testsuite") if suite.get("name") == "bek"]
    errors = [case.get("name") for case in bek_suite.iter("testcase") if case.find("error") is not None]
    assert len(errors) == 4 and all("fragile" in name or "brittle" in name for name in errors), errors
    summary = (project / "out" / "summary.md").read_text()
    internal = summary.split("### Internal errors", 1)[1].split("\n\n", 2)[1]
    assert len(internal.splitlines()) == 4 and "a_visit.py" in internal and "d_init.py" in internal
    assert github.exit_code == 3
    # Internal errors go to stderr too whatever the format (the text report has its own section).
    assert "bek: internal error: a_visit.py: rule 'fragile' crashed on this file" in github.stderr
    annotations = [line for line in github.stdout.splitlines() if line.startswith("::error file=")]
    assert any(line.startswith("::error file=a_visit.py,") and "fragile" in line for line in annotations)


def test_a_rule_that_kills_its_worker_costs_that_file_only(tmp_path: Path) -> None:
    """A native crash (or ``os._exit``) in a rule ends the worker process: the quarantine finds
    the file, reports it as not checked, and checks the rest one by one."""
    files = {f"file_{index}.py": CLEAN_NEIGHBOUR for index in range(6)}
    files["file_3.py"] = "die()\n" + CLEAN_NEIGHBOUR
    project = team_project(tmp_path / "project", {"fragile": FRAGILE}, files)
    run = bek("gate", "--no-cache", "--format", "json", cwd=project)
    assert run.exit_code == 1, run.stderr  # the parse-error (high) fails the gate
    found = run.findings()
    assert found == {("file_3.py", "parse-error")} | {
        (name, "missing-timeout") for name in files if name != "file_3.py"
    }


def test_a_malformed_report_is_the_rule_s_crash(tmp_path: Path) -> None:
    """``report()`` checks its arguments, so a bad call is charged to the rule that made it."""
    unsortable = rule_module(
        "unsortable",
        """
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == "twice":
                self.report(node, None)
        """,
    )
    files = {"a.py": CLEAN_NEIGHBOUR, "b.py": "twice()\n" + CLEAN_NEIGHBOUR, "c.py": CLEAN_NEIGHBOUR}
    project = team_project(tmp_path / "project", {"unsortable": unsortable}, files)
    run = bek("gate", "--no-cache", "--format", "json", cwd=project)
    assert run.exit_code == 3, run.stderr
    [notice] = run.notices("internal-error")
    assert notice["path"] == "b.py" and "rule 'unsortable' crashed" in notice["message"]
    assert "report() takes a libcst node and a message string" in notice["message"]
    assert run.findings() == {
        ("a.py", "missing-timeout"),
        ("b.py", "missing-timeout"),
        ("c.py", "missing-timeout"),
    }


def test_an_engine_failure_on_one_file_costs_that_file_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the rules' own code, whatever fails on one file is an internal error for that file alone."""
    from bek_gate.engine import runner

    class Broken:
        def check_source(self, relpath: str, data: bytes) -> None:
            raise ValueError("engine bug")

    monkeypatch.setattr(runner, "_worker_analyzer", Broken())
    monkeypatch.setattr(runner, "_worker_budget", None)
    result = runner._check_guarded("b.py", b"x = 1\n")
    [notice] = result.notices
    assert (notice.kind, notice.path) == ("internal-error", "b.py")
    assert "bek failed on this file (ValueError: engine bug" in notice.message and not result.findings


PROJECT_RULE = '''\
"""A team project rule whose decide() breaks."""

import sys

import libcst as cst

from bek_gate.rules import ProjectRule


class Inventory(ProjectRule):
    """Collects function names; breaks when it decides."""

    id = "inventory"
    title = "Inventory"
    severity = "low"
    fix = "Nothing to fix: this rule is a test double."

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.collect("function", {"name": node.name.value}, node)

    @classmethod
    def decide(cls, facts, options):
        if len(facts) > 1:
            sys.exit(0)
        raise LookupError(f"cannot decide on {len(facts)} facts")
'''


@pytest.mark.parametrize(
    ("functions", "error"), [(0, "LookupError: cannot decide on 1 facts"), (1, "SystemExit: 0")]
)
def test_a_project_rule_that_breaks_in_decide_is_an_internal_error(
    tmp_path: Path, functions: int, error: str
) -> None:
    code = "".join(f"def handler_{index}():\n    pass\n\n\n" for index in range(functions))
    project = team_project(
        tmp_path / "project", {"inventory": PROJECT_RULE}, {"app.py": code, "client.py": CLEAN_NEIGHBOUR}
    )
    run = bek("gate", "--no-cache", "--format", "json", cwd=project)
    assert run.exit_code == 3, run.stderr
    [notice] = run.notices("internal-error")
    assert (
        notice["ruleId"] == "inventory"
        and "project rule 'inventory' crashed in decide()" in notice["message"]
    )
    assert error in notice["message"]
    assert run.findings() == {("client.py", "missing-timeout")}


def test_ctrl_c_is_exit_130_not_a_failed_gate(tmp_path: Path) -> None:
    sleeper = rule_module(
        "sleeper",
        """
        def visit_Module(self, node: cst.Module) -> None:
            time.sleep(60)
        """,
        imports="import time\n",
    )
    project = team_project(tmp_path / "project", {"sleeper": sleeper}, {"a.py": "x = 1\n"})
    process = subprocess.Popen(
        [sys.executable, "-I", "-m", "bek_gate", "gate", "--no-cache"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(3)
    # Ctrl-C in a terminal interrupts the whole process group: bek and its workers.
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "bek: interrupted" in stderr and "Traceback" not in stderr

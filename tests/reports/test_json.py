"""The JSON report: pure JSON, valid against our schema, with everything the gate decided."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bek_gate.reports import json_report
from bek_gate.resources import schema_path
from bek_gate.verdict import GateResult
from tests.reports import factory

SCHEMA = json.loads(schema_path("report.schema.json").read_text(encoding="utf-8"))


def _report(result: GateResult) -> dict[str, Any]:
    rendered = json_report.render(result)
    data = json.loads(rendered)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)
    return data


def test_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "make",
    [
        factory.rich_result,
        factory.clean_result,
        factory.hostile_result,
        factory.crash_only_result,
        factory.undecodable_path_result,
    ],
)
def test_every_kind_of_result_is_valid(tmp_path: Path, make: Any) -> None:
    _report(make(tmp_path))


def test_schema_rejects_what_the_report_must_not_contain(rich: GateResult) -> None:
    data = _report(rich)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    broken = json.loads(json.dumps(data))
    broken["findings"][0]["severity"] = "blocker"
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(data))
    del broken["findings"][0]["fingerprint"]
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(data))
    broken["verdict"]["surprise"] = True
    assert not validator.is_valid(broken)


def test_top_level_keys_in_a_stable_order(rich: GateResult) -> None:
    assert list(_report(rich)) == [
        "reportVersion",
        "tool",
        "root",
        "configPath",
        "filesChecked",
        "testFiles",
        "belowConfidence",
        "verdict",
        "checklists",
        "findings",
        "notices",
        "rules",
        "extras",
    ]


def test_verdict(rich: GateResult, clean: GateResult, tmp_path: Path) -> None:
    verdict = _report(rich)["verdict"]
    assert verdict["status"] == "failed" and verdict["passed"] is False and verdict["exitCode"] == 1
    assert verdict["failOn"] == "high" and verdict["gating"] == 2
    assert verdict["counts"] == {"critical": 0, "high": 3, "medium": 1, "low": 0}
    assert (verdict["baseline"], verdict["suppressed"], verdict["internalErrors"]) == (1, 1, 1)
    assert _report(clean)["verdict"]["status"] == "passed"
    assert _report(clean)["verdict"]["exitCode"] == 0
    crashed = _report(factory.crash_only_result(tmp_path / "crash"))["verdict"]
    assert (crashed["status"], crashed["passed"], crashed["exitCode"]) == ("error", True, 3)


def test_findings_carry_every_field(rich: GateResult) -> None:
    findings = {finding["path"]: finding for finding in _report(rich)["findings"]}
    assert list(findings) == ["app/client.py", "app/db.py", "app/legacy.py", "app/quiet.py", "broken.py"]
    database = findings["app/db.py"]
    source = next(finding for finding in rich.findings if finding.path == "app/db.py")
    assert database == {
        "ruleId": "fake-sql",
        "severity": "high",
        "confidence": "high",
        "message": "cursor.execute() receives a query built with an f-string",
        "path": "app/db.py",
        "location": {"line": 6, "column": 5, "endLine": 6, "endColumn": 64},
        "snippet": '    cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")',
        "fix": "Pass the values as query parameters.",
        "pattern": "sec-input-validation",
        "cwe": 89,
        "checklistItems": ["sec-01", "api-01"],
        "fingerprint": source.fingerprint,
        "suppressed": False,
        "suppression": None,
        "baselineState": "new",
        "gating": True,
    }
    assert findings["app/quiet.py"]["suppression"] == {
        "kind": "inSource",
        "comment": "# bek: ignore[fake-sql]",
    }
    assert findings["app/quiet.py"]["gating"] is False
    assert findings["app/legacy.py"]["baselineState"] == "baseline"
    assert findings["app/legacy.py"]["gating"] is False
    assert findings["app/client.py"]["pattern"] is None and findings["app/client.py"]["cwe"] is None
    assert findings["broken.py"]["ruleId"] == "parse-error" and findings["broken.py"]["checklistItems"] == []


def test_checklists_with_item_outcomes(rich: GateResult) -> None:
    checklists = _report(rich)["checklists"]
    assert [checklist["id"] for checklist in checklists] == [
        "checklist-security-review",
        "checklist-api-review",
    ]
    security = checklists[0]
    assert security["counts"] == {
        "passed": 1,
        "failed": 1,
        "warning": 1,
        "error": 0,
        "not-automated": 1,
        "disabled": 1,
        "attested": 0,
        "unattested": 1,
        "not-applicable": 0,
    }
    items = {item["id"]: item for item in security["items"]}
    fingerprints = {finding.path: finding.fingerprint for finding in rich.findings}
    assert items["sec-01"]["status"] == "failed"
    assert items["sec-01"]["findings"] == [fingerprints["app/db.py"], fingerprints["app/legacy.py"]]
    assert items["sec-01"]["suppressed"] == 1 and items["sec-01"]["reason"] is None
    assert items["sec-04"]["missingRules"] == ["secret-in-log"]
    assert items["sec-04"]["reason"] == "not automated yet (rule not implemented: secret-in-log)"
    assert items["sec-05"]["attestation"]["state"] == "unattested" and items["sec-05"]["manual"] is True
    assert items["sec-01"]["attestation"] is None


def test_notices_and_rules(rich: GateResult) -> None:
    data = _report(rich)
    kinds = [(notice["kind"], notice["path"], notice["ruleId"]) for notice in data["notices"]]
    assert kinds == [("internal-error", "app/crash.py", "fake-crash"), ("skipped", "big/data.py", None)]
    rules = {rule["id"]: rule for rule in data["rules"]}
    assert list(rules) == ["fake-crash", "fake-sql", "fake-timeout", "parse-error"]
    assert rules["fake-sql"]["tags"] == ["security", "external/cwe/cwe-89", "injection"]
    assert rules["parse-error"]["summary"] == "A file could not be decoded or parsed, so no rule checked it."
    # What a rule shows by default, so a reader of a --min-confidence low report can tell them apart.
    assert (rules["fake-sql"]["defaultMinConfidence"], rules["fake-timeout"]["defaultMinConfidence"]) == (
        "medium",
        "low",
    )


def test_effective_severity_is_reported_next_to_the_default(rich: GateResult) -> None:
    rich.severities["fake-timeout"] = "critical"
    rule = next(rule for rule in _report(rich)["rules"] if rule["id"] == "fake-timeout")
    assert (rule["severity"], rule["defaultSeverity"]) == ("critical", "medium")


def test_extras_are_kept_and_sorted(clean: GateResult) -> None:
    clean.extras.update({"zeta": Path("x/y"), "alpha": 1})
    data = _report(clean)
    assert list(data["extras"]) == ["alpha", "zeta"]
    assert data["extras"]["zeta"] == "x/y"


def test_attestations_are_reported(tmp_path: Path) -> None:
    result = factory.build(
        tmp_path, [], attestations={"sec-05": factory.attestation("sec-05", expires="2027-01-01")}
    )
    sec05 = next(item for item in _report(result)["checklists"][0]["items"] if item["id"] == "sec-05")
    assert sec05["status"] == "attested"
    assert sec05["attestation"] == {
        "state": "attested",
        "text": "attested by ana on 2025-01-10, expires 2027-01-01",
        "by": "ana",
        "date": "2025-01-10",
        "expires": "2027-01-01",
        "evidence": "https://wiki.example.com/pentest",
    }


def test_hostile_strings_round_trip_exactly(hostile: GateResult) -> None:
    rendered = json_report.render(hostile)
    assert rendered.isascii(), "non-ASCII is escaped, so the output is safe in any encoding"
    finding = json.loads(rendered)["findings"][0]
    assert finding["path"] == factory.HOSTILE_PATH
    assert finding["message"] == factory.HOSTILE_MESSAGE


def test_undecodable_file_names_survive(tmp_path: Path) -> None:
    data = json.loads(json_report.render(factory.undecodable_path_result(tmp_path)))
    assert data["findings"][0]["path"] == factory.UNDECODABLE_PATH
    assert data["notices"][0]["path"] == factory.UNDECODABLE_PATH

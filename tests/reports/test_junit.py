"""JUnit XML: a suite per checklist, a case per item, parsed by junitparser and by ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase

from bek_gate.reports import junit
from bek_gate.verdict import GateResult
from tests.reports import factory


def _cases(result: GateResult) -> dict[str, TestCase]:
    xml = JUnitXml.fromstring(junit.render(result))
    return {f"{case.classname}/{case.name}": case for suite in xml for case in suite}


def _tree(result: GateResult) -> ElementTree.Element:
    return ElementTree.fromstring(junit.render(result).encode("utf-8"))


def test_one_suite_per_checklist_and_one_case_per_item(rich: GateResult) -> None:
    xml = JUnitXml.fromstring(junit.render(rich))
    suites = list(xml)
    assert [suite.name for suite in suites] == ["checklist-security-review", "checklist-api-review", "bek"]
    security = suites[0]
    assert [case.name for case in security] == [
        "sec-01 Parameterise SQL queries",
        "sec-02 Outbound calls have timeouts",
        "sec-03 Rules that crash are reported",
        "sec-04 Secrets are not logged",
        "sec-05 Penetration test done this year",
        "sec-06 Old check, disabled",
    ]
    assert {case.classname for case in security} == {"checklist-security-review"}
    assert (security.tests, security.failures, security.skipped) == (6, 1, 3)


def test_failed_item_has_one_combined_failure_with_every_finding(rich: GateResult) -> None:
    case = _cases(rich)["checklist-security-review/sec-01 Parameterise SQL queries"]
    (failure,) = case.result
    assert isinstance(failure, Failure)
    assert failure.type == "high"
    assert failure.message == (
        "1 new finding at or above high; first: app/db.py:6:5 fake-sql "
        "cursor.execute() receives a query built with an f-string"
    )
    body = failure.text
    assert "app/db.py:6:5 fake-sql cursor.execute() receives a query built with an f-string [high]" in body
    assert "app/legacy.py:2:5 fake-sql" in body and "(in the baseline: does not gate)" in body
    assert "fix: Pass the values as query parameters." in body
    assert "see: bek show sec-input-validation" in body
    assert "1 finding suppressed" in case.system_out


def test_file_and_line_come_from_the_first_finding(rich: GateResult) -> None:
    tree = _tree(rich)
    case = tree.find(".//testcase[@name='sec-01 Parameterise SQL queries']")
    assert case is not None
    assert (case.get("file"), case.get("line")) == ("app/db.py", "6")
    passed = tree.find(".//testcase[@name='sec-03 Rules that crash are reported']")
    assert passed is not None and passed.get("file") is None and len(passed) == 0


def test_warning_items_pass_with_their_findings_in_system_out(rich: GateResult) -> None:
    case = _cases(rich)["checklist-security-review/sec-02 Outbound calls have timeouts"]
    assert case.is_passed and not case.result
    assert "app/client.py:5:12 fake-timeout requests.get() has no timeout [medium]" in case.system_out
    assert "see:" not in case.system_out, "a finding without a pattern has no pointer"


def test_skipped_items_say_why(rich: GateResult) -> None:
    cases = _cases(rich)

    def skipped(key: str) -> Skipped:
        (result,) = cases[key].result
        assert isinstance(result, Skipped)
        return result

    assert skipped("checklist-security-review/sec-04 Secrets are not logged").message == (
        "not automated yet (rule not implemented: secret-in-log)"
    )
    manual = skipped("checklist-security-review/sec-05 Penetration test done this year")
    assert manual.message == "manual check: not attested"
    assert manual.text == "how to verify: Ask the team for the runbook."
    assert skipped("checklist-security-review/sec-06 Old check, disabled").message.startswith(
        "not run: its rules are disabled"
    )


def test_bek_suite_has_parse_errors_and_internal_errors(rich: GateResult) -> None:
    cases = _cases(rich)
    parse = cases["bek/parse broken.py"]
    (failure,) = parse.result
    assert isinstance(failure, Failure)
    assert failure.message.startswith("not checked: syntax error")
    crash = cases["bek/rule fake-crash on app/crash.py"]
    (error,) = crash.result
    assert isinstance(error, Error)
    assert "the rule fell over" in error.message
    tree = _tree(rich)
    bek = tree.find("testsuite[@name='bek']")
    assert bek is not None
    assert (bek.get("failures"), bek.get("errors")) == ("1", "1")
    assert "skipped: big/data.py: file is larger than 1 MB" in (bek.findtext("system-out") or "")


def test_clean_run_has_passing_cases(clean: GateResult) -> None:
    tree = _tree(clean)
    assert tree.get("failures") == "0" and tree.get("errors") == "0"
    cases = _cases(clean)
    assert cases["checklist-security-review/sec-01 Parameterise SQL queries"].is_passed
    assert cases["bek/parse: all 1 file parsed"].is_passed
    assert cases["bek/rules: every rule finished"].is_passed
    assert sum(1 for case in cases.values() if case.is_passed) == 6


def test_manual_attestation_state_from_the_gate(tmp_path: Path) -> None:
    expired = factory.build(
        tmp_path, [], attestations={"api-02": factory.attestation("api-02", expires="2024-12-31")}
    )
    (result,) = _cases(expired)["checklist-api-review/api-02 Runbook exists"].result
    assert result.message == "manual check: attestation expired on 2024-12-31 (by ana)"


def test_hostile_strings_are_escaped_and_survive_parsing(hostile: GateResult) -> None:
    tree = _tree(hostile)
    case = tree.find(".//testcase[@name='sec-01 Parameterise SQL queries']")
    assert case is not None
    assert case.get("file") == factory.HOSTILE_PATH
    failure = case.find("failure")
    assert failure is not None
    message = failure.get("message") or ""
    assert 'bad\\nline\\r %0A: , < & > "quote" ünïcode ::error::injected' in message
    assert "\x1b" not in junit.render(hostile)
    assert "# ünï <&>" in (failure.text or "")
    crash = tree.find(".//testcase[@classname='bek'][@file]")
    assert crash is not None
    error = crash.find("error")
    assert error is not None and error.text == "rule crashed:\nTraceback <&> %0A ::x"


def test_undecodable_file_names_do_not_break_the_xml(tmp_path: Path) -> None:
    tree = _tree(factory.undecodable_path_result(tmp_path))
    case = tree.find(".//testcase[@name='sec-01 Parameterise SQL queries']")
    assert case is not None and case.get("file") == "caf\ufffd/data.py"


def test_an_item_that_fails_without_findings_fails_with_its_reason(clean: GateResult) -> None:
    (failure,) = _cases(factory.with_required_attestations(clean))[
        "checklist-security-review/sec-05 Penetration test done this year"
    ].result
    assert isinstance(failure, Failure)
    assert failure.message == "manual check: not attested (attestations are required)"


def test_file_and_line_point_at_the_first_finding_that_gates(tmp_path: Path) -> None:
    rich = factory.rich_result(tmp_path)
    swapped = []
    for finding in rich.findings:
        if finding.rule_id == "fake-sql" and not finding.suppressed:
            # The first by path is now old, the second new: the case must point at the new one.
            finding = finding.with_(baseline_state="baseline" if finding.path == "app/db.py" else "new")
        swapped.append(finding)
    tree = _tree(factory.build(tmp_path, swapped, checklists=[factory.security_checklist()]))
    case = tree.find(".//testcase[@name='sec-01 Parameterise SQL queries']")
    assert case is not None
    assert (case.get("file"), case.get("line")) == ("app/legacy.py", "2")

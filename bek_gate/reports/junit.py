"""JUnit XML: a checklist is a test suite, an item is a test case.

CI systems that show test results (GitLab, Jenkins, Azure, GitHub test
reporters) then show the review: failed items fail with their findings in one
combined ``<failure>``, items with findings below ``--fail-on`` pass with the
findings in ``system-out``, manual, disabled and not-yet-automated items are
skipped with the reason. Files that could not be parsed and rules that crashed
go to an extra suite named ``bek``, so they are never lost.
"""

from __future__ import annotations

from junit_xml import TestCase, TestSuite, to_xml_report_string

from bek_gate.findings import SEVERITY_RANK, Finding
from bek_gate.reports import common
from bek_gate.verdict import ChecklistOutcome, GateResult, ItemOutcome


def render(result: GateResult, view: common.View = common.PLAIN) -> str:
    suites = [_checklist_suite(result, outcome) for outcome in result.checklists]
    suites.append(_bek_suite(result))
    text = to_xml_report_string(suites, prettyprint=True)
    return text if text.endswith("\n") else text + "\n"


def _checklist_suite(result: GateResult, outcome: ChecklistOutcome) -> TestSuite:
    checklist = outcome.checklist
    cases = [_item_case(result, checklist.id, item_outcome) for item_outcome in outcome.items]
    properties = {"title": _clean(checklist.title), "fail-on": result.verdict.fail_on}
    return TestSuite(checklist.id, cases, package="bek", properties=properties)


def _item_case(result: GateResult, checklist_id: str, outcome: ItemOutcome) -> TestCase:
    item = outcome.item
    # The place a reader should open: the first finding that gates, else the first one.
    gating_findings = [finding for finding in outcome.findings if common.is_gating(result, finding)]
    first = (gating_findings or list(outcome.findings) or [None])[0]
    case = TestCase(
        _clean(f"{item.id} {common.one_line(item.title)}"),
        classname=checklist_id,
        file=_clean(first.path) if first else None,
        line=str(first.line) if first else None,
    )
    if outcome.status == "failed" and not outcome.findings:
        # e.g. an unattested manual item under --require-attestations
        case.add_failure_info(message=_clean(common.item_reason(result, outcome)), failure_type="item")
    elif outcome.status == "failed":
        gating = gating_findings or list(outcome.findings)
        worst = max(gating, key=lambda finding: SEVERITY_RANK.get(finding.severity, 0))
        summary = f"{common.plural(len(gating), 'new finding')} at or above {result.verdict.fail_on}; first: "
        case.add_failure_info(
            message=_clean(summary + _headline(gating[0])),
            output=_clean(_findings_body(result, outcome.findings)),
            failure_type=worst.severity,
        )
    elif outcome.findings:
        # warning: findings below --fail-on (or already in the baseline) do not fail the item
        case.stdout = _clean(
            f"passed with {common.plural(len(outcome.findings), 'finding')} that do not gate "
            f"(below --fail-on {result.verdict.fail_on}, or {result.old_findings}):\n\n"
            + _findings_body(result, outcome.findings)
        )
    elif outcome.status == "error":
        case.add_error_info(message=_clean(common.item_reason(result, outcome)), error_type="internal-error")
    elif outcome.status in ("not-automated", "disabled", *common.MANUAL_STATUSES):
        reason = common.item_reason(result, outcome)
        output = None
        if item.manual and item.how_to_verify:
            output = "how to verify: " + item.how_to_verify
        case.add_skipped_info(message=_clean(reason), output=_clean(output) if output else None)
    if outcome.suppressed:
        note = f"{common.plural(outcome.suppressed, 'finding')} suppressed by bek: ignore comments"
        case.stdout = _clean(f"{case.stdout}\n\n{note}" if case.stdout else note)
    return case


def _bek_suite(result: GateResult) -> TestSuite:
    """Whether every file was checked and every rule finished."""
    cases = []
    parse_errors = common.parse_errors(result)
    for finding in parse_errors:
        case = TestCase(
            _clean(f"parse {common.one_line(finding.path)}"),
            classname="bek",
            file=_clean(finding.path),
            line=str(finding.line),
        )
        body = _findings_body(result, [finding])
        if common.is_gating(result, finding):
            case.add_failure_info(
                message=_clean(f"not checked: {common.one_line(finding.message)}"),
                output=_clean(body),
                failure_type=finding.severity,
            )
        else:
            case.stdout = _clean(body)
        cases.append(case)
    if not parse_errors:
        cases.append(
            TestCase(f"parse: all {common.plural(result.files_checked, 'file')} parsed", classname="bek")
        )

    errors = common.internal_errors(result)
    for notice in errors:
        where = common.notice_location(notice)
        case = TestCase(
            _clean(f"rule {notice.rule_id or '?'} on {where or 'the project'}"),
            classname="bek",
            file=_clean(notice.path) if notice.path else None,
            line=str(notice.line) if notice.line else None,
        )
        case.add_error_info(message=_clean(common.one_line(notice.message)), output=_clean(notice.message))
        cases.append(case)
    if not errors:
        cases.append(TestCase("rules: every rule finished", classname="bek"))

    others = common.other_notices(result)
    stdout = None
    if others:
        stdout = "\n".join(
            f"{notice.kind}: {common.notice_location(notice) + ': ' if notice.path else ''}{notice.message}"
            for notice in others
        )
    return TestSuite(
        "bek",
        cases,
        package="bek",
        properties={"verdict": result.verdict.label, "headline": common.verdict_headline(result)},
        stdout=_clean(stdout) if stdout else None,
    )


def _headline(finding: Finding) -> str:
    loc = finding.location
    return f"{common.one_line(finding.path)}:{loc.line}:{loc.column} {finding.rule_id} {common.one_line(finding.message)}"


def _findings_body(result: GateResult, findings: list[Finding] | tuple[Finding, ...]) -> str:
    blocks = []
    for finding in findings:
        lines = [f"{_headline(finding)} [{finding.severity}]"]
        if common.in_baseline(finding):
            lines.append(f"  ({result.old_findings}: does not gate)")
        first = finding.location.line
        for offset, text in enumerate(finding.snippet.split("\n") if finding.snippet else []):
            lines.append(f"  {first + offset:>5} | {text}")
        if finding.fix:
            lines.append(f"  fix: {finding.fix}")
        if finding.pattern:
            lines.append(f"  see: bek show {finding.pattern}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _clean(text: str) -> str:
    """Text XML can carry: lone surrogates from undecodable file names become U+FFFD.

    (junit-xml itself drops the control characters XML 1.0 forbids.)
    """
    return common.safe_text(text)

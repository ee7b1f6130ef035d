"""SARIF 2.1.0, shaped for GitHub code scanning.

One run. ``tool.driver.rules`` lists every rule that ran, documented from its
docstring; results point at repo-relative URIs under ``%SRCROOT%``, carry
bek's own fingerprint under ``partialFingerprints["bek/v1"]`` (GitHub's
``primaryLocationLineHash`` is GitHub's to compute, never ours to invent),
their baseline state and their in-source suppression.

GitHub's documented upload limits are respected here: at most 25,000 results
per run (the most important are kept and the rest counted in a notification),
20 tags per rule, 255 characters for a rule name and 1,024 for its short and
full descriptions.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from bek_gate.findings import SEVERITIES, SEVERITY_RANK, Finding, Notice
from bek_gate.reports import common
from bek_gate.rules.loader import LoadedRule
from bek_gate.verdict import GateResult

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "bek/v1"

MAX_RESULTS = 25_000
MAX_TAGS = 20
MAX_NAME = 255
MAX_DESCRIPTION = 1024

PRECISION = {"high": "high", "medium": "medium", "low": "low"}
PROBLEM_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "recommendation"}
NOTIFICATION_LEVEL = {"internal-error": "error", "skipped": "warning", "timeout": "warning"}
BASELINE_STATE = {"new": "new"}  # everything else matched the baseline

_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def render(result: GateResult, view: common.View = common.PLAIN) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=True) + "\n"


def to_sarif(result: GateResult) -> dict[str, Any]:
    descriptors, index = _rules(result)
    kept, omitted = _within_limit(result)
    notifications = [_notification(notice, index) for notice in result.notices]
    if omitted:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{omitted} of {len(result.findings)} results were left out: GitHub code scanning "
                    f"accepts at most {MAX_RESULTS} per run. The JSON report has every finding."
                },
                "descriptor": {"id": "results-truncated"},
            }
        )
    # No commandLine: it varies with -j and the output paths, and the same input must give the same bytes.
    invocation: dict[str, Any] = {
        "executionSuccessful": result.verdict.internal_errors == 0,
        "exitCode": result.verdict.exit_code,
        "toolExecutionNotifications": notifications,
    }
    driver: dict[str, Any] = {
        "name": common.TOOL_NAME,
        "version": result.tool_version,
        "informationUri": common.INFORMATION_URI,
        "rules": descriptors,
    }
    if _SEMVER.match(result.tool_version):
        driver["semanticVersion"] = result.tool_version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": automation_id(result)},
        "originalUriBaseIds": {SRCROOT: {"uri": common.root_uri(result.root)}},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": [_result(result, finding, index) for finding in kept],
        "properties": {
            "verdict": result.verdict.label,
            "failOn": result.verdict.fail_on,
            "checklists": result.checklist_ids,
            "filesChecked": result.files_checked,
            "testFiles": result.test_files,
            "belowConfidence": result.below_confidence,
            "omittedResults": omitted,
            # Manual checklist items are not results (no code location); their attestation state rides here.
            "manualItems": [
                {
                    "id": outcome.item.id,
                    "status": outcome.status,
                    "attestation": common.manual_state(outcome),
                }
                for outcome in common.manual_outcomes(result)
            ],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def automation_id(result: GateResult) -> str:
    """``bek/<checklist ids>/``: the trailing slash makes it the whole category for GitHub.

    Sorted, so the category (and so GitHub's alert tracking) does not depend on
    the order of the ``--checklist`` flags.
    """
    return f"{common.TOOL_NAME}/{'+'.join(sorted(result.checklist_ids))}/"


def _rules(result: GateResult) -> tuple[list[dict[str, Any]], dict[str, int]]:
    security = common.security_rule_ids(result)
    items_by_rule: dict[str, list[str]] = {}
    for checklist in result.checklists:
        for outcome in checklist.items:
            for rule_id in outcome.item.rules:
                items_by_rule.setdefault(rule_id, []).append(outcome.item.id)
    descriptors = []
    index: dict[str, int] = {}
    for loaded in result.rules:
        if loaded.id in index:
            continue
        index[loaded.id] = len(descriptors)
        descriptors.append(
            _descriptor(result, loaded, loaded.id in security, items_by_rule.get(loaded.id, []))
        )
    # A result must point at a rule of this run; a finding of a rule the gate
    # did not list (it should not happen) still gets a minimal descriptor.
    for finding in result.findings:
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(_bare_descriptor(finding))
    return descriptors, index


def _descriptor(result: GateResult, loaded: LoadedRule, security: bool, items: list[str]) -> dict[str, Any]:
    cls = loaded.cls
    severity = common.effective_severity(result, loaded.id)
    doc = loaded.doc
    help_markdown = doc.markdown() if doc.summary or doc.sections else f"{cls.title}\n\nFix: {cls.fix}\n"
    pattern = result.patterns.get(cls.pattern or "")
    if pattern is not None:
        # The knowledge-base pattern that explains the fix, summarised where the finding is read.
        help_markdown += (
            f"\n## Pattern: {pattern.title}\n\n{pattern.solution_summary()}\n\n"
            f"Read the whole pattern with `bek show {pattern.id}`.\n"
        )
    full = " ".join((doc.section("What it finds") or doc.summary or cls.title).split())
    tags = common.rule_tags(loaded, security)
    properties: dict[str, Any] = {
        "tags": tags[:MAX_TAGS],
        "precision": PRECISION.get(cls.confidence, "medium"),
        "problem.severity": PROBLEM_SEVERITY[severity],
    }
    if "security" in tags:
        # GitHub files a result with a security-severity as a security alert: a parse error is not one.
        properties["security-severity"] = common.SECURITY_SEVERITY[severity]
    if cls.pattern:
        properties["pattern"] = cls.pattern
    if items:
        properties["checklistItems"] = list(dict.fromkeys(items))
    return {
        "id": loaded.id,
        "name": _limit(cls.__name__, MAX_NAME),
        "shortDescription": {"text": _limit(cls.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _limit(full, MAX_DESCRIPTION)},
        "help": {"text": plain_text(help_markdown), "markdown": help_markdown},
        "defaultConfiguration": {"level": common.LEVEL_BY_SEVERITY[severity]},
        "properties": properties,
    }


def plain_text(markdown: str) -> str:
    """The rule help without Markdown markup: headings as plain lines, no code fences."""
    lines = []
    for line in markdown.splitlines():
        if line.startswith("```"):
            continue
        lines.append(line[3:] if line.startswith("## ") else line)
    return "\n".join(lines).strip() + "\n"


def _bare_descriptor(finding: Finding) -> dict[str, Any]:
    severity = finding.severity if finding.severity in SEVERITIES else "medium"
    return {
        "id": finding.rule_id,
        "shortDescription": {"text": finding.rule_id},
        "fullDescription": {"text": finding.rule_id},
        "help": {"text": finding.fix or finding.rule_id},
        "defaultConfiguration": {"level": common.LEVEL_BY_SEVERITY[severity]},
        "properties": {"security-severity": common.SECURITY_SEVERITY[severity]},
    }


def _limit(text: str, size: int) -> str:
    text = text.strip() or "-"
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _within_limit(result: GateResult) -> tuple[list[Finding], int]:
    """All findings, or the MAX_RESULTS most important ones, still in report order."""
    findings = result.findings
    if len(findings) <= MAX_RESULTS:
        return list(findings), 0

    def importance(position: int) -> tuple[int, ...]:
        finding = findings[position]
        return (
            0 if common.is_gating(result, finding) else 1,
            1 if finding.suppressed else 0,
            1 if common.in_baseline(finding) else 0,
            -SEVERITY_RANK.get(finding.severity, 0),
            position,
        )

    chosen = sorted(sorted(range(len(findings)), key=importance)[:MAX_RESULTS])
    return [findings[position] for position in chosen], len(findings) - MAX_RESULTS


def artifact_uri(path: str) -> str:
    """A repo-relative POSIX path as a relative URI reference (spaces, ``%``, ``#``, ``:`` escaped)."""
    return quote(path, safe="/", errors="surrogateescape")


def _physical(path: str, region: dict[str, Any] | None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path), "uriBaseId": SRCROOT}}
    if region is not None:
        location["region"] = region
    return {"physicalLocation": location}


def _region(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    start_line = max(loc.line, 1)
    start_column = max(loc.column, 1)
    end_line = max(loc.end_line, start_line)
    end_column = max(loc.end_column, 1)
    if end_line == start_line:
        end_column = max(end_column, start_column)
    region: dict[str, Any] = {
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    }
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    return region


def _result(result: GateResult, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    severity = finding.severity if finding.severity in SEVERITIES else "medium"
    sarif_result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": common.LEVEL_BY_SEVERITY[severity],
        "message": {"text": finding.message or finding.rule_id},
        "locations": [_physical(finding.path, _region(finding))],
        "baselineState": BASELINE_STATE.get(finding.baseline_state, "unchanged"),
    }
    if finding.fingerprint:
        # Without one, GitHub's upload action computes its own; we never make one up.
        sarif_result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.suppressed:
        sarif_result["suppressions"] = [
            {"kind": "inSource", "status": "accepted", "justification": finding.suppressed_by or ""}
        ]
    properties: dict[str, Any] = {
        "severity": severity,
        "confidence": finding.confidence,
        "checklistItems": list(finding.checklist_items),
        "gating": common.is_gating(result, finding),
    }
    if finding.pattern:
        properties["pattern"] = finding.pattern
    if finding.cwe is not None:
        properties["cwe"] = f"CWE-{finding.cwe}"
    sarif_result["properties"] = properties
    return sarif_result


def _notification(notice: Notice, index: dict[str, int]) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": NOTIFICATION_LEVEL.get(notice.kind, "note"),
        "message": {"text": notice.message or notice.kind},
        "descriptor": {"id": notice.kind},
    }
    if notice.rule_id:
        reference: dict[str, Any] = {"id": notice.rule_id}
        if notice.rule_id in index:
            reference["index"] = index[notice.rule_id]
        notification["associatedRule"] = reference
    if notice.path:
        region = {"startLine": notice.line} if notice.line and notice.line > 0 else None
        notification["locations"] = [_physical(notice.path, region)]
    return notification

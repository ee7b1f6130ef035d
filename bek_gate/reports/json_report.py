"""The JSON report: everything the gate decided, for scripts and ``jq``.

Keys come in a fixed order and every list is in the gate's order, so the same
result always gives the same bytes; nothing that depends on how bek was run
(the command line, worker count, output paths, durations) is in it. ``schemas/report.schema.json`` describes
the format; ``reportVersion`` changes when a field changes meaning or goes away.
"""

from __future__ import annotations

import json
from typing import Any

from bek_gate.checklists import item_severity
from bek_gate.findings import Finding, Notice
from bek_gate.reports import common
from bek_gate.rules.loader import LoadedRule
from bek_gate.verdict import ChecklistOutcome, GateResult, ItemOutcome

REPORT_VERSION = 2  # 2: no commandLine (it varied with -j and output paths)


def render(result: GateResult, view: common.View = common.PLAIN) -> str:
    # ASCII-only output: file names that are not valid UTF-8 survive as \udcXX escapes.
    return json.dumps(to_dict(result), indent=2, ensure_ascii=True, default=str) + "\n"


def to_dict(result: GateResult) -> dict[str, Any]:
    verdict = result.verdict
    security = common.security_rule_ids(result)
    return {
        "reportVersion": REPORT_VERSION,
        "tool": {"name": common.TOOL_NAME, "version": result.tool_version},
        "root": str(result.root),
        "configPath": str(result.config_path) if result.config_path is not None else None,
        "filesChecked": result.files_checked,
        "testFiles": result.test_files,
        "belowConfidence": result.below_confidence,
        "verdict": {
            "status": verdict.label,
            "passed": verdict.passed,
            "exitCode": verdict.exit_code,
            "failOn": verdict.fail_on,
            "gating": len(verdict.gating),
            "counts": dict(verdict.counts),
            "baseline": sum(1 for finding in common.active(result) if common.in_baseline(finding)),
            "suppressed": verdict.suppressed,
            "internalErrors": verdict.internal_errors,
            "headline": common.verdict_headline(result),
        },
        "checklists": [_checklist(result, outcome) for outcome in result.checklists],
        "findings": [_finding(result, finding) for finding in result.findings],
        "notices": [_notice(notice) for notice in result.notices],
        "rules": [_rule(result, loaded, loaded.id in security) for loaded in result.rules],
        "extras": {key: result.extras[key] for key in sorted(result.extras)},
    }


def _checklist(result: GateResult, outcome: ChecklistOutcome) -> dict[str, Any]:
    checklist = outcome.checklist
    return {
        "id": checklist.id,
        "title": checklist.title,
        "scope": checklist.scope,
        "counts": outcome.counts(),
        "items": [_item(result, item_outcome) for item_outcome in outcome.items],
    }


def _item(result: GateResult, outcome: ItemOutcome) -> dict[str, Any]:
    item = outcome.item
    return {
        "id": item.id,
        "title": item.title,
        "severity": item_severity(item, result.severities),
        "pattern": item.pattern,
        "status": outcome.status,
        "reason": common.item_reason(result, outcome) if not outcome.findings else None,
        "manual": item.manual,
        "attestation": _attestation(outcome) if item.manual else None,
        "rules": list(item.rules),
        "missingRules": list(outcome.missing_rules),
        "findings": [finding.fingerprint for finding in outcome.findings],
        "suppressed": outcome.suppressed,
    }


def _finding(result: GateResult, finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "ruleId": finding.rule_id,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "message": finding.message,
        "path": finding.path,
        "location": {
            "line": loc.line,
            "column": loc.column,
            "endLine": loc.end_line,
            "endColumn": loc.end_column,
        },
        "snippet": finding.snippet,
        "fix": finding.fix,
        "pattern": finding.pattern,
        "cwe": finding.cwe,
        "checklistItems": list(finding.checklist_items),
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed,
        "suppression": {"kind": "inSource", "comment": finding.suppressed_by} if finding.suppressed else None,
        "baselineState": finding.baseline_state,
        "gating": common.is_gating(result, finding),
    }


def _notice(notice: Notice) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "message": notice.message,
        "path": notice.path,
        "line": notice.line,
        "ruleId": notice.rule_id,
    }


def _rule(result: GateResult, loaded: LoadedRule, security: bool) -> dict[str, Any]:
    cls = loaded.cls
    return {
        "id": loaded.id,
        "title": cls.title,
        "summary": loaded.doc.summary,
        "severity": common.effective_severity(result, loaded.id),
        "defaultSeverity": cls.severity,
        "confidence": cls.confidence,
        "defaultMinConfidence": cls.min_confidence,
        "cwe": cls.cwe,
        "pattern": cls.pattern,
        "fix": cls.fix,
        "tags": common.rule_tags(loaded, security),
        "projectRule": loaded.is_project_rule,
    }


def _attestation(outcome: ItemOutcome) -> dict[str, Any]:
    state = outcome.attestation
    found = state.attestation if state is not None else None
    return {
        "state": state.state if state is not None else "unattested",
        "text": common.manual_state(outcome),
        "by": found.by if found else None,
        "date": found.date.isoformat() if found else None,
        "expires": found.expires.isoformat() if found and found.expires else None,
        "evidence": found.evidence if found else None,
    }

"""The project phase: project rules decide once every file's facts are known."""

from __future__ import annotations

import traceback
from typing import Any

from bek_gate.findings import FileResult, Finding, Location, Notice, assign_fingerprints
from bek_gate.rules.base import Fact, ProjectRule
from bek_gate.rules.loader import RuleSet


def decide_project_rules(
    rule_set: RuleSet,
    selected: list[str],
    results: list[FileResult],
    options: dict[str, dict[str, Any]],
) -> tuple[list[Finding], list[Notice]]:
    """Findings of the selected project rules, from the facts of all files."""
    facts_by_rule: dict[str, list[Fact]] = {}
    for result in results:
        for data in result.facts:
            fact = Fact.from_dict(data)
            facts_by_rule.setdefault(fact.rule_id, []).append(fact)
    findings: list[Finding] = []
    notices: list[Notice] = []
    for rule_id in selected:
        loaded = rule_set.rules.get(rule_id)
        if loaded is None or not loaded.is_project_rule:
            continue
        cls = loaded.cls
        assert issubclass(cls, ProjectRule)
        facts = sorted(facts_by_rule.get(rule_id, []), key=lambda f: (f.path, f.line or 0, f.column or 0))
        try:
            reports = list(cls.decide(facts, options.get(rule_id) or loaded.default_options()))
        except (Exception, SystemExit) as error:  # a broken project rule must not stop the run
            frame = traceback.extract_tb(error.__traceback__)[-1]
            notices.append(
                Notice(
                    "internal-error",
                    f"project rule '{rule_id}' crashed in decide() ({type(error).__name__}: {error}, "
                    f"at {frame.filename}:{frame.lineno}); its findings are missing",
                    rule_id=rule_id,
                )
            )
            continue
        for report in reports:
            fact = report.fact
            line = fact.line or 1
            findings.append(
                Finding(
                    rule_id=rule_id,
                    message=report.message,
                    path=fact.path,
                    location=Location(line, fact.column or 1, fact.end_line or line, fact.end_column or 1),
                    snippet=fact.snippet,
                    suppressed_by=fact.data.get("_suppressed_by"),
                )
            )
    return _fingerprinted(findings), notices


def _fingerprinted(findings: list[Finding]) -> list[Finding]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    result: list[Finding] = []
    for path_findings in by_path.values():
        # The snippet's first line is the finding's line: enough for the line hash.
        lines_by_number = {f.location.line: f.snippet.split("\n", 1)[0] for f in path_findings}
        last = max(lines_by_number)
        lines = [lines_by_number.get(number, "") for number in range(1, last + 1)]
        result.extend(assign_fingerprints(path_findings, lines))
    return result

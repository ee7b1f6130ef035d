"""Run rules on inline code: how each rule's valid and invalid examples are checked."""

from __future__ import annotations

from dataclasses import dataclass

from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.engine.project import decide_project_rules
from bek_gate.findings import Finding
from bek_gate.rules.base import Invalid, Valid
from bek_gate.rules.loader import LoadedRule, RuleSet


def check_code(rule_set: RuleSet, rule_ids: list[str], code: str, path: str = "example.py") -> list[Finding]:
    """The findings of ``rule_ids`` on ``code``, project rules included (decided on this file alone)."""
    plan = AnalysisPlan(rule_dirs=(), selected=tuple(rule_ids), known_ids=frozenset(rule_set.ids()))
    result = Analyzer(plan, rule_set).check_source(path, code.encode("utf-8"))
    crashes = [notice.message for notice in result.notices if notice.kind == "internal-error"]
    if crashes:
        raise AssertionError("; ".join(crashes))
    project_findings, notices = decide_project_rules(rule_set, rule_ids, [result], {})
    if notices:
        raise AssertionError("; ".join(notice.message for notice in notices))
    return sorted(result.findings + project_findings, key=Finding.sort_key)


@dataclass(frozen=True)
class ExampleOutcome:
    """Whether one example behaved as it says; ``problem`` explains when it did not."""

    example: Valid | Invalid
    findings: list[Finding]
    problem: str | None


def check_example(rule_set: RuleSet, loaded: LoadedRule, example: Valid | Invalid) -> ExampleOutcome:
    findings = [f for f in check_code(rule_set, [loaded.id], example.source) if f.rule_id == loaded.id]
    problem = None
    if isinstance(example, Valid) and findings:
        problem = "expected no finding, got: " + "; ".join(f"line {f.line}: {f.message}" for f in findings)
    elif isinstance(example, Invalid):
        if len(findings) != 1:
            got = "; ".join(f"line {f.line}: {f.message}" for f in findings) or "nothing"
            problem = f"expected exactly one finding, got {len(findings)}: {got}"
        elif example.line is not None and findings[0].line != example.line:
            problem = f"expected the finding on line {example.line}, got line {findings[0].line}"
    return ExampleOutcome(example, findings, problem)

"""The verdict: which checklist items passed or failed, and whether the gate passes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bek_gate.attestations import Attestation, AttestationState, state_of
from bek_gate.checklists import Checklist, ChecklistItem
from bek_gate.findings import SEVERITIES, Finding, Notice, severity_at_least
from bek_gate.knowledge.patterns import Pattern
from bek_gate.rules.loader import LoadedRule

# Automated items: passed (its rules ran and found nothing), failed (a finding at
# or above --fail-on), warning (findings, all below --fail-on), error (one of its
# rules crashed, so "nothing found" proves nothing), not-automated (a rule it
# names is not implemented yet: never reported as passed), disabled (its rules
# are all disabled in config). Manual items, verified by people: attested,
# unattested (no attestation, or an expired one), not-applicable; with
# --require-attestations an unattested item is failed.
ITEM_STATUSES = (
    "passed",
    "failed",
    "warning",
    "error",
    "not-automated",
    "attested",
    "unattested",
    "not-applicable",
    "disabled",
)

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


@dataclass(frozen=True)
class ItemOutcome:
    item: ChecklistItem
    status: str
    findings: tuple[Finding, ...] = ()  # unsuppressed findings of the item's rules
    suppressed: int = 0
    missing_rules: tuple[str, ...] = ()
    attestation: AttestationState | None = None  # manual items only


@dataclass(frozen=True)
class ChecklistOutcome:
    checklist: Checklist
    items: tuple[ItemOutcome, ...]

    def counts(self) -> dict[str, int]:
        counter = Counter(outcome.status for outcome in self.items)
        return {status: counter.get(status, 0) for status in ITEM_STATUSES}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    fail_on: str
    gating: tuple[Finding, ...]
    counts: dict[str, int]  # unsuppressed findings by severity
    suppressed: int
    internal_errors: int
    # Items failed without findings: unattested (--require-attestations), not automated (--require-automated).
    failed_items: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        if not self.passed:
            return EXIT_FAILED
        return EXIT_INTERNAL if self.internal_errors else EXIT_PASSED

    @property
    def label(self) -> str:
        if not self.passed:
            return "failed"
        return "error" if self.internal_errors else "passed"


def gates(finding: Finding, fail_on: str) -> bool:
    """Whether this finding makes the gate fail."""
    return (
        not finding.suppressed
        and finding.baseline_state == "new"
        and severity_at_least(finding.severity, fail_on)
    )


@dataclass(frozen=True)
class ManualPolicy:
    """How manual items are judged: the attestations, today's date, and whether they are required."""

    attestations: dict[str, Attestation] = field(default_factory=dict)
    today: dt.date = field(default_factory=dt.date.today)
    required: bool = False

    def outcome(self, item: ChecklistItem) -> ItemOutcome:
        state = state_of(item.id, self.attestations, self.today)
        if state.state == "not-applicable":
            status = "not-applicable"
        elif state.state == "attested":
            status = "attested"
        else:
            status = "failed" if self.required else "unattested"
        return ItemOutcome(item, status, attestation=state)


def evaluate_items(
    checklists: Iterable[Checklist],
    findings: list[Finding],
    implemented: set[str],
    disabled: set[str],
    fail_on: str,
    crashed: set[str] | None = None,
    manual: ManualPolicy | None = None,
    require_automated: bool = False,
) -> list[ChecklistOutcome]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    outcomes = []
    for checklist in checklists:
        items = []
        for item in checklist.items:
            if item.manual:
                items.append((manual or ManualPolicy()).outcome(item))
                continue
            outcome = _item_outcome(item, by_rule, implemented, disabled, fail_on, crashed or set())
            if require_automated and outcome.status == "not-automated":
                # The team wants a complete gate: an item no rule checks yet cannot pass.
                outcome = ItemOutcome(item, "failed", missing_rules=outcome.missing_rules)
            items.append(outcome)
        outcomes.append(ChecklistOutcome(checklist, tuple(items)))
    return outcomes


def _item_outcome(
    item: ChecklistItem,
    by_rule: dict[str, list[Finding]],
    implemented: set[str],
    disabled: set[str],
    fail_on: str,
    crashed: set[str],
) -> ItemOutcome:
    related = [finding for rule_id in item.rules for finding in by_rule.get(rule_id, [])]
    active = tuple(sorted((f for f in related if not f.suppressed), key=Finding.sort_key))
    suppressed = len(related) - len(active)
    missing = tuple(rule_id for rule_id in item.rules if rule_id not in implemented)
    if any(gates(finding, fail_on) for finding in active):
        status = "failed"
    elif any(rule_id in crashed for rule_id in item.rules):
        status = "error"  # even with findings below --fail-on: the files it crashed on were not checked
    elif active:
        status = "warning"
    elif missing:
        status = "not-automated"
    elif all(rule_id in disabled for rule_id in item.rules):
        status = "disabled"
    else:
        status = "passed"
    return ItemOutcome(item, status, active, suppressed, missing)


def decide(
    findings: list[Finding],
    notices: list[Notice],
    fail_on: str,
    outcomes: Iterable[ChecklistOutcome] = (),
) -> Verdict:
    active = [finding for finding in findings if not finding.suppressed]
    counter = Counter(finding.severity for finding in active)
    gating = tuple(finding for finding in active if gates(finding, fail_on))
    failed_items = tuple(
        dict.fromkeys(
            outcome.item.id
            for checklist in outcomes
            for outcome in checklist.items
            if outcome.status == "failed" and not outcome.findings
        )
    )
    return Verdict(
        passed=not gating and not failed_items,
        failed_items=failed_items,
        fail_on=fail_on,
        gating=gating,
        counts={severity: counter.get(severity, 0) for severity in SEVERITIES},
        suppressed=len(findings) - len(active),
        # A file left unchecked by a timeout is as incomplete as one a rule crashed on.
        internal_errors=sum(1 for notice in notices if notice.kind in ("internal-error", "timeout")),
    )


@dataclass
class GateResult:
    """Everything a report needs: the verdict, the items, the findings, and what ran."""

    tool_version: str
    root: Path
    checklists: list[ChecklistOutcome]
    findings: list[Finding]  # every finding, suppressed ones included, sorted
    notices: list[Notice]
    verdict: Verdict
    rules: list[LoadedRule]  # the rules that ran (parse-error included), by id
    severities: dict[str, str]  # effective severity per rule id (config overrides applied)
    files_checked: int
    # Of those, test code: checked only by the rules that apply there (SPEC 5.1).
    test_files: int = 0
    # Findings less certain than the rules report at by default (``--min-confidence low`` shows them).
    below_confidence: int = 0
    duration_seconds: float = 0.0
    # Where findings that do not gate as old ones come from, in words: a baseline, the diff, or both.
    old_findings: str = "in the baseline"
    config_path: Path | None = None
    extras: dict[str, object] = field(default_factory=dict)
    patterns: dict[str, Pattern] = field(default_factory=dict)  # the patterns the rules that ran point to

    @property
    def checklist_ids(self) -> list[str]:
        return [outcome.checklist.id for outcome in self.checklists]

    def rule(self, rule_id: str) -> LoadedRule | None:
        for loaded in self.rules:
            if loaded.id == rule_id:
                return loaded
        return None

"""What every report shares: severity mappings, the verdict sentence, item reasons, safe text.

Reports only read a ``GateResult``; nothing here decides anything the verdict
has not already decided.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bek_gate.findings import PARSE_ERROR, SEVERITIES, SEVERITY_RANK, Finding, Notice
from bek_gate.rules.loader import LoadedRule
from bek_gate.verdict import ITEM_STATUSES, GateResult, ItemOutcome, gates

TOOL_NAME = "bek"
INFORMATION_URI = "https://pypi.org/project/bek-gate/"
INTERNAL_ERROR = "internal-error"

# GitHub code scanning reads these; SARIF and the annotations use the same mapping.
LEVEL_BY_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}

# The order tables show item statuses in: the verdict's own order.
DISPLAY_ORDER = ITEM_STATUSES
STATUS_LABELS = {
    "passed": "passed",
    "failed": "failed",
    "warning": "warning",
    "error": "rule crashed",
    "not-automated": "not automated yet",
    "attested": "manual, attested",
    "unattested": "manual, unattested",
    "not-applicable": "not applicable",
    "disabled": "disabled",
}
MANUAL_STATUSES = ("attested", "unattested", "not-applicable")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class View:
    """How a person will read a report: in colour, in full, and from which directory.

    Only the reports people read in a terminal or a CI log (text, concise,
    github) use it; the machine formats are the same whatever the view.
    """

    color: bool = False
    verbose: bool = False  # every item id and notice, and the table, instead of one line per kind
    cwd: Path | None = None  # paths relative to it, as ruff and bandit print them; None: repository paths

    def paths(self, result: GateResult) -> Callable[[str], str]:
        """A function from a repository path to the one printed: relative to ``cwd`` when set.

        The root and ``cwd`` are resolved once here, not once per finding.
        """
        if self.cwd is None:
            return str
        root = Path(result.root).resolve()
        cwd = Path(self.cwd).resolve()

        def shown(path: str) -> str:
            try:
                return os.path.relpath(root / path, cwd)
            except ValueError:  # another drive on Windows: no relative path exists
                return str(root / path)

        return shown


PLAIN = View()


def safe_text(text: str) -> str:
    """Text that can be encoded as UTF-8: undecodable file-name bytes become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def one_line(text: str) -> str:
    """``text`` on one line: control characters (newlines, ESC...) shown as escapes.

    Messages and paths come from scanned code; printed raw they could break the
    report's layout or send escape sequences to the terminal.
    """
    return _CONTROL.sub(_escape_control, safe_text(text))


def _escape_control(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def severity_order(finding: Finding) -> tuple[object, ...]:
    """Worst first, then by place."""
    return (-SEVERITY_RANK.get(finding.severity, 0), *finding.sort_key())


def active(result: GateResult) -> list[Finding]:
    return [finding for finding in result.findings if not finding.suppressed]


def is_gating(result: GateResult, finding: Finding) -> bool:
    return gates(finding, result.verdict.fail_on)


def in_baseline(finding: Finding) -> bool:
    return finding.baseline_state != "new"


def parse_errors(result: GateResult) -> list[Finding]:
    """Unsuppressed ``parse-error`` findings: files no rule checked."""
    return [finding for finding in active(result) if finding.rule_id == PARSE_ERROR]


def internal_errors(result: GateResult) -> list[Notice]:
    return [notice for notice in result.notices if notice.kind == INTERNAL_ERROR]


def other_notices(result: GateResult) -> list[Notice]:
    return [notice for notice in result.notices if notice.kind != INTERNAL_ERROR]


def notice_location(notice: Notice, shown: Callable[[str], str] = str) -> str:
    """``path:line`` of a notice (empty without a path); ``shown`` turns the repository path into the one printed."""
    if notice.path is None:
        return ""
    path = shown(notice.path)
    return f"{path}:{notice.line}" if notice.line else path


def items_by_finding(result: GateResult) -> dict[Finding, list[ItemOutcome]]:
    """Every unsuppressed finding of a selected item, with the items it belongs to, in report order."""
    owners: dict[Finding, list[ItemOutcome]] = {}
    for checklist in result.checklists:
        for outcome in checklist.items:
            for finding in outcome.findings:
                owners.setdefault(finding, []).append(outcome)
    return owners


def unlinked_findings(result: GateResult) -> list[Finding]:
    """Unsuppressed findings that no selected item shows and that are not parse errors."""
    owned = items_by_finding(result)
    return [finding for finding in active(result) if finding not in owned and finding.rule_id != PARSE_ERROR]


def manual_state(outcome: ItemOutcome) -> str:
    """The attestation state of a manual item, in words ("attested by ana on 2026-10-01")."""
    if outcome.attestation is None:
        return "not attested"
    return one_line(outcome.attestation.describe())


def manual_outcomes(result: GateResult) -> list[ItemOutcome]:
    """The manual items of the selected checklists, in checklist order."""
    return [outcome for checklist in result.checklists for outcome in checklist.items if outcome.item.manual]


def unattested_summary(result: GateResult) -> str | None:
    """One sentence on manual items nobody has (validly) attested, or None when there are none."""
    missing = [o for o in manual_outcomes(result) if o.attestation is None or not o.attestation.satisfied]
    if not missing:
        return None
    expired = [o.item.id for o in missing if o.attestation is not None and o.attestation.state == "expired"]
    text = f"{plural(len(missing), 'manual item')} not attested: {', '.join(o.item.id for o in missing)}"
    if expired:
        text += f" (expired: {', '.join(expired)})"
    return text + "; attest them in .bek/attestations.yaml"


def item_reason(result: GateResult, outcome: ItemOutcome) -> str:
    """Why an item without findings is not simply passed: one short sentence."""
    if outcome.item.manual:
        required = " (attestations are required)" if outcome.status == "failed" else ""
        return f"manual check: {manual_state(outcome)}{required}"
    if outcome.missing_rules and outcome.status in ("not-automated", "failed"):
        missing = ", ".join(outcome.missing_rules) or "its rules"
        required = " (--require-automated)" if outcome.status == "failed" else ""
        return f"not automated yet (rule not implemented: {missing}){required}"
    if outcome.status == "error":
        return "a rule of this item crashed (see the internal errors), so it was not fully checked"
    if outcome.status == "disabled":
        rules = ", ".join(outcome.item.rules)
        return (
            f"not run: its rules are disabled (config, --ignore), not selected (--select), "
            f"or are project rules in a per-file run ({rules})"
        )
    return STATUS_LABELS.get(outcome.status, outcome.status)


def security_rule_ids(result: GateResult) -> set[str]:
    """Rules that a security checklist among the selected ones names."""
    ids: set[str] = set()
    for checklist in result.checklists:
        scope = checklist.checklist.scope.lower()
        if checklist.checklist.id == "checklist-security-review" or scope in ("security", "sec"):
            ids.update(checklist.checklist.rule_ids())
    return ids


def rule_tags(loaded: LoadedRule, security: bool) -> list[str]:
    """``security`` and the CWE first (GitHub shows only the first 10 tags), then the rule's own."""
    tags: list[str] = []
    if security or loaded.cls.cwe is not None or "security" in loaded.cls.tags:
        tags.append("security")
    if loaded.cls.cwe is not None:
        tags.append(f"external/cwe/cwe-{loaded.cls.cwe}")
    tags += [tag for tag in loaded.cls.tags if tag not in tags]
    return tags


def effective_severity(result: GateResult, rule_id: str, default: str = "medium") -> str:
    severity = result.severities.get(rule_id)
    if severity in SEVERITIES:
        return severity
    loaded = result.rule(rule_id)
    return loaded.cls.severity if loaded is not None else default


def severity_counts(result: GateResult) -> str:
    counts = result.verdict.counts
    return ", ".join(f"{counts.get(severity, 0)} {severity}" for severity in SEVERITIES)


def automation_summary(result: GateResult) -> str | None:
    """How much of the selected checklists the rules checked, e.g. "2 of 20 automated items checked,
    18 not automated yet": a PASSED over two checked items must not read as a clean review."""
    automated = [o for checklist in result.checklists for o in checklist.items if not o.item.manual]
    if not automated:
        return None
    unimplemented = sum(1 for o in automated if o.missing_rules and not o.findings)
    not_run = sum(1 for o in automated if o.status == "disabled")
    checked = len(automated) - unimplemented - not_run
    text = f"{checked} of {plural(len(automated), 'automated item')} checked"
    if unimplemented:
        text += f", {unimplemented} not automated yet"
    if not_run:
        text += f", {not_run} not run"
    return text


def verdict_headline(result: GateResult) -> str:
    """PASSED / FAILED / ERROR and why, in one sentence, then how much was checked."""
    coverage = automation_summary(result)
    tail = f"; {coverage}" if coverage else ""
    verdict = result.verdict
    if not verdict.passed:
        reasons = []
        if verdict.gating or not verdict.failed_items:
            reasons.append(
                f"{plural(len(verdict.gating), 'new finding')} at or above {verdict.fail_on} (--fail-on)"
            )
        failed = set(verdict.failed_items)
        items = [o.item for checklist in result.checklists for o in checklist.items if o.item.id in failed]
        manual = sum(1 for item in items if item.manual)
        if manual:
            reasons.append(f"{plural(manual, 'manual item')} not attested (--require-attestations)")
        if len(items) > manual:
            reasons.append(f"{plural(len(items) - manual, 'item')} not automated yet (--require-automated)")
        return "FAILED: " + "; ".join(reasons) + tail
    if verdict.internal_errors:
        return (
            f"ERROR: no new finding at or above {verdict.fail_on}, "
            f"but {plural(verdict.internal_errors, 'rule crash', 'rule crashes')} (internal error, exit 3)"
            + tail
        )
    return f"PASSED: no new finding at or above {verdict.fail_on} (--fail-on)" + tail


def verdict_details(result: GateResult) -> str:
    """Counts by severity, then what did not count, then how much was checked."""
    verdict = result.verdict
    parts = [f"findings: {severity_counts(result)}"]
    baseline = sum(1 for finding in active(result) if in_baseline(finding))
    if baseline:
        parts.append(f"{baseline} {result.old_findings}")
    parts.append(f"{verdict.suppressed} suppressed")
    if result.below_confidence:
        parts.append(f"{result.below_confidence} below the confidence shown (--min-confidence low)")
    if verdict.internal_errors:
        parts.append(plural(verdict.internal_errors, "internal error"))
    checked = f"{plural(result.files_checked, 'file')} checked"
    if result.test_files:
        checked += f" ({plural(result.test_files, 'test file')} only by the rules that apply to tests)"
    parts.append(checked)
    return "; ".join(parts)


def verdict_line(result: GateResult) -> str:
    """The headline and the details: the last line of the reports people read in a log."""
    return f"{verdict_headline(result)}; {verdict_details(result)}"


def kind_counts(notices: Iterable[Notice]) -> str:
    """ "3 skipped, 1 attestation": how many notices of each kind, in first-seen order."""
    return ", ".join(f"{count} {kind}" for kind, count in count_by(notice.kind for notice in notices))


def count_by(values: Iterable[str]) -> list[tuple[str, int]]:
    """(value, count) pairs in first-seen order."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return list(counts.items())


def root_uri(root: Path) -> str:
    """The root as a ``file:`` URI ending with ``/``, as SARIF's uriBaseId needs."""
    uri = Path(root).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"

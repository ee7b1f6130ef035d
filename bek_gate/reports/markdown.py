"""The Markdown summary for ``$GITHUB_STEP_SUMMARY``: verdict, per-checklist table, findings.

GitHub accepts at most 1 MiB of summary per step, so tables are capped
("... and N more") and the whole text is cut at a line boundary below
``BUDGET`` bytes whatever the input. Text from scanned code is escaped so
that it can neither break a table nor inject HTML or links.
"""

from __future__ import annotations

import re

from bek_gate.findings import SEVERITY_RANK, Finding, Notice
from bek_gate.reports import common
from bek_gate.verdict import GateResult, ItemOutcome

BUDGET = 1024 * 1024 - 16 * 1024  # room for what else the step writes to the summary
MAX_FINDINGS = 100
MAX_ITEMS = 100
MAX_NOTICES = 50
MAX_CELL = 300

# Emphasis, code, links, tables and strikethrough; ``<``/``>``/``&`` become entities first.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_HEADERS = {
    "passed": "Passed",
    "failed": "Failed",
    "warning": "Warning",
    "error": "Rule crashed",
    "not-automated": "Not automated",
    "attested": "Manual attested",
    "unattested": "Manual unattested",
    "not-applicable": "N/A",
    "disabled": "Disabled",
}


# A code span of the message: backticks, then anything, then as many backticks again.
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")


def cell(text: str, limit: int = MAX_CELL) -> str:
    """Table-cell-safe text: one line, Markdown and HTML neutralised, at most ``limit`` characters.

    The message's own code spans (`` `requests.get()` ``) stay code: inside one nothing is
    Markdown or HTML, so only the table's pipe is escaped there.
    """
    flat = _flat(text, limit)
    parts = []
    position = 0
    for span in _CODE_SPAN.finditer(flat):
        parts.append(_neutralised(flat[position : span.start()]))
        parts.append(span.group(0).replace("|", "\\|"))
        position = span.end()
    parts.append(_neutralised(flat[position:]))
    return "".join(parts)


def _neutralised(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def code(text: str, limit: int = MAX_CELL) -> str:
    """Inline code that survives any backticks and pipes in ``text``."""
    flat = _flat(text, limit).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    padding = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{padding}{flat}{padding}{fence}" if flat else ""


def _flat(text: str, limit: int) -> str:
    """One line (runs of whitespace folded), other control characters escaped, cut at ``limit``."""
    flat = common.one_line(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render(result: GateResult, view: common.View = common.PLAIN) -> str:
    lines = _lines(result)
    out: list[str] = []
    size = 0
    for position, line in enumerate(lines):
        cost = len(line.encode("utf-8")) + 1
        if size + cost > BUDGET:
            out += [
                "",
                f"_Summary cut at {BUDGET // 1024} KiB: {len(lines) - position} more lines left out; "
                "the JSON and SARIF reports have everything._",
            ]
            break
        out.append(line)
        size += cost
    return "\n".join(out) + "\n"


def _lines(result: GateResult) -> list[str]:
    verdict = result.verdict
    icon = "❌" if not verdict.passed else ("⚠️" if verdict.internal_errors else "✅")
    lines = [f"## {icon} bek gate: {cell(common.verdict_headline(result))}", ""]
    lines += [cell(common.verdict_details(result), 2000), ""]
    lines += _checklist_table(result)
    lines += _findings_table(result)
    lines += _items_tables(result)
    lines += _notices(result)
    return lines


def _checklist_table(result: GateResult) -> list[str]:
    if not result.checklists:
        return ["No checklist was selected.", ""]
    header = "| Checklist | " + " | ".join(_HEADERS[status] for status in common.DISPLAY_ORDER) + " |"
    rule = "| --- | " + " | ".join("---:" for _ in common.DISPLAY_ORDER) + " |"
    rows = []
    for outcome in result.checklists:
        counts = outcome.counts()
        title = f"{code(outcome.checklist.id)} {cell(outcome.checklist.title, 120)}"
        rows.append(
            f"| {title} | " + " | ".join(str(counts[status]) for status in common.DISPLAY_ORDER) + " |"
        )
    return ["### Checklists", "", header, rule, *rows, ""]


def _items_tables(result: GateResult) -> list[str]:
    """Items with findings in a table; items waiting for a rule or a person folded away below it."""
    with_findings: list[str] = []
    waiting: list[str] = []
    for checklist in result.checklists:
        for outcome in checklist.items:
            if outcome.findings or outcome.status in ("failed", "warning"):
                detail = (
                    _finding_counts(result, outcome)
                    if outcome.findings
                    else common.item_reason(result, outcome)
                )
                target = with_findings
            elif outcome.status in ("not-automated", *common.MANUAL_STATUSES):
                detail = common.item_reason(result, outcome)
                target = waiting
            else:
                continue
            target.append(
                f"| {code(outcome.item.id)} | {common.STATUS_LABELS[outcome.status]} | "
                f"{cell(outcome.item.title, 160)} | {cell(detail)} |"
            )
    out: list[str] = []
    if with_findings:
        out += ["### Items that failed or warn", "", *_table_head(), *_capped(with_findings), ""]
    if waiting:
        out += [
            f"<details><summary>Items not checked by code ({len(waiting)}): "
            "not automated yet, or manual</summary>",
            "",
            *_table_head(),
            *_capped(waiting),
            "",
            "</details>",
            "",
        ]
    return out


def _finding_counts(result: GateResult, outcome: ItemOutcome) -> str:
    """ "2 findings that gate, 1 that does not": a failed item counts what failed it."""
    gating = sum(1 for finding in outcome.findings if common.is_gating(result, finding))
    rest = len(outcome.findings) - gating
    gates = f"{common.plural(gating, 'finding')} that {'gates' if gating == 1 else 'gate'}"
    does_not = "does not" if rest == 1 else "do not"
    if not rest:
        return gates
    if not gating:
        return f"{common.plural(rest, 'finding')} that {does_not} gate"
    return f"{gates}, {rest} that {does_not}"


def _table_head() -> list[str]:
    return ["| Item | Status | Title | Details |", "| --- | --- | --- | --- |"]


def _capped(rows: list[str]) -> list[str]:
    if len(rows) <= MAX_ITEMS:
        return rows
    return [*rows[:MAX_ITEMS], f"| … | | and {len(rows) - MAX_ITEMS} more items | |"]


def _findings_table(result: GateResult) -> list[str]:
    findings = [finding for finding in common.active(result) if not common.in_baseline(finding)]
    if not findings:
        baseline = sum(1 for finding in common.active(result) if common.in_baseline(finding))
        note = f" ({common.plural(baseline, 'finding')} {result.old_findings})" if baseline else ""
        return [f"No new findings{note}.", ""]
    findings.sort(key=_worst_first)
    out = [
        f"### Findings ({len(findings)})",
        "",
        "| Severity | Location | Rule | Items | Message |",
        "| --- | --- | --- | --- | --- |",
    ]
    for finding in findings[:MAX_FINDINGS]:
        loc = finding.location
        gate = " ⛔" if common.is_gating(result, finding) else ""
        items = ", ".join(finding.checklist_items) or "-"
        out.append(
            f"| {finding.severity}{gate} | {code(f'{finding.path}:{loc.line}:{loc.column}')} | "
            f"{code(finding.rule_id)} | {cell(items, 120)} | {cell(finding.message)} |"
        )
    if len(findings) > MAX_FINDINGS:
        out += ["", f"… and {len(findings) - MAX_FINDINGS} more findings (see the SARIF or JSON report)."]
    return [*out, ""]


def _worst_first(finding: Finding) -> tuple[object, ...]:
    return (-SEVERITY_RANK.get(finding.severity, 0), *finding.sort_key())


def _notices(result: GateResult) -> list[str]:
    out = []
    errors = common.internal_errors(result)
    if errors:
        out += ["### Internal errors", ""]
        out += [f"- {_notice_line(notice)}" for notice in errors[:MAX_NOTICES]]
        if len(errors) > MAX_NOTICES:
            out.append(f"- … and {len(errors) - MAX_NOTICES} more")
        out.append("")
    others = common.other_notices(result)
    if others:
        out += ["<details><summary>Notices (" + str(len(others)) + ")</summary>", ""]
        out += [f"- {notice.kind}: {_notice_line(notice)}" for notice in others[:MAX_NOTICES]]
        if len(others) > MAX_NOTICES:
            out.append(f"- … and {len(others) - MAX_NOTICES} more")
        out += ["", "</details>", ""]
    suppressed = result.verdict.suppressed
    if suppressed:
        out += [f"{common.plural(suppressed, 'finding')} suppressed by `bek: ignore` comments.", ""]
    return out


def _notice_line(notice: Notice) -> str:
    where = common.notice_location(notice)
    return f"{code(where)} {cell(notice.message)}" if where else cell(notice.message)

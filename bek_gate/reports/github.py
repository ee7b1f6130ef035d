"""GitHub Actions annotations: ``::error file=...,line=...::message`` workflow commands.

New findings are annotated, and so are files a rule crashed or timed out on;
everything else goes into one summary annotation, written only when something
needs attention, so a passing run annotates nothing. Paths are relative to the
current directory. GitHub shows at most 10 annotations of each level per step,
so only the first 10 per level are written (worst first), then one plain log
line says how many more there are and points to the job summary (the markdown
report).

Values are escaped as the Actions toolkit does: in the message ``%``, CR and
LF; in properties also ``:`` and ``,``. A message from scanned code can
therefore neither end the command early nor start a new one.
"""

from __future__ import annotations

import re

from bek_gate.findings import Finding, Notice
from bek_gate.reports import common
from bek_gate.verdict import GateResult

MAX_PER_LEVEL = 10
LEVELS = ("error", "warning", "notice")
LEVEL_BY_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}
# Notices about one file that a rule could not check are annotated on that file; others are counted.
NOTICE_LEVEL = {"internal-error": "error", "timeout": "warning"}
ANNOTATED_NOTICES = tuple(NOTICE_LEVEL)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: object) -> str:
    """One workflow command; properties that are None are left out.

    Line breaks in the message are kept (escaped, GitHub shows them); other
    control characters, such as the ESC of a colour sequence, are shown as
    escapes so that the log cannot be recoloured or rewritten.
    """
    pairs = [
        f"{name}={escape_property(common.one_line(str(value)))}"
        for name, value in properties.items()
        if value is not None
    ]
    head = f"::{level} {','.join(pairs)}" if pairs else f"::{level}"
    lines = re.split(r"\r\n|\r|\n", message)
    return f"{head}::{escape_data(chr(10).join(common.one_line(line) for line in lines))}"


def render(result: GateResult, view: common.View = common.PLAIN) -> str:
    """Annotations for new findings and for files a rule could not check, then a plain verdict line.

    One more annotation, a summary, is written only when something needs attention:
    the gate failed, a rule crashed, or there are notices (skipped files...). A passing run
    without notices annotates nothing.
    """
    shown = view.paths(result)
    by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
    for notice in result.notices:
        if notice.kind in ANNOTATED_NOTICES:
            by_level[NOTICE_LEVEL[notice.kind]].append(
                _notice_command(notice, shown(notice.path) if notice.path else None)
            )
    findings = [
        finding
        for finding in common.active(result)
        if not common.in_baseline(finding)  # baseline findings are known debt, not news for a PR
    ]
    findings.sort(key=common.severity_order)
    for finding in findings:
        level = LEVEL_BY_SEVERITY.get(finding.severity, "warning")
        by_level[level].append(_finding_command(finding, shown(finding.path)))
    summary = _summary(result)
    if summary is not None:
        by_level[summary[0]].insert(0, summary[1])  # first of its level: the cap never drops it

    lines = []
    for level in LEVELS:
        commands = by_level[level]
        lines += commands[:MAX_PER_LEVEL]
        hidden = len(commands) - MAX_PER_LEVEL
        if hidden > 0:
            # A plain line, not a command: an 11th annotation of this level would be dropped.
            lines.append(
                f"bek: {common.plural(hidden, 'more ' + level)} not annotated (GitHub shows {MAX_PER_LEVEL} "
                "per level and step); see the job summary for every finding"
            )
    lines.append(f"bek: {common.verdict_line(result)}")
    return "\n".join(lines) + "\n"


def _summary(result: GateResult) -> tuple[str, str] | None:
    """(level, command) of the one summary annotation, or None when nothing needs attention."""
    verdict = result.verdict
    # Skipped files, attestations of unknown items...: listed in the log, counted here.
    unannotated = [notice for notice in common.other_notices(result) if notice.kind not in ANNOTATED_NOTICES]
    required = any(o.status == "failed" for o in common.manual_outcomes(result))
    if verdict.passed and not verdict.internal_errors and not unannotated and not required:
        return None
    parts = [common.verdict_headline(result)]
    unattested = common.unattested_summary(result)
    if required and unattested:
        parts.append(unattested)
    if unannotated:
        parts.append(f"notices: {common.kind_counts(unannotated)} (listed in the log)")
    level = "error" if not verdict.passed or verdict.internal_errors or required else "warning"
    return level, command(level, "\n".join(parts), title="bek verdict")


def _finding_command(finding: Finding, path: str) -> str:
    loc = finding.location
    same_line = loc.end_line == loc.line
    # Columns only on one-line regions (GitHub's rule for annotations); endColumn is inclusive there.
    message = finding.message
    if finding.fix:
        message += f"\nfix: {finding.fix}"
    if finding.pattern:
        message += f"\nsee: bek show {finding.pattern}"
    return command(
        LEVEL_BY_SEVERITY.get(finding.severity, "warning"),
        message,
        file=path,
        line=max(loc.line, 1),
        endLine=max(loc.end_line, loc.line, 1),
        col=max(loc.column, 1) if same_line else None,
        endColumn=max(loc.end_column - 1, loc.column, 1) if same_line else None,
        title=f"bek {finding.rule_id} ({finding.severity})",
    )


def _notice_command(notice: Notice, path: str | None) -> str:
    level = NOTICE_LEVEL.get(notice.kind, "notice")
    title = f"bek {notice.kind}" + (f" ({notice.rule_id})" if notice.rule_id else "")
    return command(
        level,
        notice.message or notice.kind,
        file=path,
        line=notice.line if path and notice.line else None,
        title=title,
    )

"""GitHub Actions annotations: ``::error file=...,line=...::message`` workflow commands.

GitHub shows at most 10 annotations of each level per step, so only the first
10 per level are written (worst first), then one plain log line says how many
more there are and points to the job summary (the markdown report).

Values are escaped as the Actions toolkit does: in the message ``%``, CR and
LF; in properties also ``:`` and ``,``. A message from scanned code can
therefore neither end the command early nor start a new one.
"""

from __future__ import annotations

import re

from bek_gate.findings import SEVERITY_RANK, Finding, Notice
from bek_gate.reports import common
from bek_gate.verdict import GateResult

MAX_PER_LEVEL = 10
LEVELS = ("error", "warning", "notice")
LEVEL_BY_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}
NOTICE_LEVEL = {"internal-error": "error", "skipped": "warning", "timeout": "warning"}


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


def render(result: GateResult, *, color: bool = False) -> str:
    by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
    for notice in common.internal_errors(result):
        by_level["error"].append(_notice_command(notice))
    findings = [
        finding
        for finding in common.active(result)
        if not common.in_baseline(finding)  # baseline findings are known debt, not news for a PR
    ]
    findings.sort(key=lambda finding: (-SEVERITY_RANK.get(finding.severity, 0), *finding.sort_key()))
    for finding in findings:
        level = LEVEL_BY_SEVERITY.get(finding.severity, "warning")
        by_level[level].append(_finding_command(finding))
    for notice in common.other_notices(result):
        by_level[NOTICE_LEVEL.get(notice.kind, "notice")].append(_notice_command(notice))
    unattested = common.unattested_summary(result)
    if unattested:
        # One annotation for all of them: a dozen manual items would crowd out the findings.
        required = any(o.status == "failed" for o in common.manual_outcomes(result))
        by_level["error" if required else "notice"].append(
            command("error" if required else "notice", unattested, title="bek attestations")
        )

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
    lines.append(f"bek: {common.verdict_headline(result)}; {common.verdict_details(result)}")
    return "\n".join(lines) + "\n"


def _finding_command(finding: Finding) -> str:
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
        file=finding.path,
        line=max(loc.line, 1),
        endLine=max(loc.end_line, loc.line, 1),
        col=max(loc.column, 1) if same_line else None,
        endColumn=max(loc.end_column - 1, loc.column, 1) if same_line else None,
        title=f"bek {finding.rule_id} ({finding.severity})",
    )


def _notice_command(notice: Notice) -> str:
    level = NOTICE_LEVEL.get(notice.kind, "notice")
    title = f"bek {notice.kind}" + (f" ({notice.rule_id})" if notice.rule_id else "")
    return command(
        level,
        notice.message or notice.kind,
        file=notice.path,
        line=notice.line if notice.path and notice.line else None,
        title=title,
    )

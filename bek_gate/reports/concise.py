"""The concise report: one line per finding, as ruff's concise output, then the verdict line.

``path:line:col: rule-id (severity) message`` with the path relative to the
current directory, for pre-commit hooks and CI logs where a code frame per
finding is too much. Findings that do not gate because they are old (baseline,
outside the diff) are counted in the verdict line, not listed; notices go to
stderr as for every format but text.
"""

from __future__ import annotations

from bek_gate.reports import common
from bek_gate.verdict import GateResult


def render(result: GateResult, view: common.View = common.PLAIN) -> str:
    shown = view.paths(result)
    lines = []
    for finding in common.active(result):  # sorted by path and place already
        if common.in_baseline(finding):
            continue
        loc = finding.location
        where = f"{shown(finding.path)}:{loc.line}:{loc.column}"
        lines.append(common.one_line(f"{where}: {finding.rule_id} ({finding.severity}) {finding.message}"))
    lines.append(f"bek: {common.verdict_line(result)}")
    return "\n".join(lines) + "\n"

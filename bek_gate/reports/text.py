"""The terminal report: findings grouped by checklist item, with code frames, then the verdict.

Each finding reads ``path:line:col rule-id message`` (editors and terminals
link that form, relative to the current directory), then two lines of context
and the reported lines with a caret underline, the fix hint and where to read
more. Items that need nothing from the reader (passed, not automated, manual,
disabled) take one summary line per checklist, and notices one line; with
``-v`` each status lists its item ids, every notice is printed, and a table
counts the statuses per checklist.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from pathlib import Path

from bek_gate import parsing
from bek_gate.findings import Finding
from bek_gate.reports import common
from bek_gate.verdict import ChecklistOutcome, GateResult, ItemOutcome

CONTEXT_LINES = 2
MAX_REGION_LINES = 3
MAX_NOTICES_PER_KIND = 20
WIDTH = 100

_MARKS = {
    "failed": "✗",
    "warning": "!",
    "passed": "✓",
    "error": "E",
    "not-automated": "?",
    "attested": "○",
    "unattested": "○",
    "not-applicable": "-",
    "disabled": "-",
}
_COMPACT = ("passed", "not-automated", "attested", "unattested", "not-applicable", "disabled")
_LISTED_WITH_V = "  (-v lists them)"
_SUMMARY_LABELS = {"unattested": "manual, not attested", "attested": "manual, attested"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends Python's tokenizer counts, and only those
_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36"}
_SEVERITY_COLOUR = {"critical": "red", "high": "red", "medium": "yellow", "low": "blue"}
_STATUS_COLOUR = {"failed": "red", "error": "red", "warning": "yellow", "passed": "green"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not text or not styles:
            return text
        codes = ";".join(_CODES[style] for style in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def render(result: GateResult, view: common.View = common.PLAIN) -> str:
    """The whole report; ANSI colour only when ``view.color`` (the CLI decides: terminal, NO_COLOR)."""
    report = _TextReport(result, view)
    return "\n".join(report.lines()) + "\n"


class _TextReport:
    def __init__(self, result: GateResult, view: common.View) -> None:
        self.result = result
        self.view = view
        self.style = _Style(view.color)
        self._shown = view.paths(result)
        self.owners = common.items_by_finding(result)
        self.shown: dict[Finding, str] = {}  # finding -> id of the item it was printed under
        self.explained: set[str] = set()  # rules whose fix and pattern were printed once already
        self._sources: dict[str, list[str] | None] = {}

    def lines(self) -> list[str]:
        out: list[str] = []
        for checklist in self.result.checklists:
            out += self._checklist(checklist)
            out.append("")
        out += self._section(
            "Files not checked (they could not be parsed)",
            [line for finding in common.parse_errors(self.result) for line in self._finding(finding)],
        )
        out += self._section(
            "Findings of rules no selected item names",
            [
                line
                for finding in common.unlinked_findings(self.result)
                if not common.in_baseline(finding)
                for line in self._finding(finding)
            ],
        )
        out += self._section(
            "Internal errors (a rule crashed; its findings may be incomplete)", self._internal()
        )
        out += self._notices()
        out += self._not_shown()
        if self.view.verbose or not self.result.checklists:
            out += [*self._table(), ""]
        out += self._verdict()
        return out

    # -- checklists and items -------------------------------------------------------------

    def _checklist(self, outcome: ChecklistOutcome) -> list[str]:
        style = self.style
        checklist = outcome.checklist
        out = [f"{style(checklist.id, 'bold')}  {common.one_line(checklist.title)}"]
        for item_outcome in outcome.items:
            if item_outcome.findings:
                out += self._item_with_findings(item_outcome)
            elif item_outcome.status not in _COMPACT:
                # failed without findings, e.g. an unattested manual item under --require-attestations
                mark = style(
                    _MARKS.get(item_outcome.status, "!"), _STATUS_COLOUR.get(item_outcome.status, "yellow")
                )
                reason = common.item_reason(self.result, item_outcome)
                out.append(
                    f"  {mark} {style(item_outcome.item.id, 'bold')} {common.one_line(item_outcome.item.title)}: {reason}"
                )
        quiet = [o for o in outcome.items if o.status in _COMPACT and not o.findings]
        if not self.view.verbose:
            return out + self._summary_line(quiet)
        for status in _COMPACT:
            out += self._compact(status, [o for o in quiet if o.status == status])
        return out

    def _summary_line(self, outcomes: list[ItemOutcome]) -> list[str]:
        """The items that need nothing from the reader, counted by status on one line."""
        parts = []
        for status in _COMPACT:
            count = sum(1 for outcome in outcomes if outcome.status == status)
            if count:
                mark = self.style(_MARKS[status], _STATUS_COLOUR.get(status, "dim"))
                parts.append(f"{mark} {count} {_SUMMARY_LABELS.get(status, common.STATUS_LABELS[status])}")
        return [f"  {' · '.join(parts)}{self.style(_LISTED_WITH_V, 'dim')}"] if parts else []

    def _item_with_findings(self, outcome: ItemOutcome) -> list[str]:
        style = self.style
        status = outcome.status
        colour = _STATUS_COLOUR.get(status, "yellow")
        header = f"  {style(_MARKS.get(status, '!'), colour, 'bold')} {style(outcome.item.id, 'bold')} "
        header += common.one_line(outcome.item.title)
        if status == "warning":
            if all(common.in_baseline(finding) for finding in outcome.findings):
                header += style(f"  (only findings {self.result.old_findings})", "dim")
            else:
                header += style(f"  (below --fail-on {self.result.verdict.fail_on})", "dim")
        out = [header]
        elsewhere: dict[str, int] = {}
        baseline = 0
        for finding in outcome.findings:
            if common.in_baseline(finding):
                baseline += 1
            elif finding in self.shown:
                first = self.shown[finding]
                elsewhere[first] = elsewhere.get(first, 0) + 1
            else:
                self.shown[finding] = outcome.item.id
                out += self._finding(finding, outcome)
        for item_id, count in elsewhere.items():
            out.append(style(f"    {common.plural(count, 'finding')} shown above under {item_id}", "dim"))
        if baseline:
            out.append(
                style(
                    f"    {common.plural(baseline, 'finding')} {self.result.old_findings} (not shown; they do not gate)",
                    "dim",
                )
            )
        return out

    def _compact(self, status: str, outcomes: list[ItemOutcome]) -> list[str]:
        if not outcomes:
            return []
        if status == "unattested":
            expired = [o for o in outcomes if o.attestation is not None and o.attestation.state == "expired"]
            missing = [o for o in outcomes if o not in expired]
            out = (
                self._id_line(status, "manual, not attested", [o.item.id for o in missing]) if missing else []
            )
            if expired:
                out += self._id_line(status, "manual, attestation expired", [o.item.id for o in expired])
            return out
        if status == "not-automated":
            ids = [f"{o.item.id} (needs {', '.join(o.missing_rules)})" for o in outcomes]
            return self._id_line(status, "not automated yet", ids)
        return self._id_line(status, common.STATUS_LABELS[status], [o.item.id for o in outcomes])

    def _id_line(self, status: str, label: str, ids: list[str]) -> list[str]:
        mark = self.style(_MARKS[status], _STATUS_COLOUR.get(status, "dim"))
        text = f"{label} ({len(ids)}): {', '.join(ids)}"
        wrapped = textwrap.wrap(text, WIDTH - 4, break_on_hyphens=False, break_long_words=False)
        return [f"  {mark} {wrapped[0]}", *(f"      {line}" for line in wrapped[1:])]

    # -- one finding ------------------------------------------------------------------------

    def _finding(self, finding: Finding, outcome: ItemOutcome | None = None) -> list[str]:
        style = self.style
        loc = finding.location
        where = style(f"{common.one_line(self._shown(finding.path))}:{loc.line}:{loc.column}", "bold")
        rule = style(finding.rule_id, _SEVERITY_COLOUR.get(finding.severity, "yellow"))
        out = [f"    {where} {rule} {common.one_line(finding.message)}"]
        out += self._frame(finding)
        if finding.rule_id not in self.explained:
            # The fix and the pattern are the rule's: print them with its first finding only.
            self.explained.add(finding.rule_id)
            if finding.fix:
                out.append(f"      fix: {common.one_line(finding.fix)}")
            if finding.pattern:
                out.append(f"      see: bek show {finding.pattern}")
        facts = [f"severity {finding.severity}"]
        if finding.cwe is not None:
            facts.append(f"CWE-{finding.cwe}")
        if finding.confidence != "high":
            facts.append(f"confidence {finding.confidence}")
        others = [o.item.id for o in self.owners.get(finding, []) if outcome is None or o is not outcome]
        if others:
            facts.append(f"also under {', '.join(dict.fromkeys(others))}")
        out.append(style(f"      {' · '.join(facts)}", "dim"))
        return out

    def _frame(self, finding: Finding) -> list[str]:
        loc = finding.location
        first_region = max(loc.line, 1)
        last_region = max(loc.end_line, first_region)
        source = self._source(finding.path)
        if source is not None and not _unchanged(source, finding):
            source = None  # rewritten since it was checked: its lines now would not be the finding's
        lines: dict[int, str] = {}
        if source is not None and first_region <= len(source):
            for number in range(max(1, first_region - CONTEXT_LINES), min(last_region, len(source)) + 1):
                lines[number] = source[number - 1]
        elif finding.snippet:
            # The file is gone or changed: the snippet starts at the reported line.
            for offset, text in enumerate(_LINE_BREAK.split(finding.snippet)):
                if first_region + offset <= last_region:
                    lines[first_region + offset] = text
        if not lines:
            return []
        region = [number for number in lines if number >= first_region]
        hidden = 0
        if len(region) > MAX_REGION_LINES:
            hidden = len(region) - MAX_REGION_LINES
            for number in region[MAX_REGION_LINES:]:
                del lines[number]
        gutter = len(str(max(lines)))
        style = self.style
        caret_colour = _SEVERITY_COLOUR.get(finding.severity, "yellow")
        out = []
        for number, text in lines.items():
            shown = _display(text)
            in_region = number >= first_region
            marker = ">" if in_region else " "
            out.append(
                f"    {marker} {style(str(number).rjust(gutter), 'dim')} {style('|', 'dim')} {shown}".rstrip()
            )
            if in_region:
                start, end = _underline(text, number, loc.line, loc.column, loc.end_line, loc.end_column)
                carets = "^" * max(end - start, 1)
                out.append(
                    f"    {' ' * (gutter + 3)}{style('|', 'dim')} {' ' * start}{style(carets, caret_colour)}"
                )
        if hidden:
            out.append(style(f"    {' ' * (gutter + 3)}| ... {common.plural(hidden, 'more line')}", "dim"))
        return out

    def _source(self, path: str) -> list[str] | None:
        if path not in self._sources:
            self._sources[path] = _read_lines(self.result.root, path)
        return self._sources[path]

    # -- the other sections ---------------------------------------------------------------

    def _section(self, title: str, body: list[str]) -> list[str]:
        if not body:
            return []
        return [self.style(title, "bold"), *body, ""]

    def _internal(self) -> list[str]:
        out = []
        for notice in common.internal_errors(self.result):
            where = common.one_line(common.notice_location(notice, self._shown))
            prefix = f"{where}: " if where else ""
            rule = f"[{notice.rule_id}] " if notice.rule_id else ""
            out.append(f"    {self.style('error', 'red')} {prefix}{rule}{common.one_line(notice.message)}")
        return out

    def _notices(self) -> list[str]:
        notices = common.other_notices(self.result)
        if not notices:
            return []
        out = [self.style("Notices", "bold")]
        if not self.view.verbose:
            # Notices about the run (no Python files...) are few and news; those about files are counted.
            about_files = [notice for notice in notices if notice.path is not None]
            for notice in notices:
                if notice.path is None:
                    out.append(f"    {notice.kind}: {common.one_line(notice.message)}")
            if about_files:
                out.append(f"    {common.kind_counts(about_files)}{self.style(_LISTED_WITH_V, 'dim')}")
            return [*out, ""]
        counts = common.count_by(notice.kind for notice in notices)
        for kind, count in counts:
            of_kind = [notice for notice in notices if notice.kind == kind]
            out.append(f"    {kind} ({count}):")
            for notice in of_kind[:MAX_NOTICES_PER_KIND]:
                where = common.one_line(common.notice_location(notice, self._shown))
                out.append(f"      {where + ': ' if where else ''}{common.one_line(notice.message)}")
            if count > MAX_NOTICES_PER_KIND:
                out.append(f"      ... and {count - MAX_NOTICES_PER_KIND} more (see the JSON report)")
        return [*out, ""]

    def _not_shown(self) -> list[str]:
        suppressed = [finding for finding in self.result.findings if finding.suppressed]
        out = []
        if suppressed:
            by_rule = sorted(common.count_by(finding.rule_id for finding in suppressed))
            detail = ", ".join(f"{rule_id} {count}" for rule_id, count in by_rule)
            out.append(
                f"Suppressed: {common.plural(len(suppressed), 'finding')} by bek: ignore comments ({detail})"
            )
        baseline = [finding for finding in common.active(self.result) if common.in_baseline(finding)]
        if baseline:
            out.append(
                f"Not gating: {common.plural(len(baseline), 'finding')} {self.result.old_findings} "
                "(not shown, not gating; see the JSON or SARIF report)"
            )
        return [*out, ""] if out else []

    def _table(self) -> list[str]:
        headers = ["checklist", *(common.STATUS_LABELS[status] for status in common.DISPLAY_ORDER)]
        rows = [
            [outcome.checklist.id, *(str(outcome.counts()[status]) for status in common.DISPLAY_ORDER)]
            for outcome in self.result.checklists
        ]
        if not rows:
            return ["No checklist selected."]
        widths = [max(len(row[column]) for row in [headers, *rows]) for column in range(len(headers))]

        def line(cells: list[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = "  ".join(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
            return f"{first}  {rest}".rstrip()

        return [self.style(line(headers), "bold"), *(line(row) for row in rows)]

    def _verdict(self) -> list[str]:
        verdict = self.result.verdict
        colour = "red" if not verdict.passed or verdict.internal_errors else "green"
        headline = self.style(common.verdict_headline(self.result), colour, "bold")
        return [f"{headline}; {common.verdict_details(self.result)}"]


def _read_lines(root: Path, path: str) -> list[str] | None:
    """The file's lines as the engine numbered them, or None when it cannot be read now."""
    try:
        data = (Path(root) / path).read_bytes()
    except (OSError, ValueError):
        return None
    text = parsing.decode(data)
    if isinstance(text, parsing.ParseFailure):
        return None
    return _LINE_BREAK.split(text)


def _unchanged(source: list[str], finding: Finding) -> bool:
    """Whether the file still has the finding's snippet at the finding's line (no snippet: assume so)."""
    if not finding.snippet:
        return True
    snippet = _LINE_BREAK.split(finding.snippet)
    start = max(finding.location.line, 1) - 1
    return source[start : start + len(snippet)] == snippet


def _display(text: str) -> str:
    """A source line as printed: tabs expanded, control characters escaped."""
    return common.one_line(text.expandtabs(8))


def _width(text: str) -> int:
    """Terminal cells: wide East Asian characters take two, combining marks none."""
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _underline(
    text: str, number: int, line: int, column: int, end_line: int, end_column: int
) -> tuple[int, int]:
    """Start and end cell of the caret underline of ``text`` (line ``number`` of the region)."""
    indent = len(text) - len(text.lstrip())
    start = column - 1 if number == line else indent
    end = end_column - 1 if number == end_line else len(text.rstrip())
    start = min(max(start, 0), len(text))
    end = min(max(end, start), len(text))
    return _width(_display(text[:start])), _width(_display(text[:end]))

"""The Markdown job summary: verdict, tables, escaping, and the 1 MiB guarantee."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bek_gate.reports import markdown
from bek_gate.verdict import GateResult
from tests.reports import factory

MIB = 1024 * 1024
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_headline_and_checklist_table(rich: GateResult) -> None:
    lines = markdown.render(rich).splitlines()
    assert (
        lines[0]
        == "## ❌ bek gate: FAILED: 2 new findings at or above high (--fail-on); 4 of 6 automated items checked, 1 not automated yet, 1 not run"
    )
    assert lines[2].startswith("findings: 0 critical, 3 high, 1 medium, 0 low")
    header = lines.index(
        "| Checklist | Passed | Failed | Warning | Rule crashed | Not automated | Manual attested "
        "| Manual unattested | N/A | Disabled |"
    )
    assert (
        lines[header + 2]
        == "| `checklist-security-review` Security review | 1 | 1 | 1 | 0 | 1 | 0 | 1 | 0 | 1 |"
    )
    assert lines[header + 3] == "| `checklist-api-review` API review | 0 | 1 | 0 | 0 | 0 | 0 | 1 | 0 | 0 |"


def test_items_and_findings_tables(rich: GateResult) -> None:
    lines = markdown.render(rich).splitlines()
    assert (
        "| `sec-04` | not automated yet | Secrets are not logged | not automated yet (rule not implemented: secret-in-log) |"
        in lines
    )
    assert (
        "| `sec-05` | manual, unattested | Penetration test done this year | manual check: not attested |"
        in lines
    )
    assert "| `sec-03`" not in "\n".join(lines), "passed items are only counted"
    assert "| `sec-01` | failed | Parameterise SQL queries | 1 finding that gates, 1 that does not |", (
        "the baseline finding does not count as failing" in lines
    )
    findings = lines.index("### Findings (3)")
    items = lines.index("### Items that failed or warn")
    folded = next(
        position for position, line in enumerate(lines) if line.startswith("<details><summary>Items not")
    )
    assert findings < items < folded, "findings first; items waiting for a rule or a person folded away last"
    assert folded < lines.index(
        "| `sec-05` | manual, unattested | Penetration test done this year | manual check: not attested |"
    )
    assert "### Findings (3)" in lines
    rows = [line for line in lines if line.startswith("| high") or line.startswith("| medium")]
    assert rows[0] == (
        "| high ⛔ | `app/db.py:6:5` | `fake-sql` | sec-01, api-01 | "
        "cursor.execute() receives a query built with an f-string |"
    )
    assert rows[1].startswith("| high ⛔ | `broken.py:1:12` | `parse-error` | - | syntax error:")
    assert rows[-1].startswith("| medium | `app/client.py:5:12` | `fake-timeout` | sec-02 |")
    assert not any("app/legacy.py" in line or "app/quiet.py" in line for line in lines)
    assert "### Internal errors" in lines
    assert "1 finding suppressed by `bek: ignore` comments." in lines


def test_clean_summary(clean: GateResult) -> None:
    rendered = markdown.render(clean)
    assert rendered.startswith("## ✅ bek gate: PASSED: no new finding at or above high")
    assert "No new findings." in rendered
    assert "### Internal errors" not in rendered


def test_a_crash_is_flagged(tmp_path: Path) -> None:
    rendered = markdown.render(factory.crash_only_result(tmp_path))
    assert rendered.startswith("## ⚠️ bek gate: ERROR")


def test_hostile_strings_cannot_break_the_table_or_inject_html(hostile: GateResult) -> None:
    rendered = markdown.render(hostile)
    row = next(line for line in rendered.splitlines() if line.startswith("| high"))
    assert len(_UNESCAPED_PIPE.findall(row)) == 6, "five cells, whatever the message holds"
    assert "&lt; &amp; &gt;" in row
    outside_code = re.sub(r"(`+).*?\1", "", row)
    assert "<" not in outside_code and ">" not in outside_code, (
        "HTML only inside code spans, where it is inert"
    )
    assert "\\[x\\](http://e.invalid)" in row, "no link can be formed"
    assert " `tick` " in row, "a code span of the message stays code"
    assert "\x1b" not in rendered and "\r" not in rendered
    assert "ünïcode" in row
    location = re.search(r"\| (`+)(.*?)\1 \|", row)
    assert location and location.group(2) == "odd dir/naïve %25 file,:<&>#?.py:2:5"


def test_code_spans_survive_backticks() -> None:
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.code("`x`") == "`` `x` ``"
    assert markdown.code("a|b") == "`a\\|b`"


def test_findings_are_capped(tmp_path: Path) -> None:
    rendered = markdown.render(factory.many_findings_result(tmp_path, 250))
    rows = [line for line in rendered.splitlines() if line.startswith(("| high", "| medium"))]
    assert len(rows) == markdown.MAX_FINDINGS
    assert f"… and {250 - markdown.MAX_FINDINGS} more findings (see the SARIF or JSON report)." in rendered


def test_always_under_one_mib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lift the table caps so that only the byte budget stands between a huge result and the limit.
    monkeypatch.setattr(markdown, "MAX_FINDINGS", 10**9)
    monkeypatch.setattr(markdown, "MAX_CELL", 10**6)
    result = factory.many_findings_result(tmp_path, 6000)
    result.findings = [finding.with_(message=finding.message * 10) for finding in result.findings]
    rendered = markdown.render(result)
    assert len(rendered.encode("utf-8")) < MIB
    assert "Summary cut at" in rendered.splitlines()[-1]


def test_huge_result_with_default_caps_is_small(tmp_path: Path) -> None:
    rendered = markdown.render(factory.many_findings_result(tmp_path, 20000))
    assert len(rendered.encode("utf-8")) < 200 * 1024


def test_an_item_that_fails_without_findings_is_in_the_failed_items(clean: GateResult) -> None:
    lines = markdown.render(factory.with_required_attestations(clean)).splitlines()
    assert (
        "| `sec-05` | failed | Penetration test done this year | manual check: not attested (attestations are required) |"
        in lines
    )
    assert lines.index("### Items that failed or warn") < lines.index(
        "| `sec-05` | failed | Penetration test done this year | manual check: not attested (attestations are required) |"
    )


def test_code_spans_in_messages_stay_code() -> None:
    from bek_gate.reports.markdown import cell

    assert cell("`requests.get()` has no timeout") == "`requests.get()` has no timeout"
    # Outside a span everything is neutralised; inside, only the table's pipe is escaped.
    assert cell("`a|b` <i>*x*</i> lone ` tick") == "`a\\|b` &lt;i&gt;\\*x\\*&lt;/i&gt; lone \\` tick"

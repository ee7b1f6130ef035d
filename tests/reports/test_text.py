"""The text report: grouping by item, code frames, compact passed items, the verdict table."""

from __future__ import annotations

import re
from pathlib import Path

from bek_gate.findings import Finding, Location
from bek_gate.reports import View, text
from bek_gate.verdict import GateResult
from tests.reports import factory


def _lines(result: GateResult, **options: bool) -> list[str]:
    return text.render(result, View(**options)).splitlines()


def _index(lines: list[str], needle: str) -> int:
    matches = [position for position, line in enumerate(lines) if needle in line]
    assert matches, f"{needle!r} not in report:\n" + "\n".join(lines)
    return matches[0]


def test_findings_are_grouped_under_their_item_with_location_rule_and_message(rich: GateResult) -> None:
    lines = _lines(rich)
    header = _index(lines, "✗ sec-01 Parameterise SQL queries")
    finding = _index(lines, "app/db.py:6:5 fake-sql cursor.execute() receives a query built with an f-string")
    warning = _index(lines, "! sec-02 Outbound calls have timeouts")
    assert header < finding < warning
    assert "below --fail-on high" in lines[warning]
    assert lines[_index(lines, "checklist-security-review")].startswith(
        "checklist-security-review  Security review"
    )


def test_code_frame_has_two_lines_of_context_and_an_exact_caret_underline(rich: GateResult) -> None:
    lines = _lines(rich)
    start = _index(lines, "app/db.py:6:5 fake-sql")
    frame = lines[start + 1 : start + 5]
    assert frame[0] == "      4 | def load(cursor, user_id):"
    assert frame[1] == "      5 |     # look the user up"
    assert frame[2] == '    > 6 |     cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")'
    source_column = frame[2].index("cursor")
    carets = frame[3]
    assert carets.index("^") == source_column, "the underline starts under the reported column"
    finding = next(f for f in rich.findings if f.path == "app/db.py")
    assert carets.count("^") == finding.location.end_column - finding.location.column
    assert len(carets.rstrip()) == len(frame[2]), "the underline ends under the closing parenthesis"


def test_fix_hint_pattern_pointer_and_facts_follow_the_frame(rich: GateResult) -> None:
    lines = _lines(rich)
    start = _index(lines, "app/db.py:6:5 fake-sql")
    block = lines[start : start + 9]
    assert "      fix: Pass the values as query parameters." in block
    assert "      see: bek show sec-input-validation" in block
    facts = next(line for line in block if "severity high" in line)
    assert "CWE-89" in facts and "also under api-01" in facts


def test_finding_without_pattern_or_cwe_has_no_see_line(rich: GateResult) -> None:
    lines = _lines(rich)
    start = _index(lines, "app/client.py:5:12 fake-timeout requests.get() has no timeout")
    block = lines[start : _index(lines, "✓ 1 passed")]
    assert not any("see:" in line for line in block)
    assert not any("CWE" in line for line in block)
    assert any("confidence medium" in line for line in block), "a confidence below high is shown"


def test_a_finding_of_several_items_is_printed_once_and_names_the_others(rich: GateResult) -> None:
    report = text.render(rich)
    assert report.count("app/db.py:6:5 fake-sql") == 1
    lines = report.splitlines()
    api = _index(lines, "✗ api-01 Queries are safe from injection")
    assert "1 finding shown above under sec-01" in lines[api + 1]


def test_items_without_findings_take_one_summary_line_per_checklist(rich: GateResult) -> None:
    lines = _lines(rich)
    assert (
        "  ✓ 1 passed · ? 1 not automated yet · ○ 1 manual, not attested · - 1 disabled  (-v lists them)"
        in lines
    )
    assert "  ○ 1 manual, not attested  (-v lists them)" in lines, "the API checklist's line"
    assert not any("sec-03" in line or "sec-05" in line for line in lines), "ids only with -v"


def test_verbose_lists_the_items_of_each_status(rich: GateResult) -> None:
    lines = _lines(rich, verbose=True)
    assert "  ✓ passed (1): sec-03" in lines
    assert "  ? not automated yet (1): sec-04 (needs secret-in-log)" in lines
    assert "  ○ manual, not attested (1): sec-05" in lines
    assert "  - disabled (1): sec-06" in lines


def test_manual_items_show_their_attestation_state(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    result = factory.build(
        tmp_path,
        [],
        attestations={
            "sec-05": factory.attestation("sec-05"),
            "api-02": factory.attestation("api-02", expires="2026-01-01"),
        },
    )
    summary = _lines(result)
    assert (
        "  ✓ 3 passed · ? 1 not automated yet · ○ 1 manual, attested · - 1 disabled  (-v lists them)"
        in summary
    )
    assert "  ✓ 1 passed · ○ 1 manual, not attested  (-v lists them)" in summary, "expired is not attested"
    lines = _lines(result, verbose=True)
    assert "  ○ manual, attested (1): sec-05" in lines
    assert "  ○ manual, attestation expired (1): api-02" in lines


def test_parse_errors_internal_errors_notices_suppressed_and_baseline_have_their_sections(
    rich: GateResult,
) -> None:
    summary = _lines(rich)
    assert summary[_index(summary, "Notices") + 1] == "    1 skipped  (-v lists them)"
    lines = _lines(rich, verbose=True)
    section = _index(lines, "Files not checked")
    assert "broken.py:1:12 parse-error syntax error" in lines[section + 1]
    assert lines[section + 2] == "    > 1 | def handler(request:"
    assert lines[section + 3] == "        |            ^", "a zero-width region still gets one caret"
    internal = _index(lines, "Internal errors")
    assert "app/crash.py: [fake-crash] rule 'fake-crash' crashed" in lines[internal + 1]
    assert "      big/data.py: file is larger than 1 MB" in lines
    assert any(
        line.startswith("Suppressed: 1 finding by bek: ignore comments (fake-sql 1)") for line in lines
    )
    assert any(line.startswith("Not gating: 1 finding in the baseline") for line in lines)
    assert not any("app/legacy.py" in line for line in lines), "baseline findings are not printed"
    assert not any("app/quiet.py" in line for line in lines), "suppressed findings are not printed"


def test_verdict_table_and_line(rich: GateResult) -> None:
    assert not any(line.startswith("checklist  ") for line in _lines(rich)), "the table only with -v"
    lines = _lines(rich, verbose=True)
    header = _index(lines, "checklist  ")
    assert re.split(r"\s{2,}", lines[header]) == [
        "checklist",
        "passed",
        "failed",
        "warning",
        "rule crashed",
        "not automated yet",
        "manual, attested",
        "manual, unattested",
        "not applicable",
        "disabled",
    ]
    assert lines[header + 1].split() == [
        "checklist-security-review",
        "1",
        "1",
        "1",
        "0",
        "1",
        "0",
        "1",
        "0",
        "1",
    ]
    assert lines[header + 2].split() == ["checklist-api-review", "0", "1", "0", "0", "0", "0", "1", "0", "0"]
    verdict = lines[-1]
    assert verdict.startswith("FAILED: 2 new findings at or above high (--fail-on)")
    assert "0 critical, 3 high, 1 medium, 0 low" in verdict
    assert "1 suppressed" in verdict and "1 in the baseline" in verdict and "1 internal error" in verdict


def test_clean_run(clean: GateResult) -> None:
    report = text.render(clean)
    assert "✗" not in report and "\n  ! " not in report
    assert (
        "  ✓ 3 passed · ? 1 not automated yet · ○ 1 manual, not attested · - 1 disabled  (-v lists them)"
        in (report.splitlines())
    )
    assert "  ✓ passed (3): sec-01, sec-02, sec-03" in _lines(clean, verbose=True)
    assert report.splitlines()[-1].startswith("PASSED: no new finding at or above high")
    assert "Files not checked" not in report and "Internal errors" not in report


def test_a_crash_without_findings_is_an_error_verdict(tmp_path: Path) -> None:
    report = text.render(factory.crash_only_result(tmp_path))
    assert report.splitlines()[-1].startswith("ERROR: no new finding at or above high, but 1 rule crash")


def test_frame_falls_back_to_the_snippet_when_the_file_cannot_be_read(rich: GateResult) -> None:
    (rich.root / "app/db.py").unlink()
    lines = _lines(rich)
    start = _index(lines, "app/db.py:6:5 fake-sql")
    assert lines[start + 1] == '    > 6 |     cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")'
    assert lines[start + 2].count("^") == 59
    assert not any("def load" in line for line in lines), "no context lines without the file"


def test_frame_is_omitted_when_neither_file_nor_snippet_exists(tmp_path: Path) -> None:
    result = factory.many_findings_result(tmp_path, 1)
    result.findings[0] = result.findings[0].with_(snippet="")
    result = factory.build(tmp_path, result.findings)
    lines = _lines(result)
    start = _index(lines, "pkg/module_0.py:1:5 fake-sql")
    assert lines[start + 1].startswith("      fix:")


def test_caret_aligns_after_tabs_and_wide_characters(tmp_path: Path) -> None:
    source = "def f(cursor, x):\n\tname = '名前'; cursor.execute(f'{x}')\n"
    findings, _ = factory.analyse(tmp_path, {"wide.py": source}, factory.loaded_rules())
    result = factory.build(
        tmp_path, factory.enrich(findings, factory.loaded_rules(), [factory.security_checklist()])
    )
    lines = _lines(result)
    code_line = lines[_index(lines, "> 2 |")]
    caret_line = lines[_index(lines, "> 2 |") + 1]
    prefix = code_line[: code_line.index("cursor")]
    cells = len(prefix) + 2  # each of the two wide characters takes two cells
    assert caret_line.index("^") == cells
    assert caret_line.count("^") == len("cursor.execute(f'{x}')")
    assert "\t" not in code_line


def test_long_regions_are_capped(tmp_path: Path) -> None:
    source = "".join(f"line_{number} = {number}\n" for number in range(1, 21))
    (tmp_path / "long.py").write_text(source, encoding="utf-8")
    finding = Finding(
        rule_id="fake-timeout",
        message="a long region",
        path="long.py",
        location=Location(5, 1, 14, 12),
        snippet="",
        severity="medium",
        fingerprint="a" * 32,
    )
    lines = _lines(factory.build(tmp_path, [finding.with_(checklist_items=("sec-02",))]))
    start = _index(lines, "long.py:5:1")
    shown = [line for line in lines[start:] if re.match(r"^    [> ] +\d+ \|", line)]
    assert [line.split("|")[0].split()[-1] for line in shown] == ["3", "4", "5", "6", "7"]
    assert any("... 7 more lines" in line for line in lines)


def test_hostile_strings_cannot_break_lines_or_send_escape_sequences(hostile: GateResult) -> None:
    report = text.render(hostile)
    assert "\x1b" not in report and "\r" not in report
    lines = report.splitlines()
    finding = lines[_index(lines, "fake-sql bad")]
    assert finding.startswith(f"    {factory.HOSTILE_PATH}:2:5 fake-sql bad\\nline\\r %0A: , < & >")
    assert finding.endswith("\\x1b[31m")
    assert "ünïcode" in finding
    assert '    > 2 |     cursor.execute(f"SELECT {x}")  # ünï <&>' in lines
    internal = lines[_index(lines, "Internal errors") + 1]
    assert "rule crashed:\\nTraceback <&> %0A ::x" in internal


def test_undecodable_file_names_are_printable(tmp_path: Path) -> None:
    report = text.render(factory.undecodable_path_result(tmp_path))
    report.encode("utf-8")
    assert "caf\ufffd/data.py:3:5 fake-sql" in report


def test_colour_only_when_asked(rich: GateResult) -> None:
    plain = text.render(rich)
    coloured = text.render(rich, View(color=True))
    assert "\x1b[" not in plain
    assert "\x1b[31;1m✗\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_an_item_that_fails_without_findings_is_listed_with_its_reason(clean: GateResult) -> None:
    lines = _lines(factory.with_required_attestations(clean))
    assert (
        "  ✗ sec-05 Penetration test done this year: manual check: not attested (attestations are required)"
        in lines
    )


def test_an_item_with_only_baseline_findings_says_so(tmp_path: Path) -> None:
    result = factory.rich_result(tmp_path)
    findings = [finding.with_(baseline_state="baseline") for finding in result.findings]
    lines = _lines(factory.build(tmp_path, findings, checklists=[factory.security_checklist()]))
    header = lines[_index(lines, "! sec-01 Parameterise SQL queries")]
    assert header.endswith("(only findings in the baseline)")
    assert (
        lines[_index(lines, "! sec-01") + 1] == "    2 findings in the baseline (not shown; they do not gate)"
    )


def test_in_diff_mode_without_a_baseline_old_findings_are_outside_the_diff(tmp_path: Path) -> None:
    result = factory.rich_result(tmp_path)
    findings = [finding.with_(baseline_state="baseline") for finding in result.findings]
    built = factory.build(tmp_path, findings, checklists=[factory.security_checklist()])
    built.old_findings = "outside the diff"
    text = "\n".join(_lines(built))
    assert "(only findings outside the diff)" in text
    assert "2 findings outside the diff (not shown; they do not gate)" in text
    assert "in the baseline" not in text


def test_the_fix_and_pattern_are_printed_once_per_rule(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\ny = 2\n", encoding="utf-8")
    findings = [
        Finding(
            rule_id="fake-timeout",
            message=f"problem {line}",
            path="a.py",
            location=Location(line, 1, line, 2),
            snippet="",
            severity="high",
            fix="Add a timeout.",
            pattern="rel-timeouts",
            fingerprint=str(line) * 32,
            checklist_items=("sec-02",),
        )
        for line in (1, 2)
    ]
    report = "\n".join(_lines(factory.build(tmp_path, findings)))
    assert report.count("fix: Add a timeout.") == 1
    assert report.count("see: bek show rel-timeouts") == 1


def test_paths_are_relative_to_the_directory_bek_runs_in(rich: GateResult) -> None:
    lines = _lines(rich, cwd=rich.root / "app", verbose=True)
    assert any(line.strip().startswith("db.py:6:5 fake-sql") for line in lines)
    assert any(line.strip().startswith("../broken.py:1:12 parse-error") for line in lines)
    assert "      ../big/data.py: file is larger than 1 MB" in lines
    assert any("error crash.py: [fake-crash]" in line for line in lines)
    frame = _index(lines, "db.py:6:5 fake-sql")
    assert "cursor.execute" in lines[frame + 3], "the code frame is still read from the repository path"

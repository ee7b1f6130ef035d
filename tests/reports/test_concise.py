"""The concise report: one line per new finding, then the verdict line."""

from __future__ import annotations

from bek_gate.reports import View, concise
from bek_gate.verdict import GateResult


def test_one_line_per_new_finding_then_the_verdict(rich: GateResult) -> None:
    lines = concise.render(rich).splitlines()
    assert lines[:-1] == [
        "app/client.py:5:12: fake-timeout (medium) requests.get() has no timeout",
        "app/db.py:6:5: fake-sql (high) cursor.execute() receives a query built with an f-string",
        "broken.py:1:12: parse-error (high) syntax error: '(' was never closed; this file was not checked",
    ]
    assert lines[-1].startswith("bek: FAILED: 2 new findings at or above high (--fail-on)")
    assert "1 in the baseline" in lines[-1], "old findings are counted, not listed"


def test_suppressed_and_baseline_findings_are_not_listed(rich: GateResult) -> None:
    rendered = concise.render(rich)
    assert "app/quiet.py" not in rendered and "app/legacy.py" not in rendered


def test_paths_are_relative_to_the_directory_bek_runs_in(rich: GateResult) -> None:
    lines = concise.render(rich, View(cwd=rich.root / "app")).splitlines()
    assert lines[0].startswith("client.py:5:12: ")
    assert lines[2].startswith("../broken.py:1:12: ")


def test_a_clean_run_is_the_verdict_line_only(clean: GateResult) -> None:
    assert concise.render(clean).splitlines() == [
        "bek: PASSED: no new finding at or above high (--fail-on); 4 of 6 automated items checked, "
        "1 not automated yet, 1 not run; findings: 0 critical, 0 high, 0 medium, 0 low; 0 suppressed; "
        "1 file checked"
    ]


def test_hostile_messages_stay_on_one_line(hostile: GateResult) -> None:
    rendered = concise.render(hostile)
    assert "\x1b" not in rendered
    assert len(rendered.splitlines()) == 2

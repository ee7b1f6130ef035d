"""GitHub workflow-command annotations: escaping, levels, the 10-per-level cap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bek_gate.findings import Finding, Location
from bek_gate.reports import View, github
from bek_gate.verdict import GateResult
from tests.reports import factory

_COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _unescape(text: str) -> str:
    return (
        text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def _findings(rendered: str) -> list[str]:
    """The lines after the summary annotation (a failing gate's first error)."""
    return [line for line in rendered.splitlines() if "title=bek verdict" not in line]


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the runner reads it: level, properties, message."""
    match = _COMMAND.match(line)
    assert match, line
    level, raw_properties, message = match.groups()
    properties = {}
    for pair in (raw_properties or "").split(","):
        if pair:
            name, _, value = pair.partition("=")
            properties[name] = _unescape(value)
    return level, properties, _unescape(message)


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("key: value, more", "key: value, more", "key%3A value%2C more"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_escaping_follows_the_actions_toolkit(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_annotations_for_the_rich_result(rich: GateResult) -> None:
    lines = github.render(rich).splitlines()
    level, properties, message = _parse(lines[0])
    assert (level, properties) == ("error", {"title": "bek verdict"}), "the summary comes first"
    assert message.startswith("FAILED: 2 new findings at or above high")
    assert message.endswith("notices: 1 skipped (listed in the log)"), (
        "skipped files are counted, not annotated"
    )
    lines = lines[1:]
    assert lines[0] == (
        "::error file=app/crash.py,title=bek internal-error (fake-crash)::rule 'fake-crash' crashed on this file "
        + lines[0].split("crashed on this file ", 1)[1]
    )
    assert lines[1] == (
        "::error file=app/db.py,line=6,endLine=6,col=5,endColumn=63,title=bek fake-sql (high)::"
        "cursor.execute() receives a query built with an f-string%0Afix: Pass the values as query parameters."
        "%0Asee: bek show sec-input-validation"
    )
    level, properties, message = _parse(lines[2])
    assert (level, properties["file"], properties["line"]) == ("error", "broken.py", "1")
    assert message.startswith("syntax error: '(' was never closed")
    level, properties, message = _parse(lines[3])
    assert (level, properties["file"], properties["col"], properties["endColumn"]) == (
        "warning",
        "app/client.py",
        "12",
        "28",
    )
    assert "see:" not in message, "a finding without a pattern has no pointer"
    assert not any("big/data.py" in line for line in lines)
    assert lines[-1].startswith("bek: FAILED: 2 new findings at or above high")
    rendered = "\n".join(lines)
    assert "app/legacy.py" not in rendered, "baseline findings are not annotated"
    assert "app/quiet.py" not in rendered, "suppressed findings are not annotated"


def test_a_passing_run_annotates_nothing_not_even_unattested_items(clean: GateResult) -> None:
    assert github.render(clean) == (
        "bek: PASSED: no new finding at or above high (--fail-on); 4 of 6 automated items checked, 1 not automated yet, 1 not run; findings: 0 critical, 0 high, 0 medium, 0 low; "
        "0 suppressed; 1 file checked\n"
    )


def test_required_attestations_that_fail_the_gate_are_in_the_error_summary(clean: GateResult) -> None:
    lines = github.render(factory.with_required_attestations(clean)).splitlines()
    level, properties, message = _parse(lines[0])
    assert (level, properties["title"]) == ("error", "bek verdict")
    assert "2 manual items not attested: sec-05, api-02" in message
    assert sum(line.startswith("::") for line in lines) == 1


def test_no_attestation_notice_when_every_manual_item_is_attested(tmp_path: Path) -> None:
    attested = {item: factory.attestation(item) for item in ("sec-05", "api-02")}
    rendered = github.render(factory.build(tmp_path, [], attestations=attested))
    assert "attestations" not in rendered


def test_paths_are_relative_to_the_directory_bek_runs_in(rich: GateResult) -> None:
    below = github.render(rich, View(cwd=rich.root / "app")).splitlines()
    files = [_parse(line)[1].get("file") for line in below if line.startswith("::")]
    assert "db.py" in files and "../broken.py" in files
    above = github.render(rich, View(cwd=rich.root.parent)).splitlines()
    assert f"{rich.root.name}/app/db.py" in [
        _parse(line)[1].get("file") for line in above if line.startswith("::")
    ]


def test_at_most_ten_per_level_then_a_pointer_to_the_summary(tmp_path: Path) -> None:
    result = factory.many_findings_result(tmp_path, 32)  # 16 high, 16 medium
    lines = github.render(result).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == len(warnings) == 10
    assert "title=bek verdict" in errors[0], "the summary is the first error, the cap does not drop it"
    assert (
        "bek: 7 more errors not annotated (GitHub shows 10 per level and step); see the job summary for every finding"
        in lines
    )
    assert any(line.startswith("bek: 6 more warnings not annotated") for line in lines)
    assert lines.index(errors[-1]) < lines.index(next(line for line in lines if "more errors" in line))


def test_worst_first_and_low_severity_is_a_notice(tmp_path: Path) -> None:
    findings = [
        Finding(
            "fake-sql",
            "first in the file",
            "a.py",
            Location(1, 1, 1, 5),
            "x",
            severity="low",
            fingerprint="1",
        ),
        Finding(
            "fake-sql",
            "later, but critical",
            "b.py",
            Location(9, 1, 9, 5),
            "x",
            severity="critical",
            fingerprint="2",
        ),
    ]
    lines = _findings(github.render(factory.build(tmp_path, findings)))
    assert _parse(lines[0])[0] == "error" and _parse(lines[0])[2] == "later, but critical"
    assert _parse(lines[1])[0] == "notice"


def test_multi_line_regions_have_no_columns(tmp_path: Path) -> None:
    finding = Finding(
        "fake-sql", "spans lines", "a.py", Location(3, 5, 6, 2), "x", severity="high", fingerprint="1"
    )
    _, properties, _ = _parse(_findings(github.render(factory.build(tmp_path, [finding])))[0])
    assert properties["line"] == "3" and properties["endLine"] == "6"
    assert "col" not in properties and "endColumn" not in properties


def test_hostile_strings_cannot_inject_commands(hostile: GateResult) -> None:
    rendered = github.render(hostile)
    lines = _findings(rendered)
    assert len(rendered.splitlines()) == len(lines) + 1 == 4, (
        "one line per annotation, whatever the message holds"
    )
    assert all(line.startswith(("::error ", "::notice ", "bek: ")) for line in lines)
    assert "\x1b" not in rendered and "\r" not in rendered
    _, properties, message = _parse(lines[1])
    assert set(properties) == {"file", "line", "endLine", "col", "endColumn", "title"}
    assert properties["file"] == factory.HOSTILE_PATH
    assert message.startswith('bad\nline\n %0A: , < & > "quote" ünïcode ::error::injected')
    assert "\\x1b[31m" in message
    _, crash_properties, crash_message = _parse(lines[0])
    assert crash_properties["file"] == factory.HOSTILE_PATH and crash_properties["line"] == "2"
    assert crash_message == "rule crashed:\nTraceback <&> %0A ::x"


def test_undecodable_file_names_can_be_written(tmp_path: Path) -> None:
    rendered = github.render(factory.undecodable_path_result(tmp_path))
    rendered.encode("utf-8")
    assert "file=caf\ufffd/data.py" in rendered

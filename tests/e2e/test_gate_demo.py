"""``bek gate`` on the bundled demo service: findings, code frames, exit codes, suppressions, config errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES
from tests.e2e.conftest import bek

DEMO = FIXTURES / "demo-service"
EXPECTED = json.loads((DEMO / "expected-findings.json").read_text(encoding="utf-8"))
DEMO_RULES = {entry["rule"] for entry in EXPECTED["findings"]}


def _found(report: dict, prefix: str) -> set[tuple[str, str, int]]:
    return {
        (finding["ruleId"], finding["path"].removeprefix(prefix), finding["location"]["line"])
        for finding in report["findings"]
        if finding["ruleId"] in DEMO_RULES and not finding["suppressed"]
    }


def test_the_demo_has_exactly_the_planted_problems() -> None:
    run = bek("gate", "--checklist", "all", "--format", "json", "--no-cache", DEMO)
    assert run.exit_code == 1, run.stderr
    found = _found(run.json(), "fixtures/demo-service/")
    expected = {(entry["rule"], entry["path"], entry["line"]) for entry in EXPECTED["findings"]}
    safe = {(entry["rule"], entry["path"], entry["line"]) for entry in EXPECTED["safe"]}
    assert found - expected == set(), "reported but not planted"
    assert expected - found == set(), "planted but not reported"
    assert not found & safe


def test_text_report_shows_code_frames_fix_hints_and_the_verdict() -> None:
    run = bek("gate", "--checklist", "checklist-security-review", "--no-cache", DEMO)
    assert run.exit_code == 1
    text = run.stdout
    assert "fixtures/demo-service/orders/reports.py:45:9 sql-injection" in text
    assert "    > 45 |         self.cursor.execute(query, (since, limit))" in text
    assert "fix: " in text and "see: bek show sec-sql-injection" in text
    assert text.rstrip().splitlines()[-1].startswith("FAILED:")
    assert "\x1b[" not in text  # no colour when stdout is not a terminal


def test_every_finding_suppressed_passes(demo_copy: Path) -> None:
    report = bek(
        "gate", "--checklist", "all", "--format", "json", "--no-cache", demo_copy, cwd=demo_copy
    ).json()
    assert report["findings"]
    for finding in report["findings"]:
        path = demo_copy / finding["path"]
        lines = path.read_text(encoding="utf-8").split("\n")
        index = finding["location"]["line"] - 1
        lines[index] += f"  # bek: ignore[{finding['ruleId']}]"
        path.write_text("\n".join(lines), encoding="utf-8")
    run = bek("gate", "--checklist", "all", "--format", "json", "--no-cache", demo_copy, cwd=demo_copy)
    assert run.exit_code == 0, run.stdout
    after = run.json()
    assert after["findings"] and all(finding["suppressed"] for finding in after["findings"])
    assert after["verdict"]["status"] == "passed"


def test_fail_on_critical_lets_high_findings_through() -> None:
    run = bek("gate", "-c", "checklist.security-review", "--fail-on", "critical", "--no-cache", DEMO)
    assert run.exit_code == 0, run.stdout


def test_a_broken_config_is_one_line_and_exit_2(demo_copy: Path) -> None:
    pyproject = demo_copy / "pyproject.toml"
    # [tool.bek] is the file's last table.
    pyproject.write_text(pyproject.read_text() + 'fail-on = "severe"\n', encoding="utf-8")
    run = bek("gate", "--checklist", "checklist-security-review", demo_copy, cwd=demo_copy)
    assert run.exit_code == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert (
        "pyproject.toml: [tool.bek] fail-on: expected one of critical, high, medium, low, got 'severe'"
        in lines[0]
    )
    assert "Traceback" not in run.stderr


def test_invalid_toml_is_exit_2(demo_copy: Path) -> None:
    (demo_copy / "bek.toml").write_text("checklists = [\n", encoding="utf-8")
    run = bek("gate", demo_copy, cwd=demo_copy)
    assert run.exit_code == 2
    assert "bek.toml: invalid TOML" in run.stderr and "Traceback" not in run.stderr


def test_unknown_checklist_lists_the_valid_ones() -> None:
    run = bek("gate", "--checklist", "checklist-securty-review", DEMO)
    assert run.exit_code == 2
    assert (
        "unknown checklist 'checklist-securty-review' (did you mean 'checklist-security-review'?)"
        in run.stderr
    )
    assert "checklist-api-review" in run.stderr and "all" in run.stderr


def test_no_checklist_runs_them_all() -> None:
    unasked = bek("gate", "--format", "json", "--no-cache", DEMO)
    everything = bek("gate", "--checklist", "all", "--format", "json", "--no-cache", DEMO)
    assert unasked.exit_code == everything.exit_code == 1, unasked.stderr
    ids = [checklist["id"] for checklist in unasked.json()["checklists"]]
    assert len(ids) == 6, ids
    assert ids == [checklist["id"] for checklist in everything.json()["checklists"]]
    assert len(unasked.json()["findings"]) == len(everything.json()["findings"])


def test_a_missing_path_is_a_usage_error() -> None:
    run = bek("gate", "--checklist", "all", "no/such/dir")
    assert run.exit_code == 2
    assert "no/such/dir: no such file or directory" in run.stderr


def test_checklists_and_paths_from_config(demo_copy: Path) -> None:
    (demo_copy / "bek.toml").write_text(
        'checklists = ["checklist-reliability-review"]\npaths = ["orders"]\nfail-on = "medium"\n',
        encoding="utf-8",
    )
    run = bek("gate", "--format", "json", "--no-cache", cwd=demo_copy)
    report = run.json()
    assert run.exit_code == 1
    assert [checklist["id"] for checklist in report["checklists"]] == ["checklist-reliability-review"]
    assert {finding["ruleId"] for finding in report["findings"]} == {"missing-timeout"}


def test_severity_overrides_and_disabled_rules(demo_copy: Path) -> None:
    (demo_copy / "bek.toml").write_text(
        'disable = ["sql-injection"]\n[severity]\n"sensitive-data-in-logs" = "low"\n', encoding="utf-8"
    )
    run = bek(
        "gate", "-c", "checklist-security-review", "--format", "json", "--no-cache", demo_copy, cwd=demo_copy
    )
    report = run.json()
    assert run.exit_code == 0, run.stdout
    assert {finding["ruleId"] for finding in report["findings"]} == {"sensitive-data-in-logs"}
    assert {finding["severity"] for finding in report["findings"]} == {"low"}
    statuses = {item["id"]: item["status"] for item in report["checklists"][0]["items"]}
    assert statuses["sec-01"] == "disabled"


def test_per_path_ignores(demo_copy: Path) -> None:
    (demo_copy / "bek.toml").write_text(
        'min-confidence = "medium"\n[per-path-ignores]\n"orders/reports.py" = ["sql-injection"]\n',
        encoding="utf-8",
    )
    report = bek("gate", "-c", "all", "--format", "json", "--no-cache", demo_copy, cwd=demo_copy).json()
    paths = {finding["path"] for finding in report["findings"] if finding["ruleId"] == "sql-injection"}
    assert paths == {"orders/repository.py"}


def test_warm_cache_gives_the_same_report(demo_copy: Path) -> None:
    cold = bek("gate", "-c", "all", "--format", "json", demo_copy, cwd=demo_copy)
    assert (demo_copy / ".bek_cache" / "CACHEDIR.TAG").exists()
    warm = bek("gate", "-c", "all", "--format", "json", demo_copy, cwd=demo_copy)
    assert cold.stdout == warm.stdout

"""Which rules run: checklists by default all, --select/--ignore, team rules, --require-automated."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import bek
from tests.e2e.test_gate_demo import DEMO
from tests.robustness.conftest import rule_module


def _rules_that_ran(*args: str) -> list[str]:
    run = bek("gate", "--format", "json", "--no-cache", *args, DEMO)
    assert run.exit_code in (0, 1), run.stderr
    return sorted(rule["id"] for rule in run.json()["rules"])


def test_select_runs_only_the_named_rules_and_their_items() -> None:
    run = bek("gate", "--format", "json", "--no-cache", "--select", "missing-timeout", DEMO)
    assert run.exit_code == 1, run.stderr
    report = run.json()
    assert sorted(rule["id"] for rule in report["rules"]) == ["missing-timeout", "parse-error"]
    assert {finding["ruleId"] for finding in report["findings"]} == {"missing-timeout"}
    items = [item for checklist in report["checklists"] for item in checklist["items"]]
    assert items and all(item["rules"] == ["missing-timeout"] for item in items), items


def test_select_and_ignore_take_comma_separated_and_repeated_ids() -> None:
    both = "sql-injection,missing-timeout"
    assert _rules_that_ran("--select", both) == ["missing-timeout", "parse-error", "sql-injection"]
    assert _rules_that_ran("--select", both, "--ignore", "sql-injection") == [
        "missing-timeout",
        "parse-error",
    ]
    assert "sensitive-data-in-logs" not in _rules_that_ran(
        "--ignore", "sensitive-data-in-logs", "--ignore", "shell-injection"
    )


def test_a_checklist_may_be_named_by_an_unambiguous_abbreviation() -> None:
    run = bek("gate", "--format", "json", "--no-cache", "-c", "security", DEMO)
    assert run.exit_code == 1, run.stderr
    assert [checklist["id"] for checklist in run.json()["checklists"]] == ["checklist-security-review"]


def test_an_unknown_rule_id_is_a_one_line_usage_error() -> None:
    run = bek("gate", "--select", "sql-injektion", DEMO)
    assert run.exit_code == 2
    assert (
        run.stderr.strip()
        == "bek: error: --select sql-injektion: unknown rule (did you mean 'sql-injection'?)"
    )
    run = bek("gate", "--select", "shell-injection", DEMO)
    assert run.exit_code == 2 and "rule not implemented yet" in run.stderr, run.stderr


def test_the_headline_says_how_many_automated_items_ran() -> None:
    run = bek("gate", "--checklist", "checklist-security-review", "--no-cache", DEMO)
    headline = [line for line in run.stdout.splitlines() if line.startswith(("PASSED", "FAILED"))]
    assert headline, run.stdout
    assert "of 20 automated items checked, " in headline[0] and " not automated yet" in headline[0], headline


def test_require_automated_fails_an_item_no_rule_checks_yet(tmp_path: Path) -> None:
    clean = tmp_path / "app.py"
    clean.write_text("def ok():\n    return 1\n")
    args = ("gate", "-c", "checklist-security-review", "--no-cache", "--format", "json", str(clean))
    assert bek(*args).exit_code == 0
    run = bek(*args, "--require-automated")
    assert run.exit_code == 1, run.stderr
    items = {item["id"]: item for item in run.json()["checklists"][0]["items"]}
    assert items["sec-02"]["status"] == "failed"
    assert "--require-automated" in items["sec-02"]["reason"]
    assert items["sec-01"]["status"] == "passed"


def test_a_team_rule_no_checklist_names_runs_in_the_team_group(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "no_eval.py").write_text(
        rule_module(
            "no-eval",
            """
            def visit_Call(self, node: cst.Call) -> None:
                if isinstance(node.func, cst.Name) and node.func.value == "eval":
                    self.report(node, "eval() runs arbitrary code")
            """,
        )
    )
    (tmp_path / "bek.toml").write_text('rule-dirs = ["ci"]\nexclude = ["ci"]\n')
    (tmp_path / "app.py").write_text("def f(text):\n    return eval(text)\n")
    run = bek("gate", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    team = [checklist for checklist in run.json()["checklists"] if checklist["id"] == "team"]
    assert team, [checklist["id"] for checklist in run.json()["checklists"]]
    [item] = team[0]["items"]
    assert (item["id"], item["status"], item["severity"]) == ("no-eval", "failed", "high")
    assert bek("gate", "--no-cache", "--ignore", "no-eval", ".", cwd=tmp_path).exit_code == 0


def test_an_item_shows_the_highest_severity_of_its_rules(tmp_path: Path) -> None:
    (tmp_path / "bek.toml").write_text('[severity]\nmissing-timeout = "critical"\n')
    (tmp_path / "app.py").write_text("import requests\n\n\ndef f():\n    return requests.get('https://x')\n")
    run = bek("gate", "--no-cache", "--format", "json", "--fail-on", "critical", ".", cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    items = [item for checklist in run.json()["checklists"] for item in checklist["items"]]
    timeout_items = [item for item in items if item["rules"] == ["missing-timeout"]]
    assert timeout_items and all(item["severity"] == "critical" for item in timeout_items)
    assert all(item["severity"] is None for item in items if item["manual"])


def test_doctor_says_which_rules_the_selected_checklists_do_not_run(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "no_eval.py").write_text(rule_module("no-eval", "pass"))
    (tmp_path / "bek.toml").write_text(
        'rule-dirs = ["ci"]\nchecklists = ["checklist-reliability-review"]\ndisable = ["sql-injection"]\n'
    )
    run = bek("doctor", "--json", cwd=tmp_path)
    checks = {check["name"]: check for check in run.json()["checks"]}
    selection = checks["selection"]
    assert selection["status"] == "warn", selection
    assert "team group: no-eval" in selection["message"]
    assert "disabled in config: sql-injection" in selection["message"]
    assert "no selected checklist runs: sensitive-data-in-logs" in selection["message"]

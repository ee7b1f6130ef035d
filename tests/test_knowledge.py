"""The knowledge base commands: search, show, list, lint-kb."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bek_gate.checklists import load_checklist_dirs
from bek_gate.knowledge.lint import lint
from bek_gate.resources import data_dir
from tests.conftest import builtin_rules
from tests.e2e.conftest import bek

CHECKLISTS = load_checklist_dirs([data_dir("checklists")])


def _ids(run) -> list[str]:  # type: ignore[no-untyped-def]
    return [result["id"] for result in run.json()["results"]]


def test_error_handling_finds_the_error_model_first() -> None:
    run = bek("search", "error handling", "--json")
    assert run.exit_code == 0
    assert _ids(run)[0] == "api-error-model"


def test_typos_are_tolerated_within_a_scope() -> None:
    run = bek("search", "authentcation", "--scope", "security", "--json")
    ids = _ids(run)
    assert "sec-auth-jwt" in ids[:3], ids
    assert all(result["scope"] == "security" for result in run.json()["results"])


def test_scope_prefixes_and_limit() -> None:
    assert bek("search", "retry", "--scope", "rel", "--limit", "2", "--json").json()["results"][0]["id"] == (
        "rel-retry-backoff"
    )
    assert len(bek("search", "database", "--limit", "3", "--json").json()["results"]) == 3
    unknown = bek("search", "retry", "--scope", "nowhere")
    assert unknown.exit_code == 2 and "unknown scope 'nowhere'" in unknown.stderr


def test_search_json_is_pure_json() -> None:
    run = bek("search", "retry", "--json")
    data = json.loads(run.stdout)
    assert data["query"] == "retry" and data["results"]


@pytest.mark.parametrize(
    "entry_id",
    [
        "api-error-model",
        "api.error-model",
        "checklist-security-review",
        "checklist.security-review",
        "sql-injection",
        "sec-01",
    ],
)
def test_show_accepts_every_id_form(entry_id: str) -> None:
    run = bek("show", entry_id)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("# ")
    assert "\x1b[" not in run.stdout  # plain when not on a terminal


def test_show_json_and_rule_docs_from_the_docstring() -> None:
    pattern = bek("show", "api.error-model", "--json").json()
    assert pattern["kind"] == "pattern" and pattern["id"] == "api-error-model"
    assert set(pattern["sections"]) >= {"Problem", "Solution", "Python example"}
    rule = bek("show", "missing-timeout", "--json").json()
    assert rule["kind"] == "rule" and "What it finds" in rule["sections"]
    assert "rel-05" in rule["checklistItems"] or rule["checklistItems"]


def test_an_unknown_id_exits_2_with_the_closest_ids() -> None:
    run = bek("show", "api-eror-model")
    assert run.exit_code == 2
    assert "unknown id 'api-eror-model'" in run.stderr and "api-error-model" in run.stderr


def test_list_filters_by_kind_and_scope() -> None:
    data = bek("list", "patterns", "--scope", "db", "--json").json()
    assert set(data) == {"patterns"}
    assert data["patterns"] and all(row["scope"] == "database" for row in data["patterns"])
    everything = bek("list", "--json").json()
    assert set(everything) == {"patterns", "checklists", "rules"}
    assert len(everything["checklists"]) == 6


def test_lint_kb_passes_on_the_shipped_knowledge_base() -> None:
    run = bek("lint-kb")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "0 errors" in run.stdout


@pytest.fixture
def patterns_copy(tmp_path: Path) -> Path:
    target = tmp_path / "patterns"
    shutil.copytree(data_dir("patterns"), target)
    return target


def _errors(patterns: Path) -> list[str]:
    return [p.line() for p in lint(patterns, CHECKLISTS, builtin_rules()) if p.level == "error"]


def test_lint_names_file_and_section_when_a_section_is_lost(patterns_copy: Path) -> None:
    path = patterns_copy / "rel.timeouts.md"
    text = path.read_text(encoding="utf-8")
    start = text.index("## Pitfalls")
    end = text.index("## Checklist")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    errors = _errors(patterns_copy)
    assert any(line.startswith(f"{path}: error: missing section '## Pitfalls'") for line in errors), errors


def test_lint_names_file_and_field_for_a_missing_rule(patterns_copy: Path) -> None:
    path = patterns_copy / "rel.timeouts.md"
    text = path.read_text(encoding="utf-8").replace(
        "rules: [missing-timeout]", "rules: [missing-timeout, no-such-rule]"
    )
    path.write_text(text, encoding="utf-8")
    errors = _errors(patterns_copy)
    assert f"{path}: rules: error: no rule 'no-such-rule' (implemented or in the catalog)" in errors


def test_lint_reports_dangling_related_patterns_and_missing_coverage(patterns_copy: Path) -> None:
    (patterns_copy / "sec.sql-injection.md").unlink()
    errors = _errors(patterns_copy)
    assert any("no pattern 'sec-sql-injection'" in line for line in errors)
    assert any("rule 'sql-injection' is named by no pattern" in line for line in errors)


def test_lint_kb_cli_fails_on_a_team_checklist_with_a_missing_pattern(tmp_path: Path) -> None:
    (tmp_path / "checklists").mkdir()
    checklist = (data_dir("checklists") / "checklist-api-review.yaml").read_text(encoding="utf-8")
    checklist = checklist.replace("pattern: api-versioning", "pattern: api-no-such-pattern", 1)
    (tmp_path / "checklists" / "checklist-api-review.yaml").write_text(checklist, encoding="utf-8")
    (tmp_path / "bek.toml").write_text('checklists-dir = "checklists"\n', encoding="utf-8")
    run = bek("lint-kb", cwd=tmp_path)
    assert run.exit_code == 1
    assert (
        "checklist-api-review.yaml: items[" in run.stderr and "no pattern 'api-no-such-pattern'" in run.stderr
    )

"""What each rule reports by default, ``--min-confidence`` and the ``min-confidence`` config key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import bek

# One injection from request data (high), one from a parameter whose callers are elsewhere
# (medium), one from another module's function (low).
MODULE = """\
from flask import Flask, request

from app.naming import table_for

app = Flask(__name__)


@app.get("/users")
def users():
    return app.db.execute(f"SELECT * FROM users WHERE name = '{request.args['name']}'").fetchall()


def rows(conn, table):
    return conn.execute(f"SELECT * FROM {table}").fetchall()


def archive(conn):
    conn.execute(f"DELETE FROM {table_for('archive')}")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(MODULE, encoding="utf-8")
    return tmp_path


def _sql_lines(project: Path, *args: str) -> tuple[list[int], int]:
    run = bek("gate", "-c", "all", "--format", "json", "--no-cache", *args, project, cwd=project)
    assert run.exit_code == 1, run.stderr
    report = run.json()
    lines = [f["location"]["line"] for f in report["findings"] if f["ruleId"] == "sql-injection"]
    return lines, report["belowConfidence"]


def test_sql_injection_reports_request_data_by_default_and_counts_the_rest(project: Path) -> None:
    assert _sql_lines(project) == ([10], 2)


@pytest.mark.parametrize(("level", "expected"), [("medium", ([10, 14], 1)), ("low", ([10, 14, 18], 0))])
def test_min_confidence_shows_less_certain_findings(project: Path, level: str, expected: object) -> None:
    assert _sql_lines(project, "--min-confidence", level) == expected


def test_the_config_key_sets_it_and_the_command_line_wins(project: Path) -> None:
    (project / "bek.toml").write_text('min-confidence = "low"\n', encoding="utf-8")
    assert _sql_lines(project) == ([10, 14, 18], 0)
    assert _sql_lines(project, "--min-confidence", "high") == ([10], 2)


def test_the_text_verdict_says_what_was_left_out(project: Path) -> None:
    run = bek("gate", "-c", "all", "--no-cache", project, cwd=project)
    assert "2 below the confidence shown (--min-confidence low)" in run.stdout


def test_a_wrong_value_is_one_line_and_exit_2(project: Path) -> None:
    (project / "bek.toml").write_text('min-confidence = "certain"\n', encoding="utf-8")
    run = bek("gate", "-c", "all", "--no-cache", project, cwd=project)
    assert run.exit_code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "min-confidence: expected one of high, medium, low, got 'certain'" in lines[0]

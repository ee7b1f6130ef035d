"""Code of a newer Python than the one running bek is valid code (SPEC 5.1).

CPython 3.11 rejects PEP 695 generics, PEP 701 f-strings and PEP 758
``except A, B:``; libcst parses them, so such a file is checked by every rule
and is not a ``parse-error``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bek_gate import parsing
from bek_gate.config import load_config, parse_target_version, requires_python_floor
from bek_gate.errors import ConfigError
from tests.robustness.conftest import bek

NEWER = """\
import logging
from flask import request
import requests

logger = logging.getLogger(__name__)

type Rows = list[dict[str, object]]


class Store[T]:
    def find(self, cursor) -> Rows:
        cursor.execute(f"SELECT * FROM users WHERE name = '{request.args["name"]}'")
        return cursor.fetchall()


def fetch[T](url: str, password: str) -> T:
    try:
        return requests.get(url).json()
    except ValueError, KeyError:
        logger.warning(f"fetch {"failed"}: {password}")
        raise
"""


def test_the_syntax_is_newer_than_this_python_knows() -> None:
    if sys.version_info >= (3, 14):
        pytest.skip("this Python parses PEP 695, 701 and 758 itself")
    with pytest.raises(SyntaxError):
        compile(NEWER, "newer.py", "exec")


def test_a_file_of_newer_syntax_is_checked_by_every_rule(tmp_path: Path) -> None:
    (tmp_path / "newer.py").write_text(NEWER)
    run = bek("gate", "--checklist", "all", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    report = run.json()
    found = sorted((finding["ruleId"], finding["location"]["line"]) for finding in report["findings"])
    assert found == [("missing-timeout", 18), ("sensitive-data-in-logs", 20), ("sql-injection", 12)]
    assert run.exit_code == 1 and report["notices"] == []


def test_newer_syntax_without_any_rule_to_run_still_passes(tmp_path: Path) -> None:
    """No rule's prefilter matches, so only the syntax check runs: libcst decides there too."""
    (tmp_path / "types.py").write_text(
        "type Pair[T] = tuple[T, T]\n\ndef first[T](pair: Pair[T]) -> T:\n    return pair[0]\n"
    )
    run = bek("gate", "--checklist", "all", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    assert (run.exit_code, run.json()["findings"]) == (0, [])


def test_code_no_parser_accepts_is_a_parse_error_with_pythons_message(tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_text("import requests\n\nprint 'python 2'\n")
    run = bek("gate", "--checklist", "all", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    [finding] = run.json()["findings"]
    assert finding["ruleId"] == "parse-error" and finding["location"]["line"] == 3
    assert finding["message"].startswith("syntax error: Missing parentheses in call to 'print'")


def test_nesting_beyond_pythons_limit_is_not_handed_to_libcst() -> None:
    checked = parsing.syntax_check("x = " + "(" * 300 + "1" + ")" * 300 + "\n")
    assert isinstance(checked, parsing.ParseFailure) and "nested" in checked.message


def test_target_version_is_read_from_config_or_requires_python(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.12,<4"\n')
    assert load_config(None, tmp_path).target_version == (3, 12)
    (tmp_path / "bek.toml").write_text('target-version = "py313"\n')
    assert load_config(tmp_path / "bek.toml").target_version == (3, 13)
    (tmp_path / "bek.toml").write_text("fail-on = 'low'\n")
    assert load_config(tmp_path / "bek.toml").target_version == (3, 12)
    assert requires_python_floor(tmp_path / "nowhere") is None
    assert parse_target_version("3.14") == (3, 14) and parse_target_version("2.7") is None


def test_a_malformed_target_version_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "bek.toml").write_text('target-version = "3"\n')
    with pytest.raises(ConfigError, match="target-version"):
        load_config(tmp_path / "bek.toml")

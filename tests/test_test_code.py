"""Test code is checked only by the rules that apply there (SPEC 5.1)."""

from __future__ import annotations

from pathlib import Path

from bek_gate.discovery import DEFAULT_TEST_PATHS, TestPaths
from tests.robustness.conftest import bek

PRODUCTION_PROBLEMS = 'import requests\n\n\ndef fetch():\n    return requests.get("https://example.com")\n'


def _repository(root: Path) -> Path:
    for relpath in (
        "app/client.py",
        "tests/test_client.py",
        "tests/helpers.py",
        "app/test_views.py",
        "app/views_test.py",
        "conftest.py",
        "app/testing_tools.py",
    ):
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PRODUCTION_PROBLEMS)
    (root / "tests" / "broken.py").write_text("def broken(:\n")
    return root


def _gate(root: Path) -> tuple[set[tuple[str, str]], dict]:
    run = bek("gate", "--checklist", "all", "--format", "json", "--no-cache", ".", cwd=root)
    report = run.json()
    return {(finding["path"], finding["ruleId"]) for finding in report["findings"]}, report


def test_test_files_are_left_to_the_rules_that_apply_to_tests(tmp_path: Path) -> None:
    found, report = _gate(_repository(tmp_path))
    # A request without a timeout in a test is not a production problem; a test that does not parse is.
    assert found == {
        ("app/client.py", "missing-timeout"),
        ("app/testing_tools.py", "missing-timeout"),
        ("tests/broken.py", "parse-error"),
    }
    assert (report["filesChecked"], report["testFiles"]) == (8, 6)


def test_the_text_report_says_how_many_test_files_were_left_to_those_rules(tmp_path: Path) -> None:
    run = bek("gate", "--checklist", "all", "--no-cache", ".", cwd=_repository(tmp_path))
    assert "8 files checked (6 test files only by the rules that apply to tests)" in run.stdout


def test_test_paths_in_the_config_replace_the_defaults(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    (root / "bek.toml").write_text('test-paths = ["app/testing_*.py"]\n')
    found, report = _gate(root)
    assert ("app/testing_tools.py", "missing-timeout") not in found
    assert ("tests/test_client.py", "missing-timeout") in found
    assert report["testFiles"] == 1


def test_test_paths_are_relative_to_the_config_directory() -> None:
    paths = TestPaths(("src/checks/*", *DEFAULT_TEST_PATHS), base="backend")
    assert paths.is_test("backend/src/checks/smoke.py")
    assert not paths.is_test("src/checks/smoke.py")
    assert paths.is_test("frontend/tests/e2e.py")  # a component pattern matches anywhere
    assert not paths.is_test("backend/app/contest.py")

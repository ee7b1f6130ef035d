"""Flags that agree with what ruff and bandit users expect: colour when asked, -j 0, one-line usage errors."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import bek
from tests.e2e.test_gate_demo import DEMO

ANSI = "\x1b["


def test_color_always_keeps_colour_when_stdout_is_piped() -> None:
    run = bek("gate", "--color", "always", "--no-cache", DEMO)  # captured: stdout is a pipe
    assert ANSI in run.stdout


def test_force_color_keeps_colour_and_no_color_wins_over_it() -> None:
    assert ANSI in bek("gate", "--no-cache", DEMO, env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert ANSI not in bek("gate", "--no-cache", DEMO, env={"NO_COLOR": "1", "FORCE_COLOR": "1"}).stdout
    assert ANSI not in bek("gate", "--no-cache", DEMO, env={"NO_COLOR": ""}).stdout


def test_jobs_zero_means_one_per_core_as_in_the_config() -> None:
    run = bek("gate", "-j", "0", "--no-cache", "--format", "json", DEMO)
    assert run.exit_code == 1, run.stderr
    assert run.json()["findings"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("gate", "--fail-on", "severe"),
            "bek: error: bek gate: Invalid value for '--fail-on': 'severe' is not one of",
        ),
        (("gate", "--bogus"), "bek: error: bek gate: No such option '--bogus'"),
        (("show",), "bek: error: bek show: Missing argument 'ID'"),
    ],
)
def test_usage_errors_are_one_line_naming_the_option(args: tuple[str, ...], expected: str) -> None:
    run = bek(*args)
    assert run.exit_code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), run.stderr

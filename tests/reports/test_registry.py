"""Every format through the registry: names, determinism, no colour unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bek_gate.cli import FORMATS as CLI_FORMATS
from bek_gate.reports import FORMATS, RENDERERS, View, render
from bek_gate.verdict import GateResult
from tests.reports import factory


def test_the_formats_of_the_spec() -> None:
    assert FORMATS == ("text", "concise", "json", "sarif", "junit", "github", "markdown")
    assert set(RENDERERS) == set(FORMATS)
    assert CLI_FORMATS == FORMATS, "bek gate --format offers exactly the registry's formats"


def test_unknown_format_names_the_valid_ones(clean: GateResult) -> None:
    with pytest.raises(ValueError, match="valid: text, concise, json, sarif, junit, github, markdown"):
        render("yaml", clean)


@pytest.mark.parametrize("format_name", FORMATS)
def test_same_input_same_bytes(tmp_path: Path, format_name: str) -> None:
    # Two results built independently from the same files: equal, not identical, objects.
    first = render(format_name, factory.rich_result(tmp_path))
    second = render(format_name, factory.rich_result(tmp_path))
    assert first == second
    assert first.endswith("\n")


@pytest.mark.parametrize("format_name", FORMATS)
def test_duration_does_not_change_the_output(rich: GateResult, format_name: str) -> None:
    before = render(format_name, rich)
    rich.duration_seconds = 123.456
    assert render(format_name, rich) == before


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize(
    "make",
    [
        factory.clean_result,
        factory.hostile_result,
        factory.undecodable_path_result,
        factory.crash_only_result,
    ],
)
def test_every_format_renders_every_result_as_utf8_without_escape_sequences(
    tmp_path: Path, format_name: str, make: object
) -> None:
    rendered = render(format_name, make(tmp_path))  # type: ignore[operator]
    rendered.encode("utf-8")
    assert rendered.strip()
    assert "\x1b" not in rendered


def test_only_the_text_report_uses_colour(rich: GateResult) -> None:
    for format_name in FORMATS:
        coloured = render(format_name, rich, View(color=True))
        if format_name == "text":
            assert "\x1b[" in coloured
        else:
            assert coloured == render(format_name, rich)


@pytest.mark.parametrize("format_name", ["json", "sarif", "junit", "markdown"])
def test_machine_formats_keep_repository_paths_whatever_the_directory(
    rich: GateResult, format_name: str
) -> None:
    view = View(color=True, verbose=True, cwd=rich.root / "app")
    assert render(format_name, rich, view) == render(format_name, rich)

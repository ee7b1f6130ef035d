"""Configuration files: discovery, validation messages (file, key, expectation), rule options."""

from __future__ import annotations

from pathlib import Path

import pytest

from bek_gate.config import Config, check_rule_ids, find_config, load_config, resolve_rule_options
from bek_gate.errors import ConfigError


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_tool_bek_from_pyproject(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n[tool.bek]\nchecklists = ["checklist-api-review"]\nfail-on = "medium"\n'
        'exclude = ["migrations"]\nrule-dirs = ["ci/rules"]\nseverity = { "missing-timeout" = "high" }\n',
    )
    config = load_config(path)
    assert config.checklists == ["checklist-api-review"]
    assert config.fail_on == "medium"
    assert config.exclude == ["migrations"]
    assert config.rule_dirs == [tmp_path.resolve() / "ci/rules"]
    assert config.severity == {"missing-timeout": "high"}


def test_find_config_prefers_the_nearest_and_skips_pyprojects_without_bek(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", '[tool.bek]\nfail-on = "low"\n')
    _write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')
    (tmp_path / "pkg" / "src").mkdir()
    assert find_config(tmp_path / "pkg" / "src") == (tmp_path / "pyproject.toml").resolve()
    _write(tmp_path / "pkg" / "bek.toml", 'fail-on = "critical"\n')
    found = find_config(tmp_path / "pkg" / "src")
    assert found == (tmp_path / "pkg" / "bek.toml").resolve()
    assert load_config(found).fail_on == "critical"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'fail-on = "severe"',
            "[tool.bek] fail-on: expected one of critical, high, medium, low, got 'severe'",
        ),
        ('exlude = ["x"]', "[tool.bek] exlude: unknown key (did you mean 'exclude'?)"),
        ('checklists = "checklist-api-review"', "[tool.bek] checklists: expected a list, got string"),
        ("jobs = -1", "[tool.bek] jobs:"),
        ('severity = { "sql-injection" = "urgent" }', "[tool.bek] severity.sql-injection: expected one of"),
        ("exclude = [1]", "[tool.bek] exclude[0]: expected a string, got integer 1"),
    ],
)
def test_invalid_values_name_file_key_and_expectation(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path / "pyproject.toml", f"[tool.bek]\n{body}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = raised.value.message
    assert message.startswith(str(path)), message
    assert expected in message, message
    assert "\n" not in message


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "bek.toml", "fail-on = \n")
    with pytest.raises(ConfigError, match=r"bek.toml: invalid TOML"):
        load_config(path)


def test_tool_bek_must_be_a_table(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", '[tool]\nbek = "yes"\n')
    with pytest.raises(ConfigError, match="must be a table"):
        load_config(path)


def test_unknown_rule_ids_in_config_are_errors_with_suggestions() -> None:
    config = Config(path=Path("pyproject.toml"), disable=["missing-timout"])
    with pytest.raises(ConfigError) as raised:
        check_rule_ids(config, {"missing-timeout", "sql-injection"})
    assert (
        "disable: unknown rule id 'missing-timout' (did you mean 'missing-timeout'?)" in raised.value.message
    )


def test_rule_options_get_defaults_and_are_validated() -> None:
    schemas = {"logs": {"extra-names": {"type": "array", "items": {"type": "string"}, "default": []}}}
    assert resolve_rule_options(Config(), schemas) == {"logs": {"extra-names": []}}
    given = Config(rule_options={"logs": {"extra-names": ["pin"]}})
    assert resolve_rule_options(given, schemas) == {"logs": {"extra-names": ["pin"]}}
    with pytest.raises(ConfigError, match=r"rule-options.logs extra-names: expected a list"):
        resolve_rule_options(Config(rule_options={"logs": {"extra-names": "pin"}}), schemas)
    with pytest.raises(ConfigError, match="unknown key"):
        resolve_rule_options(Config(rule_options={"logs": {"other": 1}}), schemas)

"""Configuration: ``[tool.bek]`` in ``pyproject.toml``, or ``bek.toml``, validated by a JSON Schema.

The nearest file wins, searching upwards from the first path being checked
(``bek.toml`` before ``pyproject.toml`` in the same directory; a
``pyproject.toml`` without a ``[tool.bek]`` table is passed over). Relative
paths in the file are relative to the file's directory. Command-line flags
override the file.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bek_gate.discovery import DEFAULT_TEST_PATHS
from bek_gate.errors import ConfigError, did_you_mean
from bek_gate.resources import schema_path
from bek_gate.validation import first_error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
DEFAULT_FILE_TIMEOUT = 60.0  # seconds for one file's parse and rules
DEFAULT_CACHE_DIR = ".bek_cache"


@dataclass
class Config:
    """The effective configuration (defaults where the file says nothing)."""

    path: Path | None = None
    base: Path = field(default_factory=Path.cwd)  # directory that relative paths start from
    checklists: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    test_paths: list[str] = field(default_factory=lambda: list(DEFAULT_TEST_PATHS))
    # The grammar the project uses (``target-version``, else ``requires-python``); None: not said.
    target_version: tuple[int, int] | None = None
    fail_on: str = "medium"
    min_confidence: str | None = None  # None: each rule's own default
    disable: list[str] = field(default_factory=list)
    require_automated: bool = False  # an item no rule checks yet fails instead of "not automated yet"
    severity: dict[str, str] = field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_dirs: list[Path] = field(default_factory=list)
    checklists_dir: Path | None = None
    baseline: Path | None = None
    attestations: Path | None = None
    cache_dir: Path | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    jobs: int = 0  # 0: one per core

    @property
    def label(self) -> str:
        """How messages name this configuration's source."""
        if self.path is None:
            return "configuration"
        return f"{self.path}: [tool.bek]" if self.path.name == "pyproject.toml" else str(self.path)


@cache
def _schema() -> dict[str, Any]:
    return json.loads(schema_path("config.schema.json").read_text(encoding="utf-8"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except UnicodeDecodeError as error:  # TOML is UTF-8; tomllib lets the decoding error through
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror or error}") from None


def _table(path: Path) -> dict[str, Any] | None:
    """The bek table of a config file, or None when a pyproject.toml has none."""
    data = _read_toml(path)
    tool = data.get("tool")
    table = tool.get("bek") if isinstance(tool, dict) else None
    if path.name == "pyproject.toml":
        return table if isinstance(table, dict) or table is None else {"__invalid__": table}
    # bek.toml: the keys at top level, or under [tool.bek].
    if table is not None:
        return table
    return data


def find_config(start: Path) -> Path | None:
    """The nearest ``bek.toml`` or ``pyproject.toml`` with ``[tool.bek]`` at or above ``start``."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate_dir in (directory, *directory.parents):
        bek_toml = candidate_dir / "bek.toml"
        if bek_toml.is_file():
            return bek_toml
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and _table(pyproject) is not None:
            return pyproject
    return None


_REQUIRES_PYTHON_FLOOR = re.compile(r"(?:>=|~=|==|>)\s*3\s*\.\s*(\d+)")


def parse_target_version(text: str) -> tuple[int, int] | None:
    """``"3.12"`` or ruff's ``"py312"`` as (3, 12)."""
    match = re.fullmatch(r"(?:3\.(\d+)|py3(\d+))", text.strip())
    if match is None:
        return None
    return (3, int(match.group(1) or match.group(2)))


def requires_python_floor(directory: Path) -> tuple[int, int] | None:
    """The lowest Python 3 version ``project.requires-python`` admits, from ``directory/pyproject.toml``.

    ``>=3.10``, ``~=3.11``, ``==3.12.*`` and ``>=3.9,<4`` give their floor; a
    specifier without one (``!=3.8``, none at all) gives None. An unreadable
    pyproject.toml gives None here: it is not bek's configuration.
    """
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        with pyproject.open("rb") as stream:
            data = tomllib.load(stream)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = data.get("project")
    specifier = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(specifier, str):
        return None
    floors = [int(minor) for minor in _REQUIRES_PYTHON_FLOOR.findall(specifier)]
    return (3, min(floors)) if floors else None


def load_config(path: Path | None, start: Path | None = None) -> Config:
    """Read and validate a config file (None: the defaults, with ``requires-python`` found from ``start``)."""
    if path is None:
        if start is None:
            return Config()
        directory = (start if start.is_dir() else start.parent).resolve()
        nearest = next((d for d in (directory, *directory.parents) if (d / "pyproject.toml").is_file()), None)
        return Config(target_version=requires_python_floor(nearest) if nearest is not None else None)
    if not path.is_file():
        raise ConfigError(f"{path}: config file does not exist")
    table = _table(path)
    prefix = "[tool.bek]" if path.name == "pyproject.toml" else ""
    if table is None:
        raise ConfigError(f"{path}: has no [tool.bek] table")
    if "__invalid__" in table:
        raise ConfigError(f"{path}: [tool.bek] must be a table, got {type(table['__invalid__']).__name__}")
    problem = first_error(table, _schema(), prefix)
    if problem is not None:
        raise ConfigError(f"{path}: {problem}")
    base = path.parent.resolve()

    def resolve(value: str | None) -> Path | None:
        return None if value is None else (base / value)

    return Config(
        path=path,
        base=base,
        checklists=list(table.get("checklists", [])),
        paths=list(table.get("paths", [])),
        exclude=list(table.get("exclude", [])),
        test_paths=list(table.get("test-paths", DEFAULT_TEST_PATHS)),
        target_version=(
            parse_target_version(table["target-version"])
            if "target-version" in table
            else requires_python_floor(base)
        ),
        fail_on=table.get("fail-on", "medium"),
        min_confidence=table.get("min-confidence"),
        disable=list(table.get("disable", [])),
        require_automated=table.get("require-automated", False),
        severity=dict(table.get("severity", {})),
        per_path_ignores={key: list(value) for key, value in table.get("per-path-ignores", {}).items()},
        rule_options={key: dict(value) for key, value in table.get("rule-options", {}).items()},
        rule_dirs=[base / directory for directory in table.get("rule-dirs", [])],
        checklists_dir=resolve(table.get("checklists-dir")),
        baseline=resolve(table.get("baseline")),
        attestations=resolve(table.get("attestations")),
        cache_dir=resolve(table.get("cache-dir")),
        max_file_size=table.get("max-file-size", DEFAULT_MAX_FILE_SIZE),
        file_timeout=table.get("file-timeout", DEFAULT_FILE_TIMEOUT),
        jobs=table.get("jobs", 0),
    )


def check_directories(config: Config) -> None:
    """``rule-dirs`` and ``checklists-dir`` must be directories; the error names the key
    (the loaders that read them later only know the directory)."""
    named = [(f"rule-dirs[{index}]", directory) for index, directory in enumerate(config.rule_dirs)]
    if config.checklists_dir is not None:
        named.append(("checklists-dir", config.checklists_dir))
    for key, directory in named:
        if not directory.is_dir():
            shown = directory.relative_to(config.base) if directory.is_relative_to(config.base) else directory
            raise ConfigError(f"{config.label} {key}: expected a directory, '{shown}' is not one")


def check_rule_ids(config: Config, known: set[str]) -> None:
    """Rule ids in ``disable``, ``severity``, ``per-path-ignores`` and ``rule-options`` must exist."""
    where = config.label
    references: list[tuple[str, str]] = [("disable", rule_id) for rule_id in config.disable]
    references += [(f"severity.{rule_id}", rule_id) for rule_id in config.severity]
    references += [(f"rule-options.{rule_id}", rule_id) for rule_id in config.rule_options]
    for pattern, rule_ids in config.per_path_ignores.items():
        references += [(f'per-path-ignores."{pattern}"', rule_id) for rule_id in rule_ids]
    for key, rule_id in references:
        if rule_id not in known:
            raise ConfigError(
                f"{where} {key}: unknown rule id '{rule_id}'{did_you_mean(rule_id, sorted(known))}"
            )


def resolve_rule_options(
    config: Config, option_schemas: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Each rule's options: its defaults, overridden by the config, validated by the rule's own schema."""
    resolved: dict[str, dict[str, Any]] = {}
    for rule_id, specs in option_schemas.items():
        given = config.rule_options.get(rule_id, {})
        schema = {"type": "object", "additionalProperties": False, "properties": specs}
        problem = first_error(given, schema, f"{config.label} rule-options.{rule_id}".strip())
        if problem is not None:
            raise ConfigError(problem)
        resolved[rule_id] = {name: given.get(name, spec.get("default")) for name, spec in specs.items()}
    for rule_id in config.rule_options:
        if rule_id not in option_schemas:
            raise ConfigError(f"{config.label} rule-options.{rule_id}: this rule has no options")
    return resolved

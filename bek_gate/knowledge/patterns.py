"""Patterns: ``patterns/<prefix>.<slug>.md``, YAML front matter then fixed sections.

The id is the file stem with its first ``.`` replaced by ``-``
(``api.error-model.md`` -> ``api-error-model``); both spellings are accepted
wherever an id is asked for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bek_gate.errors import ConfigError
from bek_gate.resources import schema_path
from bek_gate.validation import first_error

SECTIONS = ("Problem", "When to use", "Solution", "Pitfalls", "Checklist", "Python example", "References")
SCOPE_PREFIXES = {
    "api": "api",
    "security": "sec",
    "database": "db",
    "reliability": "rel",
    "observability": "obs",
    "tenancy": "tenant",
}
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_SUBSECTION = re.compile(r"^### (.+?)\s*$", re.MULTILINE)
_CODE = re.compile(r"```python\n(.*?)```", re.DOTALL)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Pattern:
    id: str
    title: str
    scope: str
    tags: tuple[str, ...]
    level: str
    summary: str
    rules: tuple[str, ...]
    related: tuple[str, ...]
    references: tuple[dict[str, str], ...]
    body: str
    sections: dict[str, str] = field(default_factory=dict)
    path: str = ""

    def section(self, name: str) -> str:
        return self.sections.get(name, "")

    def example(self, kind: str) -> str | None:
        """The ``bad`` or ``good`` Python example (the first code block under ``### Bad``/``### Good``)."""
        for title, text in _split(self.section("Python example"), _SUBSECTION).items():
            if title.lower().startswith(kind.lower()):
                blocks = _CODE.findall(text)
                return blocks[0] if blocks else None
        return None

    def solution_summary(self) -> str:
        """The Solution section's first paragraph: what SARIF help and short listings show."""
        text = self.section("Solution").strip()
        return text.split("\n\n", 1)[0].strip()


def pattern_id(stem_or_id: str) -> str:
    """``api.error-model`` -> ``api-error-model``; an id is returned unchanged."""
    return stem_or_id.replace(".", "-", 1) if "." in stem_or_id else stem_or_id


def _split(text: str, heading: re.Pattern[str]) -> dict[str, str]:
    matches = list(heading.finditer(text))
    parts: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        parts[match.group(1)] = text[match.end() : end].strip()
    return parts


@cache
def _schema() -> dict[str, Any]:
    return json.loads(schema_path("pattern.schema.json").read_text(encoding="utf-8"))


def parse_pattern(path: Path) -> Pattern:
    """Read one pattern; a ConfigError names the file and the field or section at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ConfigError(f"{path}: missing YAML front matter (a '---' line, the fields, a '---' line)")
    try:
        meta = yaml.load(match.group(1), Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML front matter: {str(error).splitlines()[0]}") from None
    problem = first_error(meta, _schema(), "front matter")
    if problem is not None:
        raise ConfigError(f"{path}: {problem}")
    expected_id = pattern_id(path.stem)
    if meta["id"] != expected_id:
        raise ConfigError(
            f"{path}: front matter id: expected '{expected_id}' (from the file name), got '{meta['id']}'"
        )
    prefix = SCOPE_PREFIXES[meta["scope"]]
    if not meta["id"].startswith(prefix + "-"):
        raise ConfigError(
            f"{path}: front matter scope: '{meta['scope']}' patterns are named '{prefix}.<slug>.md'"
        )
    body = text[match.end() :]
    sections = _split(body, _SECTION)
    names = list(sections)
    missing = [name for name in SECTIONS if name not in sections]
    if missing:
        raise ConfigError(
            f"{path}: missing section '## {missing[0]}' (sections, in order: {', '.join(SECTIONS)})"
        )
    if [name for name in names if name in SECTIONS] != list(SECTIONS):
        raise ConfigError(f"{path}: sections out of order; expected: {', '.join(SECTIONS)}")
    for name in SECTIONS:
        if not sections[name].strip():
            raise ConfigError(f"{path}: section '## {name}' is empty")
    pattern = Pattern(
        id=meta["id"],
        title=meta["title"],
        scope=meta["scope"],
        tags=tuple(meta["tags"]),
        level=meta["level"],
        summary=" ".join(meta["summary"].split()),
        rules=tuple(meta["rules"]),
        related=tuple(meta["related"]),
        references=tuple(meta["references"]),
        body=body,
        sections=sections,
        path=str(path),
    )
    for kind in ("Bad", "Good"):
        if pattern.example(kind) is None:
            raise ConfigError(
                f"{path}: section '## Python example' needs a '### {kind}' subsection with a ```python block"
            )
    return pattern


def pattern_file(directory: Path, identifier: str) -> Path:
    """Where the pattern ``identifier`` lives: ``sec-sql-injection`` -> ``sec.sql-injection.md``."""
    return directory / (identifier.replace("-", ".", 1) + ".md")


def load_some(directory: Path, identifiers: set[str]) -> dict[str, Pattern]:
    """Just the named patterns (those that exist), without reading the whole knowledge base."""
    found = {}
    for identifier in sorted(identifiers):
        path = pattern_file(directory, identifier)
        if path.is_file():
            found[identifier] = parse_pattern(path)
    return found


def load_patterns(directory: Path) -> dict[str, Pattern]:
    """Every pattern of ``directory``, by id (sorted)."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: patterns directory does not exist")
    patterns = {}
    for path in sorted(directory.glob("*.md")):
        pattern = parse_pattern(path)
        patterns[pattern.id] = pattern
    return patterns

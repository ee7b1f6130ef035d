"""Checklists: YAML files of review items, each automated by rules or verified by hand.

Loaded with the safe YAML loader and validated by ``schemas/checklist.schema.json``;
a team's ``checklists-dir`` is loaded after the built-ins and replaces a
built-in checklist with the same id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bek_gate.datafiles import load_yaml
from bek_gate.errors import ConfigError, did_you_mean
from bek_gate.resources import schema_path
from bek_gate.validation import first_error

ALL = "all"


@dataclass(frozen=True)
class ChecklistItem:
    """One review item; automated when ``rules`` is set, manual otherwise."""

    id: str
    title: str
    why: str
    severity: str
    pattern: str
    rules: tuple[str, ...]
    manual: bool
    how_to_verify: str | None
    checklist_id: str


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    scope: str
    description: str
    items: tuple[ChecklistItem, ...]
    source: str

    def rule_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in self.items:
            for rule_id in item.rules:
                seen.setdefault(rule_id)
        return list(seen)


def canonical_id(text: str) -> str:
    """``checklist.api-review`` and ``checklist-api-review`` name the same checklist."""
    if text.startswith("checklist."):
        return "checklist-" + text[len("checklist.") :]
    return text


@cache
def _schema() -> dict[str, Any]:
    return json.loads(schema_path("checklist.schema.json").read_text(encoding="utf-8"))


def load_checklist_file(path: Path) -> Checklist:
    """Parse and validate one checklist file; errors name the file and the field."""
    data = load_yaml(path)
    problem = first_error(data, _schema())
    if problem is not None:
        raise ConfigError(f"{path}: {problem}")
    items = []
    for index, raw in enumerate(data["items"]):
        rules = tuple(raw.get("rules", ()))
        manual = bool(raw.get("manual", False))
        if manual == bool(rules):
            raise ConfigError(
                f"{path}: items[{index}] ({raw['id']}): an item has either 'rules' (automated) "
                "or 'manual: true' with 'how-to-verify', not both and not neither"
            )
        if manual and not raw.get("how-to-verify"):
            raise ConfigError(f"{path}: items[{index}] ({raw['id']}): a manual item needs 'how-to-verify'")
        items.append(
            ChecklistItem(
                id=raw["id"],
                title=raw["title"],
                why=raw["why"],
                severity=raw["severity"],
                pattern=raw["pattern"],
                rules=rules,
                manual=manual,
                how_to_verify=raw.get("how-to-verify"),
                checklist_id=data["id"],
            )
        )
    ids = [item.id for item in items]
    duplicates = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
    if duplicates:
        raise ConfigError(f"{path}: item ids must be unique; repeated: {', '.join(duplicates)}")
    return Checklist(
        id=data["id"],
        title=data["title"],
        scope=data["scope"],
        description=data["description"],
        items=tuple(items),
        source=str(path),
    )


def load_checklist_dirs(directories: Iterable[Path]) -> dict[str, Checklist]:
    """Every checklist of the directories; a later directory's checklist replaces an earlier one."""
    checklists: dict[str, Checklist] = {}
    for directory in directories:
        if not directory.is_dir():
            raise ConfigError(f"{directory}: checklists directory does not exist")
        for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
            checklist = load_checklist_file(path)
            checklists[checklist.id] = checklist
    owners: dict[str, str] = {}
    for checklist in checklists.values():
        for item in checklist.items:
            other = owners.setdefault(item.id, checklist.id)
            if other != checklist.id:
                raise ConfigError(
                    f"{checklist.source}: item id '{item.id}' is also used by {other}; item ids must be unique"
                )
    return dict(sorted(checklists.items()))


def check_rule_references(checklists: Iterable[Checklist], implemented: set[str], catalog: set[str]) -> None:
    """Every rule an item names must be implemented or promised by the catalog (SPEC 7)."""
    for checklist in checklists:
        for item in checklist.items:
            for rule_id in item.rules:
                if rule_id not in implemented and rule_id not in catalog:
                    raise ConfigError(
                        f"{checklist.source}: item {item.id} names unknown rule '{rule_id}'"
                        + did_you_mean(rule_id, sorted(implemented | catalog))
                    )


def select(requested: Iterable[str], available: dict[str, Checklist]) -> list[Checklist]:
    """The checklists named on the command line or in config (``all`` for every one)."""
    chosen: dict[str, Checklist] = {}
    for raw in requested:
        if raw == ALL:
            chosen.update(available)
            continue
        checklist_id = canonical_id(raw)
        if checklist_id not in available:
            valid = ", ".join([*available, ALL])
            raise ConfigError(
                f"unknown checklist '{raw}'{did_you_mean(checklist_id, list(available))}; valid: {valid}"
            )
        chosen[checklist_id] = available[checklist_id]
    return list(chosen.values())

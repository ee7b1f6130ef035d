"""Checklists: YAML files of review items, each automated by rules or verified by hand.

Loaded with the safe YAML loader and validated by ``schemas/checklist.schema.json``;
a team's ``checklists-dir`` is loaded after the built-ins and replaces a
built-in checklist with the same id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bek_gate.datafiles import load_yaml
from bek_gate.errors import ConfigError, did_you_mean
from bek_gate.findings import SEVERITIES
from bek_gate.resources import data_dir, schema_path
from bek_gate.validation import all_errors

if TYPE_CHECKING:
    from bek_gate.rules.loader import RuleSet

ALL = "all"


@dataclass(frozen=True)
class ChecklistItem:
    """One review item; automated when ``rules`` is set, manual otherwise.

    An item has no severity of its own: it shows the highest of its rules' (SPEC 5.5), so
    the item and its findings never disagree. ``why`` and ``pattern`` are required of the
    built-in checklists (``bek lint-kb``); a team's item may leave them out.
    """

    id: str
    title: str
    why: str | None
    pattern: str | None
    rules: tuple[str, ...]
    manual: bool
    how_to_verify: str | None
    checklist_id: str


def item_severity(item: ChecklistItem, severities: dict[str, str]) -> str | None:
    """The highest severity among the item's rules that have one (None for a manual item)."""
    known = [severities[rule_id] for rule_id in item.rules if rule_id in severities]
    return min(known, key=SEVERITIES.index) if known else None


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
    problems = _severity_problems(data)
    problems += all_errors(data, _schema())
    items = []
    raw_items = data.get("items") if isinstance(data, dict) else None
    for index, raw in enumerate(raw_items if isinstance(raw_items, list) else []):
        if not isinstance(raw, dict) or "id" not in raw or "title" not in raw:
            continue  # the schema problems above already say what is missing
        rules = tuple(raw.get("rules", ()))
        manual = bool(raw.get("manual", False))
        where = f"items[{index}] ({raw['id']})"
        if manual == bool(rules):
            problems.append(
                f"{where}: an item has either 'rules' (automated) "
                "or 'manual: true' with 'how-to-verify', not both and not neither"
            )
        elif manual and not raw.get("how-to-verify"):
            problems.append(f"{where}: a manual item needs 'how-to-verify'")
        items.append(
            ChecklistItem(
                id=raw["id"],
                title=raw["title"],
                why=raw.get("why"),
                pattern=raw.get("pattern"),
                rules=rules,
                manual=manual,
                how_to_verify=raw.get("how-to-verify"),
                checklist_id=data.get("id", ""),
            )
        )
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
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


def _severity_problems(data: Any) -> list[str]:
    """An item stating a severity is refused with the reason, and taken out before the schema sees it."""
    problems = []
    raw_items = data.get("items") if isinstance(data, dict) else None
    for index, raw in enumerate(raw_items if isinstance(raw_items, list) else []):
        if isinstance(raw, dict) and "severity" in raw:
            del raw["severity"]
            problems.append(
                f"items[{index}].severity: an item has no severity of its own; it shows the highest "
                "severity of its rules (change a rule's with [tool.bek.severity])"
            )
    return problems


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
    """The checklists named on the command line or in config (``all`` for every one).

    A name may be abbreviated while it stays unambiguous: ``security`` and ``rel`` name
    ``checklist-security-review`` and ``checklist-reliability-review``.
    """
    chosen: dict[str, Checklist] = {}
    for raw in requested:
        if raw == ALL:
            chosen.update(available)
            continue
        checklist_id = _resolve(raw, available)
        chosen[checklist_id] = available[checklist_id]
    return list(chosen.values())


def _resolve(raw: str, available: dict[str, Checklist]) -> str:
    checklist_id = canonical_id(raw)
    if checklist_id in available:
        return checklist_id
    short = checklist_id.removeprefix("checklist-")
    matches = [known for known in available if short and known.removeprefix("checklist-").startswith(short)]
    if len(matches) == 1:
        return matches[0]
    valid = ", ".join([*available, ALL])
    if matches:
        raise ConfigError(f"checklist '{raw}' is ambiguous: it could be {' or '.join(matches)}")
    raise ConfigError(
        f"unknown checklist '{raw}'{did_you_mean(checklist_id, list(available))}; valid: {valid}"
    )


def for_run(requested: Iterable[str], available: dict[str, Checklist], rule_set: RuleSet) -> list[Checklist]:
    """What a gate runs: the requested checklists (every one when none is), then the team group."""
    selected = select(list(requested) or [ALL], available)
    team = team_checklist(rule_set, available.values())
    return [*selected, team] if team is not None else selected


TEAM = "team"


def team_checklist(rule_set: RuleSet, available: Iterable[Checklist]) -> Checklist | None:
    """The team's own rules (from ``rule-dirs``) that no checklist names, as one ``team`` group.

    Without it a rule a team wrote would load and never run; here each is an item of its own,
    so reports, JUnit and the verdict treat it like any other.
    """
    named = {rule_id for checklist in available for rule_id in checklist.rule_ids()}
    builtin = data_dir("rules").resolve()
    loose = [
        loaded
        for loaded in rule_set.rules.values()
        if loaded.id not in named and not Path(loaded.cls.source_file).resolve().is_relative_to(builtin)
    ]
    if not loose:
        return None
    items = tuple(
        ChecklistItem(
            id=loaded.id,
            title=loaded.cls.title,
            why=None,
            pattern=loaded.cls.pattern,
            rules=(loaded.id,),
            manual=False,
            how_to_verify=None,
            checklist_id=TEAM,
        )
        for loaded in sorted(loose, key=lambda loaded: loaded.id)
    )
    return Checklist(
        id=TEAM,
        title="Team rules",
        scope=TEAM,
        description="Rules from rule-dirs that no checklist names.",
        items=items,
        source="rule-dirs",
    )


def narrowed(selected: list[Checklist], rule_ids: set[str]) -> list[Checklist]:
    """Only the items checked by one of ``rule_ids`` (``--select``), and only checklists left with one."""
    kept = []
    for checklist in selected:
        items = tuple(item for item in checklist.items if set(item.rules) & rule_ids)
        if items:
            kept.append(replace(checklist, items=items))
    return kept

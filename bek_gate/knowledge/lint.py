"""``bek lint-kb``: the knowledge base checks itself (schemas, sections, cross-references)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from bek_gate.checklists import Checklist
from bek_gate.errors import ConfigError
from bek_gate.knowledge.patterns import Pattern, parse_pattern
from bek_gate.resources import data_dir
from bek_gate.rules.catalog import CATALOG_RULE_IDS
from bek_gate.rules.loader import RuleSet

MINIMUM_PATTERNS = 45
CHECKLIST_ITEMS = (12, 30)
# The patterns the project's seed document promises by name.
SEED_PATTERNS = [
    "api-error-model",
    "api-pagination-filter-sort",
    "api-versioning",
    "api-idempotency",
    "sec-auth-jwt",
    "sec-rbac",
    "sec-rate-limiting",
    "sec-input-validation",
    "db-migrations",
    "db-indexing",
    "db-connection-pool",
    "db-transactions",
    "rel-circuit-breaker",
    "rel-retry-backoff",
    "rel-timeouts",
    "rel-health-checks",
    "obs-structured-logging",
    "obs-correlation-id",
    "obs-metrics",
]


@dataclass(frozen=True)
class Problem:
    """One finding of the linter: ``where`` names the file (and field), ``level`` is error or warning."""

    level: str
    where: str
    message: str

    def line(self) -> str:
        return f"{self.where}: {self.level}: {self.message}"


def lint(patterns_dir: Path, checklists: dict[str, Checklist], rule_set: RuleSet) -> list[Problem]:
    problems: list[Problem] = []
    patterns: dict[str, Pattern] = {}
    for path in sorted(patterns_dir.glob("*.md")):
        try:
            pattern = parse_pattern(path)
        except ConfigError as error:
            where, _, message = error.message.partition(": ")
            problems.append(Problem("error", where, message))
            continue
        patterns[pattern.id] = pattern
    problems += _pattern_problems(patterns, rule_set)
    problems += _checklist_problems(checklists, patterns)
    problems += _coverage_problems(patterns, checklists, rule_set, patterns_dir)
    return sorted(problems, key=lambda problem: (problem.level != "error", problem.where, problem.message))


def _pattern_problems(patterns: dict[str, Pattern], rule_set: RuleSet) -> list[Problem]:
    problems = []
    titles: dict[str, str] = {}
    for pattern in patterns.values():
        where = pattern.path
        other = titles.setdefault(pattern.title.lower(), pattern.id)
        if other != pattern.id:
            problems.append(Problem("error", f"{where}: title", f"same title as {other}"))
        for related in pattern.related:
            if related not in patterns:
                problems.append(Problem("error", f"{where}: related", f"no pattern '{related}'"))
        for rule_id in pattern.rules:
            if rule_id not in rule_set and rule_id not in CATALOG_RULE_IDS:
                problems.append(
                    Problem(
                        "error", f"{where}: rules", f"no rule '{rule_id}' (implemented or in the catalog)"
                    )
                )
            elif rule_id not in rule_set:
                problems.append(
                    Problem("warning", f"{where}: rules", f"rule '{rule_id}' is not implemented yet")
                )
        for kind in ("Bad", "Good"):
            code = pattern.example(kind) or ""
            try:
                ast.parse(code)
            except SyntaxError as error:
                problems.append(
                    Problem(
                        "error",
                        f"{where}: Python example",
                        f"the {kind} example is not valid Python: {error.msg} (line {error.lineno})",
                    )
                )
    for loaded in rule_set.rules.values():
        if loaded.cls.pattern is not None and loaded.cls.pattern not in patterns:
            problems.append(
                Problem("error", f"{loaded.cls.source_file}: pattern", f"no pattern '{loaded.cls.pattern}'")
            )
    return problems


def _checklist_problems(checklists: dict[str, Checklist], patterns: dict[str, Pattern]) -> list[Problem]:
    problems = []
    low, high = CHECKLIST_ITEMS
    builtin = data_dir("checklists").resolve()
    for checklist in checklists.values():
        # The 12-30 range is the built-in checklists' promise; a team checklist may be short.
        is_builtin = Path(checklist.source).resolve().parent == builtin
        if is_builtin and not low <= len(checklist.items) <= high:
            problems.append(
                Problem(
                    "error",
                    f"{checklist.source}: items",
                    f"has {len(checklist.items)} items; expected {low} to {high}",
                )
            )
        for index, item in enumerate(checklist.items):
            # Every built-in item explains itself and points to its pattern; a team's may not.
            missing = [key for key in ("why", "pattern") if is_builtin and getattr(item, key) is None]
            if missing:
                problems.append(
                    Problem(
                        "error",
                        f"{checklist.source}: items[{index}]",
                        f"{item.id}: a built-in item needs {' and '.join(repr(key) for key in missing)}",
                    )
                )
            if item.pattern is not None and item.pattern not in patterns:
                problems.append(
                    Problem(
                        "error",
                        f"{checklist.source}: items[{index}].pattern",
                        f"{item.id}: no pattern '{item.pattern}'",
                    )
                )
    return problems


def _coverage_problems(
    patterns: dict[str, Pattern], checklists: dict[str, Checklist], rule_set: RuleSet, patterns_dir: Path
) -> list[Problem]:
    problems = []
    where = str(patterns_dir)
    if len(patterns) < MINIMUM_PATTERNS:
        problems.append(
            Problem(
                "error",
                where,
                f"{len(patterns)} patterns; the knowledge base promises at least {MINIMUM_PATTERNS}",
            )
        )
    for pattern_id in SEED_PATTERNS:
        if pattern_id not in patterns:
            problems.append(Problem("error", where, f"missing pattern '{pattern_id}' (promised by the seed)"))
    named_by_patterns = {rule for pattern in patterns.values() for rule in pattern.rules}
    used_by_items = {
        rule for checklist in checklists.values() for item in checklist.items for rule in item.rules
    }
    for rule_id in sorted(set(CATALOG_RULE_IDS) - {"parse-error"}):
        if rule_id not in named_by_patterns:
            problems.append(
                Problem("error", where, f"rule '{rule_id}' is named by no pattern's front matter 'rules'")
            )
        if rule_id not in used_by_items:
            problems.append(Problem("error", "checklists", f"rule '{rule_id}' is used by no checklist item"))
    return problems

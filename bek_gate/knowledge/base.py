"""The knowledge base as one object: patterns, checklists and rules, looked up by any id form."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bek_gate.checklists import Checklist, ChecklistItem, canonical_id
from bek_gate.errors import BekError, closest
from bek_gate.knowledge.patterns import Pattern, load_patterns, pattern_id
from bek_gate.knowledge.search import Document, SearchIndex
from bek_gate.resources import data_dir
from bek_gate.rules.loader import LoadedRule, RuleSet

# Scope names and the prefixes of pattern ids; --scope accepts either.
SCOPES = {
    "api": "api",
    "security": "security",
    "sec": "security",
    "database": "database",
    "db": "database",
    "reliability": "reliability",
    "rel": "reliability",
    "observability": "observability",
    "obs": "observability",
    "tenancy": "tenancy",
    "tenant": "tenancy",
    "multitenancy": "tenancy",
    "production": "production",
    "prod": "production",
}


def scope_name(text: str) -> str:
    """The canonical scope for a name or prefix; a BekError lists the valid ones."""
    scope = SCOPES.get(text.lower())
    if scope is None:
        valid = ", ".join(sorted(set(SCOPES.values())))
        raise BekError(
            f"unknown scope '{text}'; valid: {valid} (or their prefixes: api, sec, db, rel, obs, tenant, prod)"
        )
    return scope


@dataclass(frozen=True)
class Entry:
    """What an id names: a pattern, a checklist, a checklist item or a rule."""

    kind: str
    id: str
    pattern: Pattern | None = None
    checklist: Checklist | None = None
    item: ChecklistItem | None = None
    rule: LoadedRule | None = None


@dataclass
class KnowledgeBase:
    patterns: dict[str, Pattern]
    checklists: dict[str, Checklist]
    rule_set: RuleSet
    items: dict[str, ChecklistItem] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.items = {item.id: item for checklist in self.checklists.values() for item in checklist.items}

    @classmethod
    def load(
        cls, checklists: dict[str, Checklist], rule_set: RuleSet, patterns_dir: Path | None = None
    ) -> KnowledgeBase:
        return cls(load_patterns(patterns_dir or data_dir("patterns")), checklists, rule_set)

    def item_scope(self, item: ChecklistItem) -> str:
        """The scope of the item's checklist (an item of the reliability checklist is found with
        ``--scope rel`` even when its pattern is an api one); a prefix such as ``rel`` is
        spelled out, so a team checklist's scope filters like the built-in ones."""
        scope = self.checklists[item.checklist_id].scope
        return SCOPES.get(scope.lower(), scope)

    def documents(self) -> list[Document]:
        documents = [
            Document(
                id=pattern.id,
                kind="pattern",
                title=pattern.title,
                scope=pattern.scope,
                summary=pattern.summary,
                fields={
                    # The slug without its scope prefix: "db-n-plus-one" names its subject, while
                    # "db" alone would match every database pattern.
                    "id": pattern.id.partition("-")[2].replace("-", " "),
                    "title": pattern.title,
                    "tags": " ".join(tag.replace("-", " ") for tag in pattern.tags),
                    "summary": pattern.summary,
                    "body": pattern.body,
                },
            )
            for pattern in self.patterns.values()
        ]
        for item in self.items.values():
            why = " ".join((item.why or "").split())
            pattern = self.patterns.get(item.pattern or "")
            documents.append(
                Document(
                    id=item.id,
                    kind="item",
                    title=item.title,
                    scope=self.item_scope(item),
                    summary=why,
                    fields={
                        "title": item.title,
                        "tags": " ".join(rule.replace("-", " ") for rule in item.rules),
                        "summary": why,
                        "body": item.how_to_verify or "",
                        # An item is about its pattern's subject even in other words: db-07 says
                        # "one query per loop iteration", its pattern says "N+1 queries".
                        "pattern": f"{pattern.title} {' '.join(pattern.tags)}" if pattern else "",
                    },
                )
            )
        return documents

    @cached_property
    def index(self) -> SearchIndex:
        return SearchIndex(self.documents())

    def ids(self) -> list[str]:
        return sorted([*self.patterns, *self.checklists, *self.items, *self.rule_set.ids()])

    def resolve(self, raw: str) -> Entry:
        """The entry an id names, in any accepted spelling; a BekError suggests the closest ids."""
        text = raw.strip()
        as_checklist = canonical_id(text)
        if as_checklist in self.checklists:
            return Entry("checklist", as_checklist, checklist=self.checklists[as_checklist])
        as_pattern = pattern_id(text)
        if as_pattern in self.patterns:
            return Entry("pattern", as_pattern, pattern=self.patterns[as_pattern])
        if text in self.rule_set:
            return Entry("rule", text, rule=self.rule_set[text])
        if text in self.items:
            item = self.items[text]
            return Entry("item", text, item=item, checklist=self.checklists[item.checklist_id])
        suggestions = closest(as_pattern, self.ids(), count=3)
        hint = (
            f"; did you mean: {', '.join(suggestions)}?"
            if suggestions
            else "; try `bek search` or `bek list`"
        )
        raise BekError(f"unknown id '{raw}'{hint}")

"""How ``bek show`` and ``bek list`` print the knowledge base: markdown, rendered on a terminal."""

from __future__ import annotations

import re
from typing import Any

from bek_gate.checklists import Checklist, ChecklistItem, item_severity
from bek_gate.knowledge.base import Entry, KnowledgeBase
from bek_gate.knowledge.patterns import Pattern
from bek_gate.rules.loader import LoadedRule

_CODE_SPAN = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)]+)\)")


def entry_markdown(kb: KnowledgeBase, entry: Entry) -> str:
    if entry.pattern is not None:
        return pattern_markdown(entry.pattern)
    if entry.kind == "checklist" and entry.checklist is not None:
        return checklist_markdown(kb, entry.checklist)
    if entry.item is not None and entry.checklist is not None:
        return item_markdown(kb, entry.checklist, entry.item)
    assert entry.rule is not None
    return rule_markdown(kb, entry.rule)


def pattern_markdown(pattern: Pattern) -> str:
    head = [
        f"# {pattern.title}",
        "",
        f"`{pattern.id}` · {pattern.scope} · {pattern.level} · tags: {', '.join(pattern.tags)}",
    ]
    if pattern.rules:
        head.append(f"Enforced by: {', '.join(f'`{rule}`' for rule in pattern.rules)}")
    if pattern.related:
        head.append(f"Related: {', '.join(pattern.related)}")
    return "\n".join([*head, "", pattern.summary, "", pattern.body.strip(), ""])


def checklist_markdown(kb: KnowledgeBase, checklist: Checklist) -> str:
    lines = [
        f"# {checklist.title}",
        "",
        f"`{checklist.id}` · scope: {checklist.scope}",
        "",
        checklist.description,
        "",
    ]
    lines += ["| item | severity | checked by | title |", "| --- | --- | --- | --- |"]
    for item in checklist.items:
        how = ", ".join(f"`{rule}`" for rule in item.rules) if item.rules else "manual"
        lines.append(f"| {item.id} | {_severity(kb, item) or '-'} | {how} | {item.title} |")
    lines += ["", "`bek show <item id>` explains an item."]
    return "\n".join(lines) + "\n"


def item_markdown(kb: KnowledgeBase, checklist: Checklist, item: ChecklistItem) -> str:
    lines = [
        f"# {item.id}: {item.title}",
        "",
        " · ".join(
            [
                f"In `{checklist.id}`",
                *([f"severity {severity}"] if (severity := _severity(kb, item)) else []),
                *([f"pattern `{item.pattern}`"] if item.pattern else []),
            ]
        ),
        "",
    ]
    if item.why:
        lines += ["## Why", "", " ".join(item.why.split()), ""]
    if item.manual:
        lines += ["## How to verify (manual)", "", " ".join((item.how_to_verify or "").split()), ""]
        lines += [f"Attest it in `.bek/attestations.yaml` with `item: {item.id}`.", ""]
    else:
        implemented = [rule for rule in item.rules if rule in kb.rule_set]
        missing = [rule for rule in item.rules if rule not in kb.rule_set]
        lines += ["## Checked by", ""]
        lines += [f"- `{rule}`" for rule in implemented]
        lines += [f"- `{rule}` (not automated yet)" for rule in missing]
        lines.append("")
    return "\n".join(lines)


def rule_markdown(kb: KnowledgeBase, rule: LoadedRule) -> str:
    cls = rule.cls
    facts = [f"severity {cls.severity}", f"confidence {cls.confidence}"]
    if cls.cwe:
        facts.append(f"CWE-{cls.cwe}")
    if cls.pattern:
        facts.append(f"pattern `{cls.pattern}`")
    items = [item.id for item in kb.items.values() if rule.id in item.rules]
    lines = [f"# {rule.id}: {cls.title}", "", " · ".join(facts)]
    if items:
        lines.append(f"Checklist items: {', '.join(items)}")
    lines += ["", rule.doc.markdown().strip(), "", "## Fix", "", cls.fix, ""]
    if cls.options:
        lines += ["## Options", ""]
        for name, spec in cls.options.items():
            lines.append(
                f"- `{name}` (default `{spec.get('default')!r}`): {spec.get('description', '')}".rstrip(": ")
            )
        lines.append("")
    return "\n".join(lines)


def entry_json(kb: KnowledgeBase, entry: Entry) -> dict[str, Any]:
    if entry.pattern is not None:
        pattern = entry.pattern
        return {
            "kind": "pattern",
            "id": pattern.id,
            "title": pattern.title,
            "scope": pattern.scope,
            "tags": list(pattern.tags),
            "level": pattern.level,
            "summary": pattern.summary,
            "rules": list(pattern.rules),
            "related": list(pattern.related),
            "references": [dict(reference) for reference in pattern.references],
            "sections": dict(pattern.sections),
        }
    if entry.kind == "checklist" and entry.checklist is not None:
        checklist = entry.checklist
        return {
            "kind": "checklist",
            "id": checklist.id,
            "title": checklist.title,
            "scope": checklist.scope,
            "description": checklist.description,
            "items": [item_json(kb, item) for item in checklist.items],
        }
    if entry.item is not None:
        return {"kind": "item", **item_json(kb, entry.item)}
    assert entry.rule is not None
    cls = entry.rule.cls
    return {
        "kind": "rule",
        "id": entry.rule.id,
        "title": cls.title,
        "severity": cls.severity,
        "confidence": cls.confidence,
        "cwe": cls.cwe,
        "pattern": cls.pattern,
        "fix": cls.fix,
        "tags": list(cls.tags),
        "summary": entry.rule.doc.summary,
        "sections": dict(entry.rule.doc.sections),
        "checklistItems": [item.id for item in kb.items.values() if entry.rule.id in item.rules],
    }


def _severity(kb: KnowledgeBase, item: ChecklistItem) -> str | None:
    """The item's severity as its rules' defaults give it (a project's overrides apply in the gate's reports)."""
    return item_severity(item, {loaded.id: loaded.cls.severity for loaded in kb.rule_set.rules.values()})


def item_json(kb: KnowledgeBase, item: ChecklistItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "checklist": item.checklist_id,
        "title": item.title,
        "why": " ".join(item.why.split()) if item.why else None,
        "severity": _severity(kb, item),
        "pattern": item.pattern,
        "rules": list(item.rules),
        "manual": item.manual,
        "howToVerify": " ".join(item.how_to_verify.split()) if item.how_to_verify else None,
    }


def terminal(markdown: str) -> str:
    """Markdown made readable on a terminal: headings, code and emphasis styled, fences dropped."""
    out = []
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            out.append(f"    \033[36m{line}\033[0m" if line else "")
            continue
        if line.startswith("# "):
            out.append(f"\033[1;4m{line[2:]}\033[0m")
            continue
        if line.startswith("## "):
            out.append(f"\033[1m{line[3:]}\033[0m")
            continue
        if line.startswith("### "):
            out.append(f"\033[1;2m{line[4:]}\033[0m")
            continue
        line = line.replace("- [ ] ", "☐ ")
        line = _LINK.sub(lambda match: f"{match.group(1)} \033[2m<{match.group(2)}>\033[0m", line)
        line = _BOLD.sub(lambda match: f"\033[1m{match.group(1)}\033[0m", line)
        line = _CODE_SPAN.sub(lambda match: f"\033[36m{match.group(1)}\033[0m", line)
        out.append(line)
    return "\n".join(out) + "\n"

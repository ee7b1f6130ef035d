"""The per-file phase: decode, prefilter, parse once, walk once, locate, suppress, fingerprint."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst

from bek_gate import parsing
from bek_gate.discovery import TestPaths
from bek_gate.engine.context import FileContext
from bek_gate.engine.positions import location_of, resolve_positions, statement_lines
from bek_gate.engine.walker import Dispatcher, RuleCrash, walk
from bek_gate.findings import PARSE_ERROR, FileResult, Finding, Location, Notice, assign_fingerprints
from bek_gate.rules.base import Fact, Rule
from bek_gate.rules.loader import LoadedRule, RuleSet, load_rule_dirs
from bek_gate.suppressions import MARKER, FileSuppressions, find_suppressions

_SNIPPET_LINES = 10
_RECURSION_LIMIT = 8_000
# The line ends the tokenizer (and so libcst's positions) counts; str.splitlines()
# also splits on form feeds, \x1c-\x1e, \x85 and U+2028/9, which shifts snippets.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class AnalysisPlan:
    """What the per-file phase runs; plain data, so worker processes can rebuild it."""

    rule_dirs: tuple[str, ...]
    selected: tuple[str, ...]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    known_ids: frozenset[str] = frozenset()
    test_paths: TestPaths = field(default_factory=TestPaths)
    target_version: tuple[int, int] | None = None  # the project's grammar, for rules that write code


class Analyzer:
    """Checks single files against the selected rules."""

    def __init__(self, plan: AnalysisPlan, rule_set: RuleSet | None = None) -> None:
        self.plan = plan
        self.rule_set = (
            rule_set if rule_set is not None else load_rule_dirs([Path(d) for d in plan.rule_dirs])
        )
        self.rules: list[LoadedRule] = [
            self.rule_set[rule_id]
            for rule_id in plan.selected
            if rule_id in self.rule_set and rule_id != PARSE_ERROR
        ]
        self.test_rules = [rule for rule in self.rules if rule.cls.applies_to_tests]
        self.known_ids = plan.known_ids or frozenset(self.rule_set.ids())

    def check_source(self, relpath: str, data: bytes) -> FileResult:
        """Everything the per-file phase finds in one file's bytes."""
        text = parsing.decode(data)
        if isinstance(text, parsing.ParseFailure):
            return self._unparsable(relpath, None, text, None)
        suppressions = find_suppressions(text) if MARKER in text else None
        # CPython's parser first: it is the authority on what Python accepts, costs a
        # fraction of libcst's parse, and rejects the pathological nesting that can
        # overflow the stack of libcst's native parser.
        checked = parsing.syntax_check(text)
        failure = checked if isinstance(checked, parsing.ParseFailure) else None
        candidates = self.test_rules if self.plan.test_paths.is_test(relpath) else self.rules
        active = [rule for rule in candidates if _prefilter_matches(rule, text)] if failure is None else []
        if failure is not None:
            result = self._unparsable(relpath, text, failure, suppressions)
        elif not active:
            result = FileResult(relpath, parsed=True)
        else:
            module = checked if isinstance(checked, cst.Module) else parsing.parse(text)
            if isinstance(module, parsing.ParseFailure):
                result = self._unparsable(relpath, text, module, suppressions)
            else:
                # libcst generates code (positions, ``context.code``) recursively, many
                # frames per level of nesting: the deepest code CPython accepts (about
                # 200 levels) needs more than the default limit. Not raised around
                # ``ast.parse``, whose C recursion is bounded by the same limit.
                previous = sys.getrecursionlimit()
                sys.setrecursionlimit(max(previous, _RECURSION_LIMIT))
                try:
                    result = self._check_module(relpath, text, module, active, suppressions)
                finally:
                    sys.setrecursionlimit(previous)
        if suppressions is not None:
            result.notices.extend(self._suppression_notices(relpath, suppressions))
        return result

    def _check_module(
        self,
        relpath: str,
        text: str,
        module: cst.Module,
        active: list[LoadedRule],
        suppressions: FileSuppressions | None,
    ) -> FileResult:
        context = FileContext(relpath, text, module)
        instances: list[tuple[LoadedRule, Rule]] = []
        crashes: list[RuleCrash] = []
        for loaded in active:
            try:
                instance = loaded.cls(context, self.plan.options.get(loaded.id) or loaded.default_options())
            except (Exception, SystemExit) as error:  # a team rule's own __init__
                crashes.append(RuleCrash.of(loaded.id, error))
                continue
            instances.append((loaded, instance))
        crashes += walk(context, Dispatcher(instances))
        result = FileResult(relpath, parsed=True)
        for crash in crashes:
            result.notices.append(
                Notice(
                    "internal-error",
                    f"rule '{crash.rule_id}' crashed on this file ({crash.error}, at {crash.where}); "
                    "its findings for this file may be incomplete",
                    relpath,
                    rule_id=crash.rule_id,
                )
            )
        if not context.reports and not any(fact.node is not None for fact in context.facts):
            result.facts = [Fact(f.rule_id, f.kind, f.data, relpath).to_dict() for f in context.facts]
            return result
        lines = _LINE_BREAK.split(text)
        positions = resolve_positions(module)
        findings = []
        for report in context.reports:
            location = location_of(positions, report.node)
            first, last = statement_lines(positions, report.statement, location)
            findings.append(
                Finding(
                    rule_id=report.rule_id,
                    message=report.message,
                    path=relpath,
                    location=location,
                    snippet=_snippet(lines, location),
                    confidence=report.confidence,
                    suppressed_by=_suppressed_by(suppressions, report.rule_id, first, last),
                )
            )
        for raw in context.facts:
            fact = Fact(raw.rule_id, raw.kind, raw.data, relpath)
            if raw.node is not None:
                location = location_of(positions, raw.node)
                fact.line, fact.column = location.line, location.column
                fact.end_line, fact.end_column = location.end_line, location.end_column
                fact.snippet = _snippet(lines, location)
                first, last = statement_lines(positions, raw.statement, location)
                fact.data = {
                    **raw.data,
                    "_suppressed_by": _suppressed_by(suppressions, raw.rule_id, first, last),
                }
            result.facts.append(fact.to_dict())
        result.findings = assign_fingerprints(findings, lines)
        return result

    def _unparsable(
        self,
        relpath: str,
        text: str | None,
        failure: parsing.ParseFailure,
        suppressions: FileSuppressions | None,
    ) -> FileResult:
        lines = _LINE_BREAK.split(text) if text is not None else []
        location = Location(failure.line, failure.column, failure.line, failure.column)
        finding = Finding(
            rule_id=PARSE_ERROR,
            message=f"{failure.message}; this file was not checked",
            path=relpath,
            location=location,
            snippet=_snippet(lines, location),
            suppressed_by=_suppressed_by(suppressions, PARSE_ERROR, failure.line, failure.line),
        )
        return FileResult(relpath, findings=assign_fingerprints([finding], lines))

    def _suppression_notices(self, relpath: str, suppressions: FileSuppressions) -> Iterable[Notice]:
        for directive in suppressions.directives:
            for rule_id in sorted(directive.rule_ids or ()):
                if rule_id not in self.known_ids:
                    yield Notice(
                        "suppression",
                        f"unknown rule id '{rule_id}' in '{directive.text}'",
                        relpath,
                        directive.line,
                        rule_id,
                    )
        selected = set(self.plan.selected)
        for directive in suppressions.directives:
            # Unused only if every rule it names ran here: a rule this run did not
            # select could still need it.
            if not directive.used and (directive.rule_ids is None or directive.rule_ids <= selected):
                yield Notice(
                    "unused-ignore",
                    f"'{directive.text}' suppresses nothing",
                    relpath,
                    directive.line,
                )
        for directive in suppressions.misplaced_file_directives:
            yield Notice(
                "suppression",
                f"'{directive.text}' must be in the module header (before the first statement); it was ignored",
                relpath,
                directive.line,
            )


def _prefilter_matches(rule: LoadedRule, text: str) -> bool:
    needles = rule.cls.prefilter
    return not needles or any(needle in text for needle in needles)


def _snippet(lines: list[str], location: Location) -> str:
    first = max(location.line - 1, 0)
    last = min(location.end_line, first + _SNIPPET_LINES, len(lines))
    return "\n".join(lines[first:last])


def _suppressed_by(suppressions: FileSuppressions | None, rule_id: str, first: int, last: int) -> str | None:
    if suppressions is None:
        return None
    directive = suppressions.match(rule_id, first, last)
    if directive is None:
        return None
    directive.used = True
    return directive.text

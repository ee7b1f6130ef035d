"""The rule API: what a rule module defines, for built-in and team rules alike.

A rule is one small class. Its docstring documents it (What it finds / Why it
matters / Example / Use instead / References); class attributes carry its
metadata and its own valid and invalid examples; ``visit_<NodeType>`` and
``leave_<NodeType>`` methods receive the libcst nodes of those types and call
``self.report(node, message)``. The engine walks each file once and hands every
node only to the rules that asked for its type.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext


@dataclass(frozen=True)
class Valid:
    """Code the rule must stay silent on (usually the nearest safe code)."""

    code: str

    @property
    def source(self) -> str:
        return _dedent(self.code)


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag exactly once, at ``line`` when given (1-based)."""

    code: str
    line: int | None = None

    @property
    def source(self) -> str:
        return _dedent(self.code)


def _dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


class Rule:
    """Base class of per-file rules.

    Subclasses set the class attributes below. ``prefilter`` lists substrings
    of which at least one must occur in a file's text for the rule to have any
    chance of matching; files where none occurs are not parsed for this rule.
    An empty ``prefilter`` means the rule runs on every file.

    Test code (``tests/``, ``test_*.py``, ``conftest.py``; ``test-paths`` in the
    config) is checked only by rules that set ``applies_to_tests``: a password
    in a fixture or a request without a timeout in a test is not a production
    problem, so by default a rule does not look there.

    ``min_confidence`` is the lowest confidence the rule reports at unless
    the user asks for more (``min-confidence`` in the config, ``--min-confidence``):
    sql-injection reports only request data by default, since SQL built from a
    function's parameters in released applications is almost always built from
    internal values.

    ``options`` maps option names to JSON Schema fragments with a ``default``;
    users set them under ``[tool.bek.rule-options.<rule-id>]`` and the rule
    reads ``self.options``.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[str]
    confidence: ClassVar[str] = "high"
    min_confidence: ClassVar[str] = "low"
    cwe: ClassVar[int | None] = None
    pattern: ClassVar[str | None] = None
    fix: ClassVar[str] = ""
    tags: ClassVar[tuple[str, ...]] = ()
    prefilter: ClassVar[tuple[str, ...]] = ()
    applies_to_tests: ClassVar[bool] = False
    options: ClassVar[dict[str, dict[str, Any]]] = {}
    valid: ClassVar[list[Valid]] = []
    invalid: ClassVar[list[Invalid]] = []

    #: Set by the loader: which file the rule came from.
    source_file: ClassVar[str] = ""

    def __init__(self, context: FileContext, options: dict[str, Any]) -> None:
        self.context = context
        self.options = options

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        confidence: str | None = None,
    ) -> None:
        """Record a finding at ``node``; its position is computed after the walk."""
        if not isinstance(message, str) or not isinstance(node, cst.CSTNode):
            # Raised here, so the crash is reported against the rule that made the mistake.
            raise TypeError(f"{self.id}: report() takes a libcst node and a message string")
        self.context.add_report(self.id, node, message, confidence or self.confidence)

    @classmethod
    def is_project_rule(cls) -> bool:
        return False


@dataclass
class Fact:
    """Something a project rule learned in one file, for its ``decide`` step."""

    rule_id: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    snippet: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "kind": self.kind,
            "data": self.data,
            "path": self.path,
            "location": [self.line, self.column, self.end_line, self.end_column],
            "snippet": self.snippet,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        line, column, end_line, end_column = data["location"]
        return cls(
            rule_id=data["rule"],
            kind=data["kind"],
            data=data["data"],
            path=data["path"],
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            snippet=data["snippet"],
        )


@dataclass(frozen=True)
class ProjectReport:
    """A project rule's verdict on one fact: a finding at that fact's place."""

    fact: Fact
    message: str


class ProjectRule(Rule):
    """A rule that needs facts from several files (routes, models, middleware).

    Its visit methods call ``self.collect(kind, data, node)`` in each file; once
    every file has been seen, ``decide`` receives all facts of this rule (sorted
    by path and line) and returns the reports. A report must point at a fact
    that has a node, since that is where the finding is shown.
    """

    def collect(self, kind: str, data: dict[str, Any] | None = None, node: cst.CSTNode | None = None) -> None:
        """Remember a fact about this file; ``node`` gives it a location."""
        self.context.add_fact(self.id, kind, data or {}, node)

    @classmethod
    def decide(cls, facts: list[Fact], options: dict[str, Any]) -> Iterable[ProjectReport]:
        raise NotImplementedError

    @classmethod
    def is_project_rule(cls) -> bool:
        return True

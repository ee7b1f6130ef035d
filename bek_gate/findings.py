"""Findings, notices and fingerprints: what a run produces before the verdict."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low")
CONFIDENCES = ("high", "medium", "low")
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}

PARSE_ERROR = "parse-error"


def severity_at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` is ``threshold`` or worse."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


@dataclass(frozen=True)
class Location:
    """A region of a file: 1-based lines and columns, end inclusive of its last line."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Finding:
    """One problem found in one place.

    The fields the per-file phase knows (rule, message, path, location, snippet,
    fingerprint, suppression) are cached; the rule metadata (severity, fix, CWE,
    pattern, checklist items) is added afterwards, so a config change that only
    alters severities does not invalidate the cache.
    """

    rule_id: str
    message: str
    path: str
    location: Location
    snippet: str
    fingerprint: str = ""
    severity: str = "medium"
    confidence: str = "high"
    fix: str = ""
    pattern: str | None = None
    cwe: int | None = None
    checklist_items: tuple[str, ...] = ()
    suppressed_by: str | None = None  # the suppression comment's text, when suppressed
    baseline_state: str = "new"

    @property
    def suppressed(self) -> bool:
        return self.suppressed_by is not None

    @property
    def line(self) -> int:
        return self.location.line

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (self.path, loc.line, loc.column, self.rule_id, self.message)

    def with_(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def to_cache(self) -> dict[str, Any]:
        loc = self.location
        return {
            "rule": self.rule_id,
            "message": self.message,
            "location": [loc.line, loc.column, loc.end_line, loc.end_column],
            "snippet": self.snippet,
            "fingerprint": self.fingerprint,
            "suppressed_by": self.suppressed_by,
            "confidence": self.confidence,
        }

    @classmethod
    def from_cache(cls, path: str, data: dict[str, Any]) -> Finding:
        return cls(
            rule_id=data["rule"],
            message=data["message"],
            path=path,
            location=Location(*data["location"]),
            snippet=data["snippet"],
            fingerprint=data["fingerprint"],
            suppressed_by=data["suppressed_by"],
            confidence=data["confidence"],
        )


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not a finding.

    kinds: ``skipped`` (a file was not read: symlink out of the root, too big,
    unreadable), ``internal-error`` (a rule crashed), ``suppression`` (an
    unknown rule id in a ``bek: ignore`` comment, a misplaced directive),
    ``timeout``, ``cache`` (the cache could not be written), ``no-files``.
    """

    kind: str
    message: str
    path: str | None = None
    line: int | None = None
    rule_id: str | None = None

    def sort_key(self) -> tuple[Any, ...]:
        return (self.kind, self.path or "", self.line or 0, self.rule_id or "", self.message)

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notice:
        return cls(**data)


@dataclass
class FileResult:
    """Everything the per-file phase learned about one file (the unit that is cached)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    parsed: bool = False

    def to_cache(self) -> dict[str, Any]:
        return {
            "findings": [finding.to_cache() for finding in self.findings],
            "facts": self.facts,
            "notices": [notice.to_dict() for notice in self.notices],
            "parsed": self.parsed,
        }

    @classmethod
    def from_cache(cls, path: str, data: dict[str, Any]) -> FileResult:
        return cls(
            path=path,
            findings=[Finding.from_cache(path, item) for item in data["findings"]],
            facts=data["facts"],
            notices=[Notice.from_dict(item) for item in data["notices"]],
            parsed=data["parsed"],
        )


_WHITESPACE = re.compile(r"\s+")


def normalised_line(text: str) -> str:
    """A source line with its indentation and inner runs of whitespace folded."""
    return _WHITESPACE.sub(" ", text.strip())


def assign_fingerprints(findings: list[Finding], lines: list[str]) -> list[Finding]:
    """Give each finding of one file its stable fingerprint.

    rule + path + hash of the normalised source line + occurrence index: moving
    code or adding unrelated lines keeps it; a second identical finding gets
    the next index, so it is told apart from the first.
    """
    seen: dict[tuple[str, str], int] = {}
    result = []
    for finding in sorted(findings, key=Finding.sort_key):
        index = finding.location.line - 1
        line_text = lines[index] if 0 <= index < len(lines) else ""
        line_hash = hashlib.sha256(normalised_line(line_text).encode("utf-8")).hexdigest()[:16]
        key = (finding.rule_id, line_hash)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        # surrogateescape: a file name that is not UTF-8 arrives as \udcXX escapes (its own bytes).
        digest = hashlib.sha256(
            f"{finding.rule_id}\0{finding.path}\0{line_hash}\0{occurrence}".encode("utf-8", "surrogateescape")
        ).hexdigest()[:32]
        result.append(finding.with_(fingerprint=digest))
    return result

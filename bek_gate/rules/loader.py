"""Load rule modules from directories: the built-in ``rules/`` and a team's ``rule-dirs``.

Both go through the same code and the same checks, so nothing about a
built-in rule is special. A module must define exactly one ``Rule`` subclass;
modules whose name starts with ``_`` are helpers and are not loaded as rules.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import libcst as cst

from bek_gate.errors import ConfigError
from bek_gate.findings import CONFIDENCES, SEVERITIES
from bek_gate.rules.base import Invalid, ProjectRule, Rule, Valid
from bek_gate.rules.docs import RuleDoc, parse_doc

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_HANDLER = re.compile(r"^(visit|leave)_([A-Za-z]+)$")


@dataclass(frozen=True)
class LoadedRule:
    """A rule class with what the engine derived from it once, at load time."""

    cls: type[Rule]
    doc: RuleDoc
    visits: dict[type[cst.CSTNode], str]
    leaves: dict[type[cst.CSTNode], str]
    source_hash: str

    @property
    def id(self) -> str:
        return self.cls.id

    @property
    def is_project_rule(self) -> bool:
        return self.cls.is_project_rule()

    def default_options(self) -> dict[str, Any]:
        return {name: spec.get("default") for name, spec in self.cls.options.items()}


@dataclass
class RuleSet:
    """All loaded rules, by id, in a stable order."""

    rules: dict[str, LoadedRule] = field(default_factory=dict)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __getitem__(self, rule_id: str) -> LoadedRule:
        return self.rules[rule_id]

    def ids(self) -> list[str]:
        return list(self.rules)

    def add(self, loaded: LoadedRule) -> None:
        existing = self.rules.get(loaded.id)
        if existing is not None:
            raise ConfigError(
                f"{loaded.cls.source_file}: rule id '{loaded.id}' is already defined "
                f"in {existing.cls.source_file}; rule ids must be unique"
            )
        self.rules[loaded.id] = loaded


def load_rule_dirs(directories: list[Path]) -> RuleSet:
    """Load every rule module of ``directories``, in order; ids must be unique."""
    rule_set = RuleSet()
    for directory in directories:
        if not directory.is_dir():
            raise ConfigError(f"{directory}: rule directory does not exist")
        for path in sorted(directory.glob("*.py")):
            if path.name.startswith("_"):
                continue
            rule_set.add(load_rule_file(path))
    return rule_set


def load_rule_file(path: Path) -> LoadedRule:
    """Import one rule module by path and check the rule it defines."""
    source = path.read_bytes()
    module = _import_by_path(path, source)
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Rule)
        and value not in (Rule, ProjectRule)
        and value.__module__ == module.__name__
    ]
    if len(classes) != 1:
        found = ", ".join(sorted(cls.__name__ for cls in classes)) or "none"
        raise ConfigError(f"{path}: a rule module must define exactly one Rule subclass (found: {found})")
    cls = classes[0]
    cls.source_file = str(path)
    return check_rule_class(cls, hashlib.sha256(source).hexdigest())


def _import_by_path(path: Path, source: bytes) -> ModuleType:
    # A unique module name per file keeps two directories' ``util.py`` apart
    # and never shadows an importable package of the scanned project.
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"bek_gate._loaded_rules.r{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:  # sys.exit() at import must not pass for success
        del sys.modules[name]
        # The line in the rule module itself, not in importlib's frames: a syntax
        # error has no frame of its own, an exception's last frame in this file is where it came from.
        if isinstance(error, SyntaxError):
            line, detail = error.lineno, error.msg
        else:
            frames = traceback.extract_tb(error.__traceback__)
            own = [frame for frame in frames if Path(frame.filename).resolve() == path.resolve()]
            line, detail = (own or frames)[-1].lineno, str(error)
        raise ConfigError(
            f"{path}: importing the rule module failed at line {line}: {type(error).__name__}: {detail}"
        ) from None
    return module


def check_rule_class(cls: type[Rule], source_hash: str = "") -> LoadedRule:
    """Validate a rule's metadata and handlers; raise ConfigError naming the attribute."""
    where = cls.source_file or cls.__qualname__

    def fail(attribute: str, expected: str) -> None:
        actual = getattr(cls, attribute, "<missing>")
        raise ConfigError(f"{where}: {cls.__name__}.{attribute} must be {expected}, got {actual!r}")

    rule_id = getattr(cls, "id", None)
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        fail("id", "a kebab-case string such as 'sql-injection'")
    if not isinstance(getattr(cls, "title", None), str) or not cls.title.strip():
        fail("title", "a non-empty string")
    if getattr(cls, "severity", None) not in SEVERITIES:
        fail("severity", "one of " + ", ".join(SEVERITIES))
    if cls.confidence not in CONFIDENCES:
        fail("confidence", "one of " + ", ".join(CONFIDENCES))
    if cls.min_confidence not in CONFIDENCES:
        fail("min_confidence", "one of " + ", ".join(CONFIDENCES))
    if cls.cwe is not None and (not isinstance(cls.cwe, int) or cls.cwe <= 0):
        fail("cwe", "a positive integer or None")
    if cls.pattern is not None and not isinstance(cls.pattern, str):
        fail("pattern", "a pattern id string or None")
    if not isinstance(cls.fix, str) or not cls.fix.strip():
        fail("fix", "a non-empty fix hint")
    if not isinstance(cls.prefilter, tuple) or not all(isinstance(s, str) and s for s in cls.prefilter):
        fail("prefilter", "a tuple of non-empty strings")
    if not isinstance(cls.tags, tuple) or not all(isinstance(tag, str) for tag in cls.tags):
        fail("tags", "a tuple of strings")
    if not isinstance(cls.options, dict) or not all(
        isinstance(spec, dict) and "default" in spec for spec in cls.options.values()
    ):
        fail("options", "a dict of JSON Schema fragments, each with a 'default'")
    if not all(isinstance(example, Valid) for example in cls.valid):
        fail("valid", "a list of Valid(...) examples")
    if not all(isinstance(example, Invalid) for example in cls.invalid):
        fail("invalid", "a list of Invalid(...) examples")

    visits: dict[type[cst.CSTNode], str] = {}
    leaves: dict[type[cst.CSTNode], str] = {}
    for attribute in dir(cls):
        match = _HANDLER.match(attribute)
        if not match:
            continue
        node_type = getattr(cst, match.group(2), None)
        if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
            raise ConfigError(
                f"{where}: {cls.__name__}.{attribute} names no libcst node type '{match.group(2)}'"
            )
        (visits if match.group(1) == "visit" else leaves)[node_type] = attribute
    if issubclass(cls, ProjectRule) and cls.decide is ProjectRule.decide:
        raise ConfigError(f"{where}: project rule {cls.__name__} must define decide()")
    return LoadedRule(
        cls=cls, doc=parse_doc(cls.__doc__), visits=visits, leaves=leaves, source_hash=source_hash
    )

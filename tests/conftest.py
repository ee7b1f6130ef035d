"""Shared test fixtures: the built-in rule set, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bek_gate.resources import data_dir
from bek_gate.rules.loader import RuleSet, load_rule_dirs

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

_BUILTIN: RuleSet | None = None


def builtin_rules() -> RuleSet:
    global _BUILTIN
    if _BUILTIN is None:
        _BUILTIN = load_rule_dirs([data_dir("rules")])
    return _BUILTIN


@pytest.fixture(scope="session")
def rule_set() -> RuleSet:
    return builtin_rules()

"""Every pattern's Bad example is flagged by the rules its front matter names; its Good example is not."""

from __future__ import annotations

import pytest

from bek_gate.knowledge.patterns import load_patterns
from bek_gate.resources import data_dir
from bek_gate.rules.testing import check_code
from tests.conftest import builtin_rules

RULES = builtin_rules()
PATTERNS = load_patterns(data_dir("patterns"))
CASES = [(pattern.id, rule_id) for pattern in PATTERNS.values() for rule_id in pattern.rules]


@pytest.mark.parametrize(("pattern_id", "rule_id"), CASES, ids=[f"{p}-{r}" for p, r in CASES])
def test_bad_example_flagged_and_good_example_clean(pattern_id: str, rule_id: str) -> None:
    if rule_id not in RULES:
        pytest.skip(f"rule '{rule_id}' is not implemented yet")
    pattern = PATTERNS[pattern_id]
    bad, good = pattern.example("bad"), pattern.example("good")
    assert bad is not None and good is not None
    flagged = [f for f in check_code(RULES, [rule_id], bad) if f.rule_id == rule_id]
    assert flagged, f"{pattern.path}: the Bad example is not flagged by {rule_id}:\n{bad}"
    wrongly = [f for f in check_code(RULES, [rule_id], good) if f.rule_id == rule_id]
    assert not wrongly, f"{pattern.path}: the Good example is flagged by {rule_id}: " + "; ".join(
        f"line {f.line}: {f.message}" for f in wrongly
    )

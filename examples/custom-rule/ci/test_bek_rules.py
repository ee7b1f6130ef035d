"""The team's bek rules, tested on their own examples: `python -m pytest ci/test_bek_rules.py`.

Every `Valid` example must give no finding, every `Invalid` one exactly one
(on its `line`), the docstring's `## Example` must be flagged and its
`## Use instead` must not: the same checks bek runs on its built-in rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bek_gate.rules.loader import load_rule_dirs
from bek_gate.rules.testing import check_code, check_example

RULES = load_rule_dirs([Path(__file__).resolve().parent / "bek_rules"])
EXAMPLES = [
    (loaded, example)
    for loaded in RULES.rules.values()
    for example in [*loaded.cls.valid, *loaded.cls.invalid]
]


@pytest.mark.parametrize(
    ("loaded", "example"),
    EXAMPLES,
    ids=[
        f"{loaded.id}-{type(example).__name__.lower()}-{index}"
        for index, (loaded, example) in enumerate(EXAMPLES)
    ],
)
def test_example(loaded, example) -> None:
    outcome = check_example(RULES, loaded, example)
    assert outcome.problem is None, f"{outcome.problem}\n--- example ---\n{example.source}"


@pytest.mark.parametrize("rule_id", RULES.ids())
def test_documented_examples(rule_id: str) -> None:
    doc = RULES[rule_id].doc
    assert not doc.missing_sections(), f"docstring sections missing: {doc.missing_sections()}"
    for code in doc.code_blocks("Example"):
        assert check_code(RULES, [rule_id], code), f"the docstring's Example is not flagged:\n{code}"
    for code in doc.code_blocks("Use instead"):
        assert not check_code(RULES, [rule_id], code), f"the docstring's 'Use instead' is flagged:\n{code}"

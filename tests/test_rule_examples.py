"""Every built-in rule's own examples and docs, run as tests (Fixit-style)."""

from __future__ import annotations

import pytest

from bek_gate.rules.base import Invalid, Valid
from bek_gate.rules.catalog import CATALOG_RULE_IDS
from bek_gate.rules.testing import check_code, check_example
from tests.conftest import builtin_rules

RULES = builtin_rules()


def _examples() -> list[tuple[str, Valid | Invalid]]:
    cases = []
    for loaded in RULES.rules.values():
        cases += [(loaded.id, example) for example in [*loaded.cls.valid, *loaded.cls.invalid]]
    return cases


def _case_id(case: tuple[str, Valid | Invalid]) -> str:
    rule_id, example = case
    kind = "valid" if isinstance(example, Valid) else "invalid"
    cls = RULES[rule_id].cls
    index = (cls.valid if kind == "valid" else cls.invalid).index(example)
    return f"{rule_id}-{kind}-{index}"


EXAMPLES = _examples()


@pytest.mark.parametrize("case", EXAMPLES, ids=[_case_id(case) for case in EXAMPLES])
def test_rule_example(case: tuple[str, Valid | Invalid]) -> None:
    rule_id, example = case
    outcome = check_example(RULES, RULES[rule_id], example)
    assert outcome.problem is None, f"{rule_id}: {outcome.problem}\n--- example ---\n{example.source}"


@pytest.mark.parametrize("rule_id", RULES.ids())
def test_rule_has_examples_both_ways(rule_id: str) -> None:
    cls = RULES[rule_id].cls
    assert len(cls.valid) >= 2, f"{rule_id} needs negative examples of the nearest safe code"
    assert len(cls.invalid) >= 2, f"{rule_id} needs positive examples"


@pytest.mark.parametrize("rule_id", RULES.ids())
def test_rule_docs_have_every_section(rule_id: str) -> None:
    doc = RULES[rule_id].doc
    assert doc.summary, f"{rule_id}: the docstring needs a one-line summary"
    assert not doc.missing_sections(), f"{rule_id}: docstring sections missing: {doc.missing_sections()}"


@pytest.mark.parametrize("rule_id", RULES.ids())
def test_rule_doc_examples_behave_as_documented(rule_id: str) -> None:
    doc = RULES[rule_id].doc
    for code in doc.code_blocks("Example"):
        assert check_code(RULES, [rule_id], code), f"{rule_id}: the docs' Example is not flagged:\n{code}"
    for code in doc.code_blocks("Use instead"):
        found = check_code(RULES, [rule_id], code)
        assert not found, f"{rule_id}: the docs' 'Use instead' code is flagged: {found[0].message}\n{code}"


@pytest.mark.parametrize("rule_id", RULES.ids())
def test_builtin_rule_is_in_the_catalog(rule_id: str) -> None:
    assert rule_id in CATALOG_RULE_IDS


def test_rule_ids_are_unique_and_one_per_module() -> None:
    sources = [loaded.cls.source_file for loaded in RULES.rules.values()]
    assert len(sources) == len(set(sources))

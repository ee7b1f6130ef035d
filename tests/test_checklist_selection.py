"""Naming checklists: full ids, the dotted spelling, ``all``, and unambiguous abbreviations."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bek_gate.checklists import load_checklist_dirs, select
from bek_gate.errors import ConfigError
from bek_gate.resources import data_dir

CHECKLISTS = load_checklist_dirs([data_dir("checklists")])


def _ids(*requested: str) -> list[str]:
    return [checklist.id for checklist in select(requested, CHECKLISTS)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("checklist-security-review", "checklist-security-review"),
        ("checklist.security-review", "checklist-security-review"),
        ("security", "checklist-security-review"),
        ("rel", "checklist-reliability-review"),
        ("prod", "checklist-prod-readiness"),
        ("checklist-db", "checklist-db-review"),
        ("multi", "checklist-multitenancy-review"),
    ],
)
def test_a_checklist_is_named_by_its_id_or_an_unambiguous_abbreviation(name: str, expected: str) -> None:
    assert _ids(name) == [expected]


def test_all_and_repeats_select_each_checklist_once() -> None:
    assert _ids("security", "checklist-security-review") == ["checklist-security-review"]
    assert _ids("all") == list(CHECKLISTS)


def test_an_ambiguous_abbreviation_names_the_candidates() -> None:
    extra = replace(CHECKLISTS["checklist-security-review"], id="checklist-security-extras")
    with pytest.raises(
        ConfigError,
        match="'security' is ambiguous: it could be checklist-security-review or checklist-security-extras",
    ):
        select(["security"], {**CHECKLISTS, extra.id: extra})


@pytest.mark.parametrize("name", ["review", "", "checklist-", "securityx"])
def test_no_match_is_an_unknown_checklist_listing_the_valid_ones(name: str) -> None:
    with pytest.raises(ConfigError, match=f"unknown checklist '{name}'.*valid: checklist-api-review"):
        select([name], CHECKLISTS)

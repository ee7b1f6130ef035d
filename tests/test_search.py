"""`bek search` ranking: field weighting, "+"-joined words, and the scope of checklist items."""

from __future__ import annotations

from functools import cache

import pytest

from bek_gate.checklists import load_checklist_dirs
from bek_gate.knowledge.base import KnowledgeBase
from bek_gate.knowledge.search import tokens
from bek_gate.resources import data_dir
from tests.conftest import builtin_rules
from tests.e2e.conftest import Run, bek


def _ids(run: Run) -> list[str]:
    assert run.exit_code == 0, f"bek search exited {run.exit_code}: {run.stderr}"
    return [result["id"] for result in run.json()["results"]]


@cache
def _knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base, loaded once for the tests that run many queries."""
    return KnowledgeBase.load(load_checklist_dirs([data_dir("checklists")]), builtin_rules())


@pytest.mark.parametrize("query", ["error response format", "error format"])
def test_a_query_about_error_responses_finds_the_error_model_first(query: str) -> None:
    ids = _ids(bek("search", query, "--json"))
    assert ids and ids[0] == "api-error-model", (
        f"'{query}': the pattern titled and tagged 'error' should beat patterns that mention "
        f"'format' in passing; got {ids[:5]}"
    )


def test_n_plus_one_finds_the_n_plus_one_pattern_and_its_item_before_tracing() -> None:
    ids = _ids(bek("search", "n+1", "--json"))
    assert ids[:1] == ["db-n-plus-one"], f"the N+1 pattern should rank first; got {ids}"
    assert ids[1:2] == ["db-07"], (
        f"the checklist item pointing at the N+1 pattern should come next; got {ids}"
    )
    assert "obs-distributed-tracing" not in ids[:2], f"tracing only mentions N+1 in its body; got {ids}"
    assert "sec-sql-injection" not in ids, f"'n' and '1' alone must not match unrelated text; got {ids}"


def test_plus_joined_words_stay_whole_and_single_characters_are_dropped() -> None:
    assert tokens("N+1 queries") == ["n+1", "query"], "n+1 is one term; n and 1 alone are not terms"
    assert tokens("count+1") == ["count+1", "count"], "a joined word's longer parts are still found"
    assert tokens("x = 1") == [], "single characters match everything and are not indexed"


def test_a_checklist_item_has_its_checklists_scope_not_its_patterns() -> None:
    # rel-01 (reliability checklist) points at api-idempotency, an api pattern.
    run = bek("search", "idempotent", "--scope", "rel", "--json")
    results = run.json()["results"]
    assert "rel-01" in _ids(run), (
        f"--scope rel should find the reliability checklist's idempotency item; got {results}"
    )
    assert all(result["scope"] == "reliability" for result in results), results
    everywhere = {
        result["id"]: result["scope"] for result in bek("search", "idempotent", "--json").json()["results"]
    }
    assert everywhere.get("rel-01") == "reliability", (
        f"rel-01 should show the scope of its checklist: {everywhere}"
    )
    api_only = _ids(bek("search", "idempotent", "--scope", "api", "--json"))
    assert "rel-01" not in api_only, f"a reliability item must not be found with --scope api; got {api_only}"


def test_a_query_with_no_match_prints_no_results_and_succeeds() -> None:
    run = bek("search", "zzyzx")
    assert run.exit_code == 0, f"no match is not an error: {run.stderr}"
    assert run.stdout == "", f"nothing on stdout without a match; got {run.stdout!r}"
    assert "no results for 'zzyzx'" in run.stderr, run.stderr
    data = bek("search", "zzyzx", "--json").json()
    assert data == {"query": "zzyzx", "scope": None, "results": []}, data


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("timeout", "rel-timeouts"),
        ("sql injection", "sec-sql-injection"),
        ("idempotency", "api-idempotency"),
        ("rate limit", "sec-rate-limiting"),
        ("pagination", "api-pagination-filter-sort"),
        ("secrets", "sec-secrets-management"),
        ("tenant isolation", "tenant-data-isolation"),
        ("retry backoff", "rel-retry-backoff"),
        ("health check", "rel-health-checks"),
        ("correlation id", "obs-correlation-id"),
        ("structured logging", "obs-structured-logging"),
        ("cors", "sec-cors"),
    ],
)
def test_the_pattern_named_by_a_query_ranks_first(query: str, expected: str) -> None:
    ids = [hit.document.id for hit in _knowledge_base().index.search(query, limit=5)]
    assert ids[:1] == [expected], f"'{query}' should find {expected} first; got {ids}"

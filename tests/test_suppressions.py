"""``# bek: ignore`` comments: where they apply, and what is reported about them."""

from __future__ import annotations

import textwrap

import libcst as cst

from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.findings import FileResult
from bek_gate.rules import Rule
from bek_gate.rules.loader import RuleSet, check_rule_class
from bek_gate.suppressions import find_suppressions


class FlagCalls(Rule):
    """Flags every call to ``danger``."""

    id = "flag-calls"
    title = "Flag calls"
    severity = "high"
    fix = "n/a"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "danger":
            self.report(node, "danger() called")


def _check(code: str) -> FileResult:
    rule_set = RuleSet()
    rule_set.add(check_rule_class(FlagCalls))
    plan = AnalysisPlan((), ("flag-calls",), known_ids=frozenset({"flag-calls", "parse-error"}))
    return Analyzer(plan, rule_set).check_source("m.py", textwrap.dedent(code).lstrip("\n").encode())


def _suppressed(code: str) -> list[bool]:
    return [finding.suppressed for finding in _check(code).findings]


def test_comment_on_the_reported_line() -> None:
    assert _suppressed("danger()  # bek: ignore[flag-calls]\ndanger()\n") == [True, False]


def test_bare_ignore_suppresses_every_rule() -> None:
    assert _suppressed("danger()  # bek: ignore\n") == [True]


def test_other_rule_ids_do_not_suppress() -> None:
    assert _suppressed("danger()  # bek: ignore[parse-error]\n") == [False]


def test_any_line_of_a_multi_line_statement() -> None:
    code = """
    result = danger(
        first,
        second,
    )  # bek: ignore[flag-calls]
    """
    assert _suppressed(code) == [True]


def test_the_comment_line_above() -> None:
    code = """
    # bek: ignore[flag-calls]
    # why: the input is an allow-listed constant
    danger()
    danger()
    """
    assert _suppressed(code) == [True, False]


def test_compound_statement_header_only() -> None:
    code = """
    with danger() as handle:  # bek: ignore[flag-calls]
        danger()
    """
    assert _suppressed(code) == [True, False]


def test_file_level_ignore_in_the_header() -> None:
    code = '''
    """Module docstring."""
    # bek: ignore-file[flag-calls]
    import os
    danger()
    '''
    assert _suppressed(code) == [True]


def test_file_level_ignore_after_the_header_is_reported_not_applied() -> None:
    result = _check("import os\n# bek: ignore-file[flag-calls]\ndanger()\n")
    assert [f.suppressed for f in result.findings] == [False]
    assert any("module header" in notice.message and notice.line == 2 for notice in result.notices)


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    assert _suppressed('danger("# bek: ignore[flag-calls]")\n') == [False]


def test_unknown_rule_ids_are_reported_not_fatal() -> None:
    result = _check("danger()  # bek: ignore[flag-cals]\n")
    assert [f.suppressed for f in result.findings] == [False]
    assert [(n.kind, n.rule_id, n.line) for n in result.notices] == [("suppression", "flag-cals", 1)]


def test_parse_errors_can_be_suppressed_too() -> None:
    result = _check("# bek: ignore-file[parse-error]\nx = (\n")
    assert [(f.rule_id, f.suppressed) for f in result.findings] == [("parse-error", True)]


def test_directives_parse_ids_and_lines() -> None:
    found = find_suppressions("x = 1  # noqa: E501  # bek: ignore[a, b]\n# bek:ignore\n")
    assert [(d.line, d.rule_ids, d.standalone) for d in found.directives] == [
        (1, frozenset({"a", "b"}), False),
        (2, None, True),
    ]

"""The engine: dispatch, bindings, names, crash isolation, prefilters, positions, fingerprints, cache."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst

from bek_gate.analysis import calls
from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.engine.cache import ResultCache, content_digest
from bek_gate.engine.runner import analyse_files
from bek_gate.rules import Rule
from bek_gate.rules.loader import RuleSet, check_rule_class


class CallNames(Rule):
    """Reports every call with what it resolves to (a probe for engine tests)."""

    id = "call-names"
    title = "Call names"
    severity = "low"
    fix = "n/a"
    prefilter = ("(",)

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node, f"{self.context.qualified_name(node.func)}")


class Crashes(Rule):
    """Raises on every call (crash isolation)."""

    id = "crashes"
    title = "Crashes"
    severity = "high"
    fix = "n/a"

    def visit_Call(self, node: cst.Call) -> None:
        raise ValueError("boom")


class CompoundStatements(Rule):
    """Asks for an abstract node type."""

    id = "compound"
    title = "Compound"
    severity = "low"
    fix = "n/a"
    prefilter = ("with",)

    def visit_BaseCompoundStatement(self, node: cst.BaseCompoundStatement) -> None:
        self.report(node, type(node).__name__)


class BuiltStrings(Rule):
    """Reports the string-building analysis of each call's first argument."""

    id = "built"
    title = "Built"
    severity = "low"
    fix = "n/a"

    def visit_Call(self, node: cst.Call) -> None:
        if node.args:
            built = self.context.built_string(node.args[0].value)
            self.report(node, built.how if built else "-")


def _rule_set(*classes: type[Rule]) -> RuleSet:
    rule_set = RuleSet()
    for cls in classes:
        rule_set.add(check_rule_class(cls))
    return rule_set


def _run(code: str, *classes: type[Rule]) -> tuple[list[tuple[int, str, str]], list[str]]:
    rule_set = _rule_set(*classes)
    analyzer = Analyzer(AnalysisPlan((), tuple(rule_set.ids())), rule_set)
    result = analyzer.check_source("m.py", textwrap.dedent(code).lstrip("\n").encode())
    findings = [(f.line, f.rule_id, f.message) for f in result.findings]
    return findings, [n.message for n in result.notices]


def test_import_aliases_and_assignments_resolve() -> None:
    findings, _ = _run(
        """
        import requests as r
        from requests import get as fetch
        s = r.Session()
        fetch(1)
        s.get(2)
        def handler(requests):
            requests.get(3)
        """,
        CallNames,
    )
    messages = {line: message for line, _, message in findings}
    assert messages[3] == "requests.Session"
    assert messages[4] == "requests.get"
    assert messages[5] == "requests.Session().get"
    assert messages[7] == "None"  # a parameter shadows the import


def test_instance_attributes_and_with_items_resolve() -> None:
    findings, _ = _run(
        """
        import httpx
        class Client:
            def __init__(self):
                self.http = httpx.Client()
            def fetch(self):
                return self.http.get("/")
        with httpx.Client() as client:
            client.post("/")
        """,
        CallNames,
    )
    messages = {line: message for line, _, message in findings}
    assert messages[6] == "httpx.Client().get"
    assert messages[8] == "httpx.Client().post"


def test_instance_attributes_of_base_classes_defined_earlier_resolve() -> None:
    findings, _ = _run(
        """
        import requests
        import httpx
        from vendor import RemoteBase
        class CarrierClient:
            def __init__(self):
                self.http = httpx.Client()
        class Tracking(CarrierClient):
            pass
        class UpsClient(Tracking):
            def track(self, number):
                return self.http.get(number)
        class Remote(RemoteBase):
            def track(self, number):
                return self.http.get(number)
        class Override(CarrierClient):
            def reset(self):
                self.http = requests.Session()
            def fetch(self):
                return self.http.get("/")
        CarrierClient = object
        class Later(CarrierClient):
            def track(self, number):
                return self.http.get(number)
        class CarrierClient(CarrierClient):
            def track(self, number):
                return self.http.get(number)
        """,
        CallNames,
    )
    messages = {line: message for line, _, message in findings}
    assert messages[11] == "httpx.Client().get"  # through two levels of base classes
    assert messages[14] == "None"  # a base class from another module is not seen
    # Assignments in the subclass and in its base both reach ``self.http``: no single name.
    assert messages[19] == "None"
    assert messages[23] == "None"  # the base's name no longer means the class
    assert messages[26] == "None"  # a class named after its base is not its own base


def test_awaited_values_resolve_to_what_the_call_makes() -> None:
    findings, _ = _run(
        """
        import asyncpg
        async def handler():
            conn = await asyncpg.connect()
            await conn.fetch("SELECT 1")
        """,
        CallNames,
    )
    assert (4, "call-names", "asyncpg.connect().fetch") in findings


def test_conditional_rebinding_gives_no_single_name() -> None:
    findings, _ = _run(
        """
        import requests, httpx
        def f(flag):
            client = requests
            if flag:
                client = httpx
            client.get("/")
        """,
        CallNames,
    )
    assert (6, "call-names", "None") in findings


def test_unconditional_rebinding_hides_earlier_values() -> None:
    findings, _ = _run(
        """
        def f(user):
            query = f"SELECT {user}"
            query = "SELECT 1"
            run(query)
            other = "SELECT 1"
            if user:
                other += user
            run(other)
        """,
        BuiltStrings,
    )
    assert (4, "built", "-") in findings
    assert (8, "built", "concatenation") in findings


def test_a_crashing_rule_is_isolated_and_reported() -> None:
    findings, notices = _run("print(1)\nprint(2)\n", CallNames, Crashes)
    assert [line for line, rule, _ in findings if rule == "call-names"] == [1, 2]
    assert len(notices) == 1 and "rule 'crashes' crashed" in notices[0] and "ValueError: boom" in notices[0]


def test_rules_may_ask_for_abstract_node_types() -> None:
    findings, _ = _run("with a:\n    pass\nif b:\n    pass\n", CompoundStatements)
    assert [(line, message) for line, _, message in findings] == [(1, "With"), (3, "If")]


def test_prefilter_skips_the_parse_but_syntax_errors_are_still_reported() -> None:
    findings, _ = _run("x = [\n", CompoundStatements)  # no "with": the rule is not run
    assert [rule for _, rule, _ in findings] == ["parse-error"]


def test_positions_are_one_based_with_exclusive_end() -> None:
    rule_set = _rule_set(CallNames)
    result = Analyzer(AnalysisPlan((), ("call-names",)), rule_set).check_source(
        "m.py", b"x = 1\nif x:\n    foo(\n  2)\n"
    )
    location = result.findings[0].location
    assert (location.line, location.column, location.end_line, location.end_column) == (3, 5, 4, 5)
    assert result.findings[0].snippet == "    foo(\n  2)"


def test_fingerprints_survive_moved_code_and_count_duplicates() -> None:
    rule_set = _rule_set(CallNames)
    analyzer = Analyzer(AnalysisPlan((), ("call-names",)), rule_set)
    before = analyzer.check_source("m.py", b"foo()\n")
    after = analyzer.check_source("m.py", b"import os\n\n\nfoo()\nfoo()\n")
    assert before.findings[0].fingerprint == after.findings[0].fingerprint
    assert after.findings[1].fingerprint != after.findings[0].fingerprint
    elsewhere = analyzer.check_source("n.py", b"foo()\n")
    assert elsewhere.findings[0].fingerprint != before.findings[0].fingerprint


def test_deeply_nested_expressions_do_not_overflow(tmp_path: Path) -> None:
    code = "x = " + "(" * 190 + "1" + ")" * 190 + "\nfoo(" + "[" * 190 + "]" * 190 + ")\n"
    findings, notices = _run(code, CallNames)
    assert notices == []
    assert findings and findings[-1][0] == 2


def test_nesting_python_rejects_is_a_parse_error_not_a_crash() -> None:
    # libcst's native parser overflows its stack on some of these; CPython rejects them first.
    for code in (
        "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
        "x = " + "-" * 100_000 + "1\n",
        "x = f" + "()" * 50_000 + "\n",
    ):
        findings, _ = _run(code, CallNames)
        assert [rule for _, rule, _ in findings] == ["parse-error"]


def test_cache_returns_stored_results_and_misses_on_change(tmp_path: Path) -> None:
    rule_set = _rule_set(CallNames)
    analyzer = Analyzer(AnalysisPlan((), ("call-names",)), rule_set)
    (tmp_path / "a.py").write_text("foo()\n")
    cache = ResultCache(tmp_path / "cache", "k1")
    first = analyse_files(analyzer, tmp_path, ["a.py"], 1, cache)
    assert cache.save() is None
    warm = ResultCache(tmp_path / "cache", "k1")
    second = analyse_files(analyzer, tmp_path, ["a.py"], 1, warm)
    assert warm.hits == 1 and second[0].findings == first[0].findings
    (tmp_path / "a.py").write_text("foo()\nbar()\n")
    changed = ResultCache(tmp_path / "cache", "k1")
    third = analyse_files(analyzer, tmp_path, ["a.py"], 1, changed)
    assert changed.hits == 0 and len(third[0].findings) == 2
    other_key = ResultCache(tmp_path / "cache", "k2")
    assert other_key.get("a.py", content_digest(b"foo()\n")) is None
    assert (tmp_path / "cache" / "CACHEDIR.TAG").exists()


PROBE_RULE_MODULE = '''
import libcst as cst
from bek_gate.rules import Rule


class Probe(Rule):
    """Reports calls to requests.get."""

    id = "probe"
    title = "Probe"
    severity = "low"
    fix = "n/a"

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) == "requests.get":
            self.report(node, "requests.get")
'''


def test_parallel_and_serial_runs_agree(tmp_path: Path) -> None:
    rule_dir = tmp_path / "rules"
    rule_dir.mkdir()
    (rule_dir / "probe.py").write_text(PROBE_RULE_MODULE)
    plan = AnalysisPlan((str(rule_dir),), ("probe",))
    analyzer = Analyzer(plan)
    names = []
    for index in range(40):
        name = f"m{index:02}.py"
        (tmp_path / name).write_text("import requests\n" + "requests.get(1)\n" * (index % 5 + 1))
        names.append(name)
    serial = analyse_files(analyzer, tmp_path, names, 1)
    parallel = analyse_files(analyzer, tmp_path, names, 2)
    assert sum(len(r.findings) for r in serial) == 120
    assert [r.to_cache() for r in serial] == [r.to_cache() for r in parallel]


class SplatKeys(Rule):
    """Reports the keys ``**`` splats are known to carry."""

    id = "splat-keys"
    title = "Splat keys"
    severity = "low"
    fix = "n/a"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "send":
            keys = calls.splatted_keywords(self.context, node)
            self.report(node, "unknown" if keys is None else ",".join(sorted(keys)))


def test_splatted_keys_are_known_only_while_the_mapping_is_left_alone() -> None:
    findings, _ = _run(
        """
        def known():
            opts = {"timeout": 5}
            send(**opts)
        def updated():
            opts = {"verify": True}
            opts["timeout"] = 5
            send(**opts)
        def passed_on(configure):
            opts = dict(verify=True)
            configure(opts)
            send(**opts)
        def parameter(opts):
            send(**opts)
        """,
        SplatKeys,
    )
    assert [message for _, _, message in findings] == ["timeout", "unknown", "unknown", "unknown"]

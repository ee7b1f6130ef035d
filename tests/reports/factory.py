"""Gate results for the report tests, made by the real engine on small files.

Three tiny rules (one security rule with a CWE and a pattern, one without
either, one that crashes on purpose), the real ``parse-error`` rule module, two
checklists that share a rule, and a helper that runs the per-file analyzer on
files written to a temporary directory, then enriches and decides exactly as
the gate does. Hostile strings are added by hand where the engine would not
produce them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import libcst as cst

from bek_gate.attestations import Attestation
from bek_gate.checklists import Checklist, ChecklistItem
from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.findings import PARSE_ERROR, Finding, Location, Notice
from bek_gate.resources import data_dir
from bek_gate.rules import Invalid, Rule, Valid
from bek_gate.rules.loader import LoadedRule, RuleSet, check_rule_class, load_rule_file
from bek_gate.verdict import GateResult, ManualPolicy, decide, evaluate_items


class FakeSql(Rule):
    """An f-string reaches a cursor's ``execute``.

    ## What it finds
    Calls to ``execute`` whose first argument is an f-string.

    ## Why it matters
    Values pasted into SQL text let a caller rewrite the query.

    ## Example
    ```python
    cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")
    ```

    ## Use instead
    ```python
    cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))
    ```

    ## References
    - [CWE-89](https://cwe.mitre.org/data/definitions/89.html)
    """

    id = "fake-sql"
    title = "SQL built with an f-string"
    severity = "high"
    confidence = "high"
    min_confidence = "medium"
    cwe = 89
    pattern = "sec-input-validation"
    fix = "Pass the values as query parameters."
    tags = ("injection",)
    prefilter = ("execute",)
    valid = [Valid("cursor.execute('SELECT 1')\n")]
    invalid = [Invalid("cursor.execute(f'SELECT {x}')\n", line=1)]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "execute"
            and node.args
            and isinstance(node.args[0].value, cst.FormattedString)
        ):
            self.report(node, f"{self.context.code(func)}() receives a query built with an f-string")


class FakeTimeout(Rule):
    """An HTTP call without a timeout.

    ## What it finds
    ``requests.get`` calls without ``timeout=``.

    ## Why it matters
    A slow server holds the worker forever.

    ## Example
    ```python
    requests.get(url)
    ```

    ## Use instead
    ```python
    requests.get(url, timeout=5)
    ```

    ## References
    - [requests timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    """

    id = "fake-timeout"
    title = "HTTP call without a timeout"
    severity = "medium"
    confidence = "medium"
    fix = "Pass timeout=<seconds>."
    prefilter = ("requests",)

    def visit_Call(self, node: cst.Call) -> None:
        has_timeout = any(arg.keyword is not None and arg.keyword.value == "timeout" for arg in node.args)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" and not has_timeout:
            self.report(node, f"{self.context.code(node.func)}() has no timeout")


class FakeCrash(Rule):
    """A rule that crashes on ``boom()`` calls, to test internal errors.

    ## What it finds
    Nothing: it raises.
    """

    id = "fake-crash"
    title = "Crashes on purpose"
    severity = "low"
    fix = "Fix the rule."
    prefilter = ("boom",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "boom":
            raise RuntimeError("the rule fell over")


def loaded_rules() -> dict[str, LoadedRule]:
    rules = {
        loaded.id: loaded for loaded in (check_rule_class(cls) for cls in (FakeSql, FakeTimeout, FakeCrash))
    }
    rules[PARSE_ERROR] = load_rule_file(data_dir("rules") / "parse_error.py")
    return dict(sorted(rules.items()))


def item(
    item_id: str,
    title: str,
    checklist_id: str,
    rules: tuple[str, ...] = (),
    *,
    pattern: str = "sec-input-validation",
) -> ChecklistItem:
    manual = not rules
    return ChecklistItem(
        id=item_id,
        title=title,
        why="Because.",
        pattern=pattern,
        rules=rules,
        manual=manual,
        how_to_verify="Ask the team for the runbook." if manual else None,
        checklist_id=checklist_id,
    )


def security_checklist() -> Checklist:
    checklist_id = "checklist-security-review"
    return Checklist(
        id=checklist_id,
        title="Security review",
        scope="security",
        description="Security controls.",
        items=(
            item("sec-01", "Parameterise SQL queries", checklist_id, ("fake-sql",)),
            item("sec-02", "Outbound calls have timeouts", checklist_id, ("fake-timeout",)),
            item("sec-03", "Rules that crash are reported", checklist_id, ("fake-crash",)),
            item("sec-04", "Secrets are not logged", checklist_id, ("secret-in-log",)),
            item("sec-05", "Penetration test done this year", checklist_id),
            item("sec-06", "Old check, disabled", checklist_id, ("fake-disabled",)),
        ),
        source="tests",
    )


def api_checklist() -> Checklist:
    checklist_id = "checklist-api-review"
    return Checklist(
        id=checklist_id,
        title="API review",
        scope="api",
        description="API design.",
        items=(
            item(
                "api-01",
                "Queries are safe from injection",
                checklist_id,
                ("fake-sql",),
                pattern="api-error-model",
            ),
            item("api-02", "Runbook exists", checklist_id),
        ),
        source="tests",
    )


RICH_FILES = {
    "app/db.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "def load(cursor, user_id):\n"
        "    # look the user up\n"
        '    cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")\n'
        "    return cursor.fetchone()\n"
    ),
    "app/client.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n",
    "app/quiet.py": "def q(cursor, x):\n    cursor.execute(f'SELECT {x}')  # bek: ignore[fake-sql]\n",
    "app/legacy.py": "def old(cursor, x):\n    cursor.execute(f'DELETE {x}')\n",
    "app/crash.py": "boom()\n",
    "broken.py": "def handler(request:\n    return request\n",
    "app/clean.py": "def fine():\n    return 1\n",
}


def analyse(
    root: Path, files: dict[str, str], rules: dict[str, LoadedRule]
) -> tuple[list[Finding], list[Notice]]:
    rule_set = RuleSet(dict(rules))
    plan = AnalysisPlan(rule_dirs=(), selected=tuple(rules), known_ids=frozenset(rules))
    analyzer = Analyzer(plan, rule_set)
    findings: list[Finding] = []
    notices: list[Notice] = []
    for relpath, source in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
        result = analyzer.check_source(relpath, (root / relpath).read_bytes())
        findings += result.findings
        notices += result.notices
    return findings, notices


def enrich(
    findings: list[Finding], rules: dict[str, LoadedRule], checklists: list[Checklist]
) -> list[Finding]:
    """What the gate adds after the per-file phase: rule metadata and checklist items."""
    items_by_rule: dict[str, list[str]] = {}
    for checklist in checklists:
        for checklist_item in checklist.items:
            for rule_id in checklist_item.rules:
                items_by_rule.setdefault(rule_id, []).append(checklist_item.id)
    enriched = []
    for finding in findings:
        cls = rules[finding.rule_id].cls
        enriched.append(
            finding.with_(
                severity=cls.severity,
                fix=cls.fix,
                pattern=cls.pattern,
                cwe=cls.cwe,
                checklist_items=tuple(items_by_rule.get(finding.rule_id, ())),
            )
        )
    return sorted(enriched, key=Finding.sort_key)


TODAY = dt.date(2026, 11, 28)


def build(
    root: Path,
    findings: list[Finding],
    notices: list[Notice] | None = None,
    *,
    checklists: list[Checklist] | None = None,
    rules: dict[str, LoadedRule] | None = None,
    fail_on: str = "high",
    disabled: tuple[str, ...] = ("fake-disabled",),
    files_checked: int = 0,
    extras: dict[str, object] | None = None,
    attestations: dict[str, Attestation] | None = None,
    require_attestations: bool = False,
) -> GateResult:
    rules = rules if rules is not None else loaded_rules()
    checklists = checklists if checklists is not None else [security_checklist(), api_checklist()]
    notices = sorted(notices or [], key=Notice.sort_key)
    findings = sorted(findings, key=Finding.sort_key)
    implemented = set(rules) | set(disabled)
    manual = ManualPolicy(attestations or {}, TODAY, require_attestations)
    outcomes = evaluate_items(checklists, findings, implemented, set(disabled), fail_on, None, manual)
    return GateResult(
        tool_version="0.1.0",
        root=root,
        checklists=outcomes,
        findings=findings,
        notices=notices,
        verdict=decide(findings, notices, fail_on, outcomes),
        rules=list(rules.values()),
        severities={rule_id: loaded.cls.severity for rule_id, loaded in rules.items()},
        files_checked=files_checked,
        extras=extras or {},
    )


def rich_result(root: Path) -> GateResult:
    """Every kind of outcome: failed, warning, suppressed, baseline, parse error, crash, notices."""
    rules = loaded_rules()
    checklists = [security_checklist(), api_checklist()]
    findings, notices = analyse(root, RICH_FILES, rules)
    findings = enrich(findings, rules, checklists)
    findings = [
        finding.with_(baseline_state="baseline") if finding.path == "app/legacy.py" else finding
        for finding in findings
    ]
    notices.append(Notice("skipped", "file is larger than 1 MB", "big/data.py"))
    return build(root, findings, notices, checklists=checklists, rules=rules, files_checked=len(RICH_FILES))


def clean_result(root: Path) -> GateResult:
    rules = loaded_rules()
    checklists = [security_checklist(), api_checklist()]
    findings, notices = analyse(root, {"app/clean.py": RICH_FILES["app/clean.py"]}, rules)
    assert not findings and not notices
    return build(root, [], [], checklists=checklists, rules=rules, files_checked=1)


HOSTILE_PATH = "odd dir/naïve %25 file,:<&>#?.py"
HOSTILE_MESSAGE = (
    'bad\nline\r %0A: , < & > "quote" ünïcode ::error::injected | `tick` [x](http://e.invalid) \x1b[31m'
)


def hostile_result(root: Path) -> GateResult:
    """A finding whose path and message hold newlines, %, :, ,, <, &, ANSI escapes and non-ASCII."""
    rules = loaded_rules()
    checklists = [security_checklist(), api_checklist()]
    source = 'def f(cursor, x):\n    cursor.execute(f"SELECT {x}")  # ünï <&>\n'
    findings, _ = analyse(root, {HOSTILE_PATH: source}, rules)
    findings = enrich(findings, rules, checklists)
    assert len(findings) == 1
    findings = [replace(findings[0], message=HOSTILE_MESSAGE)]
    notices = [
        Notice("internal-error", "rule crashed:\nTraceback <&> %0A ::x", HOSTILE_PATH, 2, "fake-crash"),
    ]
    return build(root, findings, notices, checklists=checklists, rules=rules, files_checked=1)


def many_findings_result(root: Path, count: int) -> GateResult:
    """``count`` findings spread over files that do not exist (reports fall back to the snippet)."""
    rules = loaded_rules()
    checklists = [security_checklist(), api_checklist()]
    findings = []
    for index in range(count):
        rule_id = ("fake-sql", "fake-timeout")[index % 2]
        findings.append(
            Finding(
                rule_id=rule_id,
                message=f"finding number {index} " + "x" * 200,
                path=f"pkg/module_{index // 50}.py",
                location=Location(index % 50 + 1, 5, index % 50 + 1, 40),
                snippet="    cursor.execute(f'SELECT {x}')",
                fingerprint=f"{index:032x}",
            )
        )
    findings = enrich(findings, rules, checklists)
    return build(root, findings, [], checklists=checklists, rules=rules, files_checked=count // 50 + 1)


def crash_only_result(root: Path) -> GateResult:
    """No finding, but a rule crashed: the gate passes with exit code 3."""
    rules = loaded_rules()
    checklists = [security_checklist(), api_checklist()]
    findings, notices = analyse(root, {"app/crash.py": RICH_FILES["app/crash.py"]}, rules)
    assert not findings and [notice.kind for notice in notices] == ["internal-error"]
    return build(root, findings, notices, checklists=checklists, rules=rules, files_checked=1)


UNDECODABLE_PATH = "caf\udce9/data.py"  # a Latin-1 file name, as os.listdir gives it back


def undecodable_path_result(root: Path) -> GateResult:
    """A finding in a file whose name is not valid UTF-8 (the file itself is not on disk)."""
    rules = loaded_rules()
    checklists = [security_checklist(), api_checklist()]
    finding = Finding(
        rule_id="fake-sql",
        message="cursor.execute() receives a query built with an f-string",
        path=UNDECODABLE_PATH,
        location=Location(3, 5, 3, 30),
        snippet="    cursor.execute(f'{x}')",
        fingerprint="f" * 32,
    )
    notices = [Notice("skipped", "could not be read: Permission denied", UNDECODABLE_PATH)]
    findings = enrich([finding], rules, checklists)
    return build(root, findings, notices, checklists=checklists, rules=rules, files_checked=1)


def with_required_attestations(result: GateResult) -> GateResult:
    """Unattested manual items turned into failures, as ``--require-attestations`` makes them."""
    outcomes = []
    for checklist in result.checklists:
        items = tuple(
            replace(outcome, status="failed") if outcome.status == "unattested" else outcome
            for outcome in checklist.items
        )
        outcomes.append(replace(checklist, items=items))
    result.checklists = outcomes
    return result


def attestation(item: str, *, expires: str | None = None, status: str = "done") -> Attestation:
    return Attestation(
        item=item,
        status=status,
        by="ana",
        date=dt.date(2025, 1, 10),
        expires=dt.date.fromisoformat(expires) if expires else None,
        evidence="https://wiki.example.com/pentest",
    )

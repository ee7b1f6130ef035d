"""Property-based fuzzing of the per-file phase: every built-in rule, in-process, on programs
nobody wrote by hand.

Four sources of input: programs generated from Python's grammar (``hypothesmith.from_grammar``)
and from libcst's node types (``hypothesmith.from_node``), backend-like programs composed from
real statements (the demo service, the rules' own examples, the patterns' code) with names
swapped around, and the demo service's files with lines and characters deleted or duplicated.

For each input: no exception escapes, no rule crashes (an ``internal-error`` notice on valid
code is a bug), the result is the same bytes when the file is checked again (after another
file, so no state leaks between files), every location lies inside the file, and a
``parse-error`` is reported exactly when Python's own parser rejects the file.

CI runs a bounded, derandomised profile. The long one explores for real::

    BEK_FUZZ=long python -m pytest tests/robustness/test_fuzz.py -x

(about 40 times the examples, random seeds, failing examples kept under the system's temp
directory in ``bek-fuzz-examples`` and replayed first next time).
"""

from __future__ import annotations

import ast
import json
import os
import re
import tempfile
import textwrap
import warnings
from functools import cache
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.engine.project import decide_project_rules
from bek_gate.findings import PARSE_ERROR, FileResult
from bek_gate.resources import data_dir
from tests.conftest import FIXTURES, builtin_rules

_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
settings.register_profile(
    "bek-ci",
    deadline=None,
    derandomize=True,  # the same examples on every CI run: no flaky failures from new seeds
    database=None,
    suppress_health_check=_HEALTH,
    print_blob=True,
)
settings.register_profile(
    "bek-long",
    deadline=None,
    database=DirectoryBasedExampleDatabase(Path(tempfile.gettempdir()) / "bek-fuzz-examples"),
    suppress_health_check=_HEALTH,
    print_blob=True,
)
LONG = os.environ.get("BEK_FUZZ") == "long"
PROFILE = settings.get_profile("bek-long" if LONG else "bek-ci")


def budget(examples: int) -> settings:
    """``examples`` in CI; forty times as many under ``BEK_FUZZ=long``."""
    return settings(PROFILE, max_examples=examples * (40 if LONG else 1))


# Generated code calls literals (``"a"()``) and damaged code has odd escapes (``"\\c"``, which
# libcst's ``evaluated_value`` evaluates): Python warns, which is not what is tested here.
pytestmark = [
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]


RULES = builtin_rules()
SELECTED = tuple(RULES.ids())
ANALYZER = Analyzer(AnalysisPlan(rule_dirs=(str(data_dir("rules")),), selected=SELECTED), RULES)
# Generated programs hardly ever contain a rule's prefilter words, and a rule whose words are
# missing never runs. A comment with all of them makes every rule look at every program.
NEEDLES = sorted({needle for loaded in RULES.rules.values() for needle in loaded.cls.prefilter})
HEADER = "# prefilter words: " + " ".join(NEEDLES) + "\n"
DEMO = {
    path.relative_to(FIXTURES).as_posix(): path.read_bytes()
    for path in sorted((FIXTURES / "demo-service").rglob("*.py"))
}
ANOTHER_FILE = (HEADER + 'import requests\n\nrequests.get(URL)\nlog.info("%s", password)\n').encode()


def _as_bytes(result: FileResult) -> bytes:
    return json.dumps(result.to_cache(), sort_keys=True).encode()


def python_accepts(data: bytes) -> bool:
    """Whether CPython's parser accepts the file's bytes (encoding declaration, BOM and all)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: NUL bytes
        return False
    return True


def check(data: bytes, path: str = "fuzzed.py") -> FileResult:
    """Run every built-in rule on ``data`` and assert what must hold whatever the input."""
    first = ANALYZER.check_source(path, data)
    ANALYZER.check_source("another.py", ANOTHER_FILE)
    second = ANALYZER.check_source(path, data)
    assert _as_bytes(first) == _as_bytes(second), "the same file gave two different results"
    crashes = [notice.message for notice in first.notices if notice.kind == "internal-error"]
    assert not crashes, crashes
    project_findings, project_notices = decide_project_rules(RULES, list(SELECTED), [first], {})
    crashes = [notice.message for notice in project_notices if notice.kind == "internal-error"]
    assert not crashes, crashes
    line_count = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
    for finding in [*first.findings, *project_findings]:
        location = finding.location
        assert finding.rule_id in RULES, finding
        assert 1 <= location.line <= location.end_line <= line_count + 1, finding
        assert location.column >= 1 and location.end_column >= 1, finding
        assert location.line < location.end_line or location.column <= location.end_column, finding
        assert finding.message.strip(), finding
    fingerprints = [finding.fingerprint for finding in first.findings]
    assert len(fingerprints) == len(set(fingerprints)), first.findings
    parse_errors = [finding for finding in first.findings if finding.rule_id == PARSE_ERROR]
    assert len(parse_errors) <= 1
    assert bool(parse_errors) != python_accepts(data), (
        f"parse-error {parse_errors!r} disagrees with Python's parser"
    )
    return first


def _utf8(code: str) -> bytes:
    try:
        return (HEADER + code).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not a text a file can hold
        assume(False)
        raise


@budget(100)
@given(hypothesmith.from_grammar())
def test_programs_from_the_grammar(code: str) -> None:
    check(_utf8(code))


@budget(40)
@given(hypothesmith.from_node())
def test_programs_from_libcst_nodes(code: str) -> None:
    check(_utf8(code))


# -- backend-like programs made of real statements ---------------------------------------------


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


@cache
def real_statements() -> tuple[str, ...]:
    """Top-level statements (with their decorators) of real backend code in this repository."""
    sources = [data.decode("utf-8") for data in DEMO.values()]
    for loaded in RULES.rules.values():
        sources += [example.source for example in (*loaded.cls.valid, *loaded.cls.invalid)]
    for path in sorted(data_dir("patterns").glob("*.md")):
        sources += _python_blocks(path.read_text(encoding="utf-8"))
    statements = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines(keepends=True)
        for node in tree.body:
            decorators = getattr(node, "decorator_list", [])
            start = min([node.lineno, *(decorator.lineno for decorator in decorators)])
            statements.add("".join(lines[start - 1 : node.end_lineno]))
    return tuple(sorted(statements))


# Each wraps a statement: the same code in a function, a method, a loop, a handler...
WRAPPERS = (
    "{}",
    "def handler(request, cursor, session, user_id):\n{}",
    "async def handler(request, client, conn, token):\n{}",
    "class Service:\n{}",
    "if settings.DEBUG:\n{}",
    "with engine.connect() as connection:\n{}",
    "for row in rows:\n{}",
    "try:\n{}\nexcept Exception:\n    logger.exception('failed')",
    "while retries:\n{}\nelse:\n    pass",
)
# Names that rules care about, to swap with each other: an alias of requests called
# ``cursor``, a password passed where a query was, a logger named like a session.
NAMES = (
    "requests",
    "httpx",
    "session",
    "client",
    "cursor",
    "conn",
    "connection",
    "db",
    "engine",
    "execute",
    "executemany",
    "get",
    "post",
    "text",
    "query",
    "sql",
    "logger",
    "logging",
    "log",
    "info",
    "error",
    "password",
    "token",
    "secret",
    "api_key",
    "user",
    "request",
    "timeout",
    "params",
    "data",
    "self",
    "format",
    "join",
    "urlopen",
    "raw",
    "settings",
)


def rename(code: str, mapping: dict[str, str]) -> str:
    """Swap whole words everywhere (names, attributes, strings, comments: all fair game)."""
    if not mapping:
        return code
    words = re.compile(r"\b(?:" + "|".join(map(re.escape, mapping)) + r")\b")
    return words.sub(lambda match: mapping[match.group()], code)


PRELUDE = (
    "import logging\nimport sqlite3\n\nimport httpx\nimport requests\nfrom sqlalchemy import text\n\n"
    "logger = logging.getLogger(__name__)\n"
)


@cache
def watched_statements() -> tuple[str, ...]:
    return tuple(
        statement
        for statement in real_statements()
        if not statement.startswith(("import ", "from ")) and any(needle in statement for needle in NEEDLES)
    )


@cache
def real_imports() -> tuple[str, ...]:
    return tuple(statement for statement in real_statements() if statement.startswith(("import ", "from ")))


@st.composite
def backend_programs(draw: st.DrawFn) -> str:
    # Imports first, so that calls resolve (``requests.get``, ``logging.getLogger``).
    pieces = [PRELUDE] if draw(st.booleans()) else []
    pieces += draw(st.lists(st.sampled_from(real_imports()), max_size=6))
    # Mostly statements that some rule looks at (they contain its prefilter words).
    statements = st.one_of(st.sampled_from(watched_statements()), st.sampled_from(real_statements()))
    for statement in draw(st.lists(statements, min_size=1, max_size=5)):
        for wrapper in draw(st.lists(st.sampled_from(WRAPPERS), max_size=3)):
            statement = wrapper.format(textwrap.indent(statement.rstrip("\n"), "    "))
        pieces.append(statement.rstrip("\n") + "\n")
    code = rename("\n".join(pieces), draw(st.dictionaries(st.sampled_from(NAMES), st.sampled_from(NAMES))))
    assume(python_accepts(code.encode("utf-8")))  # e.g. ``from x import *`` moved into a function
    return code


def test_the_statement_library_is_real_code() -> None:
    statements = real_statements()
    assert len(statements) > 300
    assert any("requests." in statement for statement in statements)
    assert any(".execute(" in statement for statement in statements)
    assert any("logger." in statement or "logging." in statement for statement in statements)


@budget(200)
@given(backend_programs())
def test_backend_programs_from_real_statements(code: str) -> None:
    check(code.encode("utf-8"))


# -- the demo service, damaged -------------------------------------------------------------------


@st.composite
def damaged_demo_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A demo service file with lines or characters deleted, duplicated or swapped."""
    path = draw(st.sampled_from(sorted(DEMO)))
    data = DEMO[path]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        lines = data.splitlines(keepends=True) or [b""]
        kind = draw(
            st.sampled_from(
                ["delete line", "duplicate line", "swap lines", "delete chars", "duplicate chars", "insert"]
            )
        )
        if kind.endswith("line") or kind == "swap lines":
            index = draw(st.integers(0, len(lines) - 1))
            if kind == "delete line":
                del lines[index]
            elif kind == "duplicate line":
                lines.insert(index, lines[index])
            else:
                other = draw(st.integers(0, len(lines) - 1))
                lines[index], lines[other] = lines[other], lines[index]
            data = b"".join(lines)
            continue
        start = draw(st.integers(0, len(data)))
        length = draw(st.integers(1, 12))
        if kind == "delete chars":
            data = data[:start] + data[start + length :]
        elif kind == "duplicate chars":
            data = data[:start] + data[start : start + length] + data[start:]
        else:
            inserted = draw(st.sampled_from([b"(", b")", b":", b"\n", b"\t", b" ", b"'", b'"', b"\\", b"#"]))
            data = data[:start] + inserted + data[start:]
    return path, data


@budget(100)
@given(damaged_demo_files())
def test_damaged_demo_files(damaged: tuple[str, bytes]) -> None:
    path, data = damaged
    result = check(data, path)
    assert result.findings or result.parsed, "neither checked nor reported as a parse-error"


def test_the_undamaged_demo_files_have_their_findings() -> None:
    """The oracle's baseline: the files being damaged above are checked and have findings."""
    results = [check(data, path) for path, data in DEMO.items()]
    assert all(result.parsed for result in results)
    rule_ids = {finding.rule_id for result in results for finding in result.findings}
    assert {"sql-injection", "missing-timeout", "sensitive-data-in-logs"} <= rule_ids


# -- deep and long expressions: found, not lost to an analysis depth limit -----------------------


@pytest.mark.parametrize("columns", [3, 7, 15, 40])
def test_a_long_concatenation_is_still_sql_injection(columns: int) -> None:
    """``"... VALUES ('" + a + "', '" + b + ...`` is a chain, not nesting: its length is no depth."""
    names = [f"column_{index}" for index in range(columns)]
    sql = '"INSERT INTO t VALUES (\'" + ' + " + \"', '\" + ".join(names) + ' + "\')"'
    code = f"def insert(cursor, {', '.join(names)}):\n    cursor.execute({sql})\n"
    findings = check(code.encode()).findings
    assert [finding.rule_id for finding in findings] == ["sql-injection"]


@pytest.mark.parametrize("pieces", [3, 14, 40])
def test_a_long_constant_query_over_many_lines_is_not_sql_injection(pieces: int) -> None:
    """Implicitly concatenated literals are one constant, however many lines they span."""
    lines = "".join(f'        "AND column_{index} = 1 "\n' for index in range(pieces))
    code = (
        "def report(cursor, value):\n    cursor.execute(\n"
        f'        "SELECT * FROM t WHERE 1 = 1 "\n{lines}        "AND x = %s",\n        (value,),\n    )\n'
    )
    assert check(code.encode()).findings == []

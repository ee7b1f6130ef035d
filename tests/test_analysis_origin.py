"""The value-origin analysis (bek_gate/analysis/origin.py), asked where ``sink(x)``'s argument comes from."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from bek_gate.analysis import origin
from bek_gate.engine.context import FileContext
from bek_gate.engine.walker import Dispatcher, walk
from bek_gate.rules.base import Rule
from bek_gate.rules.loader import check_rule_class


class _Probe(Rule):
    """Records the origin of the first argument of every ``sink(...)`` call."""

    id = "origin-probe"
    title = "origin probe"
    severity = "low"
    fix = "none"
    seen: list[origin.Origin] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "sink" and node.args:
            _Probe.seen.append(origin.origin(self.context, node.args[0].value))


def origin_of(code: str) -> origin.Origin:
    source = textwrap.dedent(code).lstrip("\n")
    context = FileContext("app/views.py", source, cst.parse_module(source))
    _Probe.seen = []
    walk(context, Dispatcher([(check_rule_class(_Probe), _Probe(context, {}))]))
    assert len(_Probe.seen) == 1, "the example needs exactly one sink(...) call"
    return _Probe.seen[0]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ('sink("users")', "constant"),
        ('TABLE = "users"\ndef f():\n    sink(TABLE)\n', "constant"),
        (
            "class Search:\n    _threshold = 0.3\n    @classmethod\n    def f(cls):\n        sink(cls._threshold)\n",
            "number",
        ),
        (
            "import enum\nclass Color(enum.Enum):\n    RED = 'red'\ndef f():\n    sink(Color.RED)\n",
            "constant",
        ),
        ("def f(rows):\n    n = len(rows)\n    sink(n)\n", "number"),
        ("def f(limit: int):\n    sink(limit)\n", "number"),
        ("def f(rows):\n    for index, row in enumerate(rows):\n        sink(index)\n", "number"),
        ("import secrets\ndef f():\n    sink(f't{secrets.token_hex(8)}')\n", "generated"),
        ("import uuid\ndef f():\n    sink(uuid.uuid4().hex)\n", "generated"),
        (
            "from psycopg2.extensions import quote_ident\ndef f(c, t):\n    sink(quote_ident(t, c))\n",
            "quoted",
        ),
        (
            "def escape_sqlite(s):\n    return '\"' + s.replace('\"', '\"\"') + '\"'\n"
            "def f(table):\n    sink(escape_sqlite(table))\n",
            "quoted",
        ),
        ('def f(ids):\n    sink(", ".join("?" * len(ids)))\n', "placeholders"),
        ("def f(qs):\n    sql, params = qs.query.sql_with_params()\n    sink(sql)\n", "orm-sql"),
        (
            'from flask import current_app\ndef f():\n    sink(current_app.config["DB_SCHEMA"])\n',
            "configuration",
        ),
        ("class Datasette:\n    def f(self):\n        sink(self.setting('schema'))\n", "configuration"),
        ('import os\ndef f():\n    sink(os.environ.get("SCHEMA", "public"))\n', "configuration"),
        (
            "def f(conn):\n"
            '    for (name,) in conn.execute("select name from sqlite_master").fetchall():\n'
            "        sink(name)\n",
            "catalog",
        ),
        ('from flask import request\ndef f():\n    sink(request.args["q"])\n', "untrusted"),
        (
            "from flask import request\ndef f():\n    q = request.args.get('q', '')\n    sink(q.strip())\n",
            "untrusted",
        ),
        (
            "from fastapi import FastAPI\napp = FastAPI()\n"
            '@app.get("/items")\ndef items(q: str):\n    sink(q)\n',
            "untrusted",
        ),
        (
            "from fastapi import FastAPI\napp = FastAPI()\n"
            '@app.get("/items/{item_id}")\ndef item(item_id: int):\n    sink(item_id)\n',
            "number",
        ),
        ("def handler(request):\n    sink(request.GET['q'])\n", "untrusted"),
        (
            "async def create(request):\n    body = await request.json()\n    sink(body['name'])\n",
            "untrusted",
        ),
        ("def f(table):\n    sink(table)\n", "parameter"),
        ("from app.naming import table_for\ndef f():\n    sink(table_for('x'))\n", "unknown"),
    ],
)
def test_origin_kind(code: str, kind: str) -> None:
    assert origin_of(code).kind == kind


def test_the_riskiest_origin_of_several_wins() -> None:
    code = """
    from flask import request

    def f(table):
        name = "users" if table else request.args["t"]
        sink(f"{table} {name}")
    """
    assert origin_of(code).kind == "untrusted"


def test_a_helper_is_followed_with_its_parameters_bound_to_the_arguments() -> None:
    code = """
    from flask import request

    def where(owner):
        return f"owner = '{owner}'"

    def f():
        sink(where(request.args["owner"]))
    """
    found = origin_of(code)
    assert found.kind == "untrusted" and "request.args" in found.source


def test_a_parameter_names_its_function_and_class() -> None:
    code = """
    class Store:
        def rows(self, table):
            sink(table)
    """
    found = origin_of(code)
    assert found.source == "parameter `table` of `Store.rows()`"
    assert found.phrase() == "parameter `table` of `Store.rows()`, whose callers are not known here"


def test_comprehension_targets_take_their_iterable_origin() -> None:
    safe = "COLUMNS = ('a', 'b')\ndef f():\n    sink(', '.join(f'{c} = ?' for c in COLUMNS))\n"
    risky = "def f(columns):\n    sink(', '.join(f'{c} = ?' for c in columns))\n"
    assert origin_of(safe).safe
    assert origin_of(risky).kind == "parameter"

"""The shared string-building analysis (bek_gate/analysis/strings.py), asked about ``sink(...)`` arguments."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from bek_gate.analysis import strings
from bek_gate.analysis.string_values import StringValue
from bek_gate.engine.context import FileContext
from bek_gate.engine.walker import Dispatcher, walk
from bek_gate.rules.base import Rule
from bek_gate.rules.loader import check_rule_class


class _Probe(Rule):
    """Records what the analysis says about the first argument of every ``sink(...)`` call."""

    id = "probe"
    title = "probe"
    severity = "low"
    fix = "none"
    seen: list[tuple[StringValue, FileContext]] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "sink" and node.args:
            _Probe.seen.append((strings.analyse(self.context, node.args[0].value), self.context))


def analyse_sink(code: str) -> StringValue:
    """The analysis of the (single) ``sink(...)`` argument in ``code``."""
    source = textwrap.dedent(code).lstrip("\n")
    module = cst.parse_module(source)
    context = FileContext("example.py", source, module)
    _Probe.seen = []
    walk(context, Dispatcher([(check_rule_class(_Probe), _Probe(context, {}))]))
    assert len(_Probe.seen) == 1, "the example needs exactly one sink(...) call"
    return _Probe.seen[0][0]


def parts_of(code: str) -> list[str]:
    """The source of each dynamic part, or [] when the value is not built."""
    source = textwrap.dedent(code).lstrip("\n")
    value = analyse_sink(code)
    if value.built is None:
        return []
    module = cst.parse_module(source)
    return [module.code_for_node(part) for part in value.built.dynamic_parts]


# -- the building operations ---------------------------------------------------


def test_literal_is_constant_with_its_text() -> None:
    value = analyse_sink('sink("SELECT 1")')
    assert value.is_constant and value.text == "SELECT 1" and value.is_str


def test_fstring_from_parameter_is_built_with_marked_text() -> None:
    value = analyse_sink("def f(name):\n    sink(f\"SELECT * FROM t WHERE name = '{name}'\")\n")
    assert value.built is not None
    assert value.built.how == "an f-string"
    assert value.built.text == "SELECT * FROM t WHERE name = '?'"


@pytest.mark.parametrize(
    "expression, how",
    [
        ('"a = %s" % name', "%-formatting"),
        ('"a = {}".format(name)', "str.format()"),
        ('"a = " + name', "concatenation"),
        ('", ".join(name)', "str.join()"),
        ('"a = {name}".format_map(locals())', "str.format()"),
        ('string.Template("a = $x").substitute(x=name)', "a string.Template"),
    ],
)
def test_each_way_of_building_is_named(expression: str, how: str) -> None:
    value = analyse_sink(f"import string\n\ndef f(name):\n    sink({expression})\n")
    assert value.built is not None and value.built.how == how


@pytest.mark.parametrize(
    "expression",
    [
        '"LIMIT %d" % limit',
        '"LIMIT %d OFFSET %d" % (limit, offset)',
        'f"LIMIT {limit:d}"',
        '"LIMIT {:d}".format(limit)',
        '"LIMIT {n:d}".format(n=limit)',
        'f"LIMIT {int(limit)}"',
        'f"LIMIT {min(int(limit), 100)}"',
        'f"n = {len(limit)}"',
    ],
)
def test_numbers_are_not_injectable(expression: str) -> None:
    assert analyse_sink(f"def f(limit, offset):\n    sink({expression})\n").is_constant


def test_format_with_a_numeric_field_and_a_text_field_reports_only_the_text() -> None:
    code = 'def f(limit, name):\n    sink("{:d} {}".format(limit, name))\n'
    assert parts_of(code) == ["name"]


def test_percent_operands_meet_their_own_conversion() -> None:
    assert analyse_sink('def f(n):\n    sink("SELECT * FROM %s LIMIT %d" % (TABLE, n))\n').is_constant
    assert parts_of("def f(n, name):\n    sink(\"LIMIT %d WHERE a = '%s'\" % (n, name))\n") == ["name"]
    code = 'def f(n, name):\n    sink("%(n)d %(name)s" % {"n": n, "name": name})\n'
    assert parts_of(code) == ["name"]


def test_constant_concatenation_keeps_text() -> None:
    value = analyse_sink('BASE = "SELECT * FROM t"\nsink(BASE + " WHERE id = %s")\n')
    assert value.is_constant and value.text == "SELECT * FROM t WHERE id = %s"


def test_replace_in_a_constant_template_builds_from_the_replacement() -> None:
    code = """
    TEMPLATE = "SELECT id FROM tickets WHERE tenant_id = %s"

    def f(tenant):
        sink(TEMPLATE.replace("%s", str(tenant)))
    """
    value = analyse_sink(code)
    assert value.built is not None and value.built.how == "str.replace()"
    assert value.built.text == "SELECT id FROM tickets WHERE tenant_id = ?"
    assert parts_of(code) == ["str(tenant)"]
    # A template whose text is not shown (imported) is still a template.
    assert parts_of('from app.sql import BASE\n\ndef f(name):\n    sink(BASE.replace(":name", name))\n') == [
        "name"
    ]


def test_replace_with_constants_or_on_an_unknown_value_is_not_built() -> None:
    assert analyse_sink('def f(n):\n    sink("a = X".replace("X", str(int(n))))\n').is_constant
    # Escaping a value of unknown origin: no evidence either way.
    assert analyse_sink('def f(title):\n    sink(title.replace("\'", "\'\'"))\n').kind == "unknown"
    assert parts_of('def f(a, b):\n    sink(f"x {a}".replace("x", b))\n') == ["a"]


# -- names followed through bindings ----------------------------------------------


def test_earlier_assignment_is_followed() -> None:
    code = """
    def f(user_id):
        q = f"SELECT * FROM users WHERE id = {user_id}"
        sink(q)
    """
    assert parts_of(code) == ["user_id"]


def test_plus_equals_in_a_branch_keeps_the_base_text() -> None:
    code = """
    def f(status):
        q = "SELECT * FROM t WHERE 1=1"
        if status:
            q += f" AND status = '{status}'"
        sink(q)
    """
    value = analyse_sink(code)
    assert value.built is not None
    assert "SELECT * FROM t WHERE 1=1" in value.built.text and "status = '?'" in value.built.text
    assert parts_of(code) == ["status"]


def test_plus_equals_of_constants_stays_constant() -> None:
    code = """
    def f(status):
        q = "SELECT * FROM t WHERE 1=1"
        if status:
            q += " AND status = %s"
        sink(q)
    """
    assert analyse_sink(code).is_constant


def test_self_referencing_assignment_reads_the_earlier_value() -> None:
    code = """
    def f(name):
        q = "SELECT * FROM t"
        q = q + " WHERE name = '" + name + "'"
        sink(q)
    """
    value = analyse_sink(code)
    assert value.built is not None and value.built.text.startswith("SELECT * FROM t WHERE")
    assert parts_of(code) == ["name"]


def test_walrus_value_is_followed() -> None:
    assert parts_of('def f(a):\n    sink(q := f"x {a}")\n') == ["a"]


def test_slice_of_a_built_string_is_still_built() -> None:
    code = """
    def f(data):
        q = "UPDATE t SET "
        for key in data:
            q += f"{key} = %s, "
        sink(q[:-2])
    """
    assert parts_of(code) == ["key"]


# -- constants and allow-lists ------------------------------------------------


def test_all_caps_names_are_constants_but_django_request_data_is_not() -> None:
    assert analyse_sink("from settings import TABLE\nsink(f'SELECT * FROM {TABLE}')\n").is_constant
    code = "def view(request):\n    sink(f\"SELECT * FROM t WHERE a = {request.GET['a']}\")\n"
    assert analyse_sink(code).built is not None


@pytest.mark.parametrize(
    "lookup",
    ["SORTS[sort]", 'SORTS.get(sort, "id")', "local_sorts[sort]", "local_sorts.get(sort)"],
)
def test_lookups_in_constant_mappings_are_constant(lookup: str) -> None:
    code = f"""
    SORTS = {{"new": "created DESC", "old": "created ASC"}}

    def f(sort):
        local_sorts = {{"new": "created DESC"}}
        sink(f"ORDER BY {{{lookup}}}")
    """
    assert analyse_sink(code).is_constant


def test_lookup_in_a_mapping_with_request_values_is_not_constant() -> None:
    code = """
    def f(request, key):
        values = {"a": request.args["a"]}
        sink(f"WHERE x = {values[key]}")
    """
    assert analyse_sink(code).built is not None


@pytest.mark.parametrize(
    "guard",
    [
        "if column not in ALLOWED:\n        raise ValueError(column)",
        "if column not in ALLOWED:\n        return None",
        'if column not in ALLOWED:\n        column = "id"',
        "assert column in ALLOWED",
        "if not column in ALLOWED:\n        abort(400)",
        "if not column.isidentifier():\n        raise ValueError(column)",
        "if not re.fullmatch(r'[a-z_]+', column):\n        raise ValueError(column)",
        "if not isinstance(column, int):\n        raise TypeError(column)",
    ],
)
def test_guards_before_the_use_make_a_name_constant(guard: str) -> None:
    code = f"import re\nALLOWED = ('id', 'name')\n\ndef f(column):\n    {guard}\n    sink(f'ORDER BY {{column}}')\n"
    assert analyse_sink(code).is_constant


def test_a_type_check_for_text_proves_nothing() -> None:
    code = "def f(column):\n    if not isinstance(column, str):\n        raise TypeError\n    sink(f'x {column}')\n"
    assert parts_of(code) == ["column"]


def test_a_guard_that_does_not_stop_proves_nothing() -> None:
    code = """
    ALLOWED = ("id", "name")

    def f(column):
        if column not in ALLOWED:
            print("odd column")
        sink(f"ORDER BY {column}")
    """
    assert parts_of(code) == ["column"]


def test_inside_a_membership_branch_the_name_is_constant_but_not_in_else() -> None:
    code = """
    ALLOWED = ("id", "name")

    def f(column):
        if column in ALLOWED:
            sink(f"ORDER BY {column}")
    """
    assert analyse_sink(code).is_constant
    code_else = """
    ALLOWED = ("id", "name")

    def f(column):
        if column in ALLOWED:
            pass
        else:
            sink(f"ORDER BY {column}")
    """
    assert analyse_sink(code_else).built is not None


def test_loop_over_constant_items_is_constant_and_over_request_data_is_not() -> None:
    constant_loop = """
    def f():
        for column in ("a", "b"):
            sink(f"UPDATE t SET {column} = now()")
    """
    assert analyse_sink(constant_loop).is_constant
    dict_loop = """
    FIELDS = {"a": 1}

    def f():
        for column, _ in FIELDS.items():
            sink(f"UPDATE t SET {column} = 1")
    """
    assert analyse_sink(dict_loop).is_constant
    data_loop = """
    def f(data):
        for column in data:
            sink(f"UPDATE t SET {column} = 1")
    """
    assert parts_of(data_loop) == ["column"]


def test_class_attributes_schema_names_and_enum_values_are_constant() -> None:
    code = """
    class Repo:
        table = "orders"

        def get(self, model):
            sink(f"SELECT * FROM {self.table}, {model._meta.db_table}, {Status.ACTIVE.value}")
    """
    assert analyse_sink(code).is_constant


def test_instance_attribute_from_a_parameter_is_not_constant() -> None:
    code = """
    class Repo:
        def __init__(self, table):
            self.table = table

        def get(self):
            sink(f"SELECT * FROM {self.table}")
    """
    assert analyse_sink(code).built is not None


def test_attributes_of_a_base_class_defined_earlier_are_followed() -> None:
    base = """
    class Repository:
        table = "orders"

        def __init__(self, db):
            self.db = db
            self.columns = "id, total"
    """
    subclass = """
    class OrderRepository(Repository):
        def get(self, pk):
            sink(f"SELECT {self.columns} FROM {self.table} WHERE id = {pk:d}")
    """
    assert analyse_sink(base + subclass).is_constant
    # A base class of another module is not seen: the attributes stay unknown.
    imported = "\n    from app.base import Repository\n" + subclass
    assert parts_of(imported) == ["self.columns", "self.table"]


def test_a_subclass_assignment_adds_to_the_base_class_values() -> None:
    code = """
    class Repository:
        def __init__(self):
            self.table = "orders"

    class Scoped(Repository):
        def scope(self, suffix):
            self.table = f"orders_{suffix}"

        def get(self):
            sink(f"SELECT * FROM {self.table}")
    """
    assert parts_of(code) == ["suffix"]


def test_literal_annotated_parameter_is_constant() -> None:
    code = 'from typing import Literal\n\ndef f(order: Literal["asc", "desc"]):\n    sink(f"ORDER BY x {order}")\n'
    assert analyse_sink(code).is_constant
    assert analyse_sink('def f(order: str):\n    sink(f"ORDER BY x {order}")\n').built is not None


@pytest.mark.parametrize(
    "expression",
    [
        "shlex.quote(name)",
        "connection.ops.quote_name(name)",
        "schema_editor.quote_value(comment)",
        "qn(name)",
        "uuid.uuid4().hex",
        "datetime.datetime.now().isoformat()",
        "sql.Identifier(name)",
    ],
)
def test_escaped_and_generated_values_are_constant(expression: str) -> None:
    code = f"""
    import datetime, shlex, uuid
    from django.db import connection
    from psycopg2 import sql

    qn = connection.ops.quote_name

    def f(name):
        sink(f"x {{{expression}}}")
    """
    assert analyse_sink(code).is_constant


# -- joins ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "placeholders",
    [
        '", ".join(["%s"] * len(ids))',
        '",".join("?" for _ in ids)',
        '",".join("?" * len(ids))',
        '", ".join(f"${i + 1}" for i in range(len(ids)))',
        '", ".join(COLUMNS)',
        '", ".join(c for c in data if c in COLUMNS)',
        '",".join(str(int(i)) for i in ids)',
        '",".join(map(int, ids))',
    ],
)
def test_placeholder_joins_are_constant(placeholders: str) -> None:
    code = f'def f(ids, data):\n    sink(f"IN ({{{placeholders}}})")\n'
    assert analyse_sink(code).is_constant


def test_join_of_raw_values_names_the_iterable() -> None:
    assert parts_of('def f(ids):\n    sink(",".join(str(i) for i in ids))\n') == ["ids"]
    assert parts_of('def f(names):\n    sink(", ".join([f"\'{n}\'" for n in names]))\n') == ["names"]


def test_appended_constant_clauses_are_constant() -> None:
    code = """
    def f(name, price):
        clauses = []
        if name:
            clauses.append("name = %s")
        if price:
            clauses.extend(["price > %s", "price < %s"])
        sink(" AND ".join(clauses))
    """
    assert analyse_sink(code).is_constant


def test_appended_fstring_clause_is_built_from_its_value() -> None:
    code = """
    def f(filters):
        clauses = []
        for key, value in filters.items():
            clauses.append(f"{key} = '{value}'")
        sink(" AND ".join(clauses))
    """
    value = analyse_sink(code)
    assert value.built is not None and value.built.how == "an f-string"
    assert parts_of(code) == ["key", "value"]


# -- helpers defined in the module ------------------------------------------------


def test_helper_follows_its_arguments() -> None:
    helper = "def where(name):\n    return f\"name = '{name}'\"\n\n"
    # The dynamic part is the caller's argument, which is where the value comes from.
    assert parts_of(helper + "def f(term):\n    sink(where(term))\n") == ["term"]
    assert analyse_sink(helper + 'def f():\n    sink(where("admin"))\n').is_constant


def test_helper_locals_assigned_once_are_followed() -> None:
    code = """
    def clause(filters):
        parts = ["a = %s" for _ in filters]
        return " AND ".join(parts)

    def f(filters):
        sink("SELECT * FROM t WHERE " + clause(filters))
    """
    assert analyse_sink(code).is_constant


def test_method_helper_through_self() -> None:
    code = """
    class Repo:
        def _where(self, name):
            return "WHERE name = '" + name + "'"

        def find(self, name):
            sink("SELECT * FROM t " + self._where(name))
    """
    assert analyse_sink(code).built is not None


def test_recursive_helper_does_not_loop() -> None:
    code = "def r(x):\n    return r(x) + 'a'\n\ndef f(x):\n    sink(r(x))\n"
    assert analyse_sink(code).kind in ("unknown", "built")


def test_unknown_values_stay_unknown() -> None:
    assert analyse_sink("def f(query):\n    sink(query)\n").kind == "unknown"
    assert analyse_sink("def f(a, b):\n    sink(a + b)\n").kind == "unknown"

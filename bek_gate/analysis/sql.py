"""Where SQL text gets executed: SQL sinks and the SQL-text argument of a call.

Shared by the rules that look at SQL (``sql-injection``, ``select-star``,
``query-in-loop``). ``sql_argument(context, call)`` answers "does this call run
(or wrap) SQL text, and which argument is that text?".

Two kinds of sink:

* explicit ones only ever take SQL: SQLAlchemy ``text()`` and
  ``exec_driver_sql``, Django ``RawSQL``/``Manager.raw``/``QuerySet.extra``,
  sqlite3 ``executescript``, ``pandas.read_sql*``, ``psycopg.sql.SQL``,
  psycopg2 ``copy_expert``/``execute_values``, peewee ``execute_sql``;
* generic method names (``execute``, ``fetch``, ``query``, ``sql``...) also
  exist on task executors, HTTP clients and query builders, so they count only
  when the receiver comes from a database driver (``sqlite3.connect()``,
  ``asyncpg.create_pool()``, Django's ``connection``) or when the text
  looks like SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis import strings
from bek_gate.analysis.calls import argument

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

# Modules whose connections, cursors, sessions and pools run SQL.
DATABASE_MODULES = frozenset(
    {"sqlite3", "aiosqlite", "psycopg2", "psycopg", "psycopg_pool", "asyncpg", "aiopg", "pg8000"}
    | {"pymysql", "MySQLdb", "mysql", "aiomysql", "pyodbc", "cx_Oracle", "oracledb", "pymssql", "duckdb"}
    | {"sqlalchemy", "sqlmodel", "flask_sqlalchemy", "databases", "peewee", "tortoise", "alembic", "django"}
    | {"snowflake", "clickhouse_driver", "trino"}
)
# Receivers from these modules have ``execute``/``run``/``fetch`` methods that are not SQL.
_OTHER_MODULES = frozenset(
    {"subprocess", "os", "asyncio", "concurrent", "multiprocessing", "threading", "invoke", "fabric"}
    | {"requests", "httpx", "aiohttp", "tornado", "urllib", "paramiko", "docker", "celery"}
    | {"redis", "neo4j", "pymongo", "motor", "elasticsearch", "graphene", "strawberry"}
)
_SQL_KEYWORDS = ("operation", "query", "statement", "sql", "stmt", "command", "sql_query")
_PARAMETER_KEYWORDS = ("parameters", "params", "args", "values", "vars", "multiparams", "bind_params")

# method name -> (position of the SQL text, its keyword names, position of the parameters)
_EXPLICIT_METHODS: dict[str, tuple[int, tuple[str, ...], int | None]] = {
    "exec_driver_sql": (0, ("statement",), 1),
    "executescript": (0, ("sql_script", "script"), None),
    "copy_expert": (0, ("sql",), None),
    "execute_sql": (0, ("sql",), 1),
    "read_sql": (0, ("sql",), None),
    "read_sql_query": (0, ("sql",), None),
    "copy_from_query": (0, ("query",), 1),
}
_GENERIC_METHODS = frozenset(
    {"execute", "executemany", "execute_many", "execute_query", "query", "prepare", "cursor", "copy"}
    | {"fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val", "scalar", "scalars"}
    | {"mogrify", "sql", "run", "raw"}
)
# qualified-name suffixes of explicit functions -> (SQL position, keywords, parameters position)
_EXPLICIT_FUNCTIONS: dict[str, tuple[int, tuple[str, ...], int | None]] = {
    "sqlalchemy.text": (0, ("text",), None),
    "sqlalchemy.sql.text": (0, ("text",), None),
    "sqlalchemy.sql.expression.text": (0, ("text",), None),
    "sqlmodel.text": (0, ("text",), None),
    "sqlalchemy.literal_column": (0, ("text",), None),
    "sqlalchemy.sql.expression.literal_column": (0, ("text",), None),
    "django.db.models.RawSQL": (0, ("sql",), 1),
    "django.db.models.expressions.RawSQL": (0, ("sql",), 1),
    "pandas.read_sql": (0, ("sql",), None),
    "pandas.read_sql_query": (0, ("sql",), None),
    "pandas.io.sql.read_sql": (0, ("sql",), None),
    "pandas.io.sql.read_sql_query": (0, ("sql",), None),
    "psycopg2.sql.SQL": (0, ("string",), None),
    "psycopg.sql.SQL": (0, ("obj",), None),
    "psycopg2.extras.execute_values": (1, ("sql",), 2),
    "psycopg2.extras.execute_batch": (1, ("sql",), 2),
}
# Names that mean these sinks even when the snippet does not show the import.
_UNIMPORTED_FUNCTIONS: dict[str, tuple[int, tuple[str, ...], int | None]] = {
    "text": (0, ("text",), None),
    "RawSQL": (0, ("sql",), 1),
    "read_sql": (0, ("sql",), None),
    "read_sql_query": (0, ("sql",), None),
}
_FUNCTION_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in _EXPLICIT_FUNCTIONS)
# Calls that build an SQL object to be run later, rather than running it.
_BUILDERS = frozenset({"text", "SQL", "RawSQL", "literal_column"})
_DJANGO_EXTRA_SQL = ("where", "select", "tables", "order_by")

_CYPHER = re.compile(r"^\s*(?:match|optional\s+match|merge|unwind)\s*\(?", re.IGNORECASE)
_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*://|/)", re.IGNORECASE)
# Schema objects that DDL and DCL statements (CREATE/ALTER/DROP/COMMENT ON) name after their verb.
_SCHEMA_OBJECTS = r"""(?:(?:materialized|foreign|event|text\s+search)\s+)?(?:
    table|index|view|schema|database|function|procedure|trigger|sequence|type|extension|role|user|group
    | policy|domain|aggregate|collation|publication|subscription|tablespace|server|rule|statistics
    | column|constraint|operator|large\s+object|configuration|owned)\s"""
_STATEMENT_START = re.compile(
    rf"""^[\s(?]*(?:
        select\s+(?:\*|\d|\?|distinct\b|[\w.]+\s*\() | insert\s+(?:or\s+\w+\s+)?into\s | update\s+\S+\s+set\s | delete\s+from\s
        | with\s+(?:recursive\s+)?\S+\s+as\s*\( | replace\s+into\s | merge\s+into\s | explain\s | pragma\s
        | create\s+(?:(?:or\s+replace|temp\w*|unique|unlogged|global|local|recursive|materialized)\s+)*
          (?:{_SCHEMA_OBJECTS}|extension|materialized)
        | (?:alter|drop)\s+{_SCHEMA_OBJECTS} | alter\s+(?:default\s+privileges|system)\s
        | comment\s+on\s+{_SCHEMA_OBJECTS} | truncate\s | rename\s+tables?\s | (?:optimize|lock)\s+tables?\s
        | grant\s.+?\s(?:on|to)\s | revoke\s.+?\s(?:on|from)\s | reassign\s+owned\s
        | set\s+(?:(?:session|local|global|persist)\s+)?(?:
            (?:search_path|session|role|names|time\s+zone|transaction|constraints|datestyle|autocommit)\b
            | @@?[\w.]+ | \w+[_.][\w.]*\s*(?:=|to\s))
        | copy\s+[\w."?]+\s*(?:\([^)]*\)\s*)?(?:from|to)\s+(?:stdin|stdout|program\s|'|"|\?)
        | copy\s*\(\s*(?:select|with|insert|update|delete)\s
        | call\s+[\w.?]+\s*\( | exec\s+\w | declare\s | refresh\s+materialized\s
        | vacuum\b | analyze\s | reindex\s+(?:table|index|schema|database|system)\s
        | attach\s+(?:database\s+)?\S+\s+as\s | detach\s+database\s
        | (?:release\s+|rollback\s+to\s+)?savepoint\s | use\s+[\w`"\[\].?]+\s*;?\s*$
        | show\s+(?:full\s+)?(?:tables|columns|databases|schemas|index|indexes|keys|create|grants|variables|status)\b
    )""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_CLAUSE = re.compile(
    r"""\b(?:
        select\s.+?\sfrom\s | insert\s+into\s | delete\s+from\s | update\s+\S+\s+set\s
        | where\s+(?:not\s+)?[\w"`\[(?.]+\s*(?:=|<|>|!=|<>|\bin\b|\blike\b|\bilike\b|\bis\b|\bbetween\b|@>|~)
        | order\s+by\s | group\s+by\s | inner\s+join\s | left\s+(?:outer\s+)?join\s | join\s+\S+\s+on\s
        | values\s*\( | returning\s | on\s+conflict\b | union\s+(?:all\s+)?select\b
        | limit\s+[\d?%:$] | offset\s+[\d?%:$]
        | (?:and|or)\s+[\w."`\[\]?]+\s*(?:=|<>|\blike|\bilike)\s*'\?'
    )""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_IDENTIFIER_SLOT = re.compile(
    r"""\b(?:from|into|update|join|table|exists|order\s+by|group\s+by)\s+["`\[]?\?""", re.IGNORECASE
)


@dataclass(frozen=True)
class SqlSink:
    """A call that runs or wraps SQL text.

    ``name`` is how a message names the call (``cursor.execute()``,
    ``sql_text()`` for an alias); ``sql`` is the SQL-text argument and
    ``value`` what the string analysis says about it; ``fragments``/``values``
    list every SQL-text argument (``.extra(where=[...], select={...})`` has
    several), ``sql`` first. ``parameters`` is the bound-parameters argument
    when one is passed. ``builds`` is true for calls that wrap SQL in an
    object run later (``text()``, ``sql.SQL()``, ``RawSQL()``). ``explicit``
    is true when the call only ever takes SQL, false when a generic method
    counted because of its receiver or its SQL-looking text.
    """

    name: str
    call: cst.Call
    sql: cst.BaseExpression
    value: strings.StringValue
    fragments: tuple[cst.BaseExpression, ...]
    values: tuple[strings.StringValue, ...]
    parameters: cst.BaseExpression | None
    builds: bool
    explicit: bool

    @property
    def text(self) -> str | None:
        """The SQL text as far as it is known (``?`` for the dynamic parts)."""
        return self.value.text


def looks_like_sql(text: str | None) -> bool:
    """Whether ``text`` reads as an SQL statement or clause (keywords in SQL order), not prose or a URL."""
    if not text or _URL.match(text) or _CYPHER.match(text):
        return False
    return bool(_STATEMENT_START.match(text) or _CLAUSE.search(text))


def identifier_slots(text: str | None) -> int:
    """How many dynamic parts (``?``) sit where a table or column name goes (``FROM ?``, ``ORDER BY ?``)."""
    return len(_IDENTIFIER_SLOT.findall(text)) if text else 0


def sql_argument(context: FileContext, call: cst.Call, *, assume_sql: bool = False) -> SqlSink | None:
    """The SQL sink ``call`` is, with its SQL-text argument; None if it is not one.

    A generic method (``execute``, ``fetch``...) on a receiver of unknown origin
    counts only when its text looks like SQL. With ``assume_sql``, it also
    counts when its text is unknown (``cur.execute(query)`` with ``query`` a
    parameter): for rules that care that a query runs, not what it says.
    """
    func = call.func
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        if method in _EXPLICIT_METHODS:
            position, keywords, params = _EXPLICIT_METHODS[method]
            return _sink(context, call, position, keywords, params, explicit=True)
        if method == "extra":
            return _django_extra(context, call)
        if method in _GENERIC_METHODS:
            return _generic(context, call, func, method, assume_sql)
        if method not in _FUNCTION_NAMES:
            return None
    elif isinstance(func, cst.Name):
        if func.value not in _FUNCTION_NAMES and func.value not in context.imports.aliases:
            return None
    else:
        return None
    qualified = context.qualified_name(func)
    signature = _explicit_function(qualified)
    if signature is None:
        if qualified is None and isinstance(func, cst.Name) and func.value in _UNIMPORTED_FUNCTIONS:
            return _unimported(context, call, func.value)
        return None
    position, keywords, params = signature
    return _sink(context, call, position, keywords, params, explicit=True)


def _unimported(context: FileContext, call: cst.Call, name: str) -> SqlSink | None:
    """``text(...)``/``RawSQL(...)`` in a snippet whose imports are not shown: SQL only if it reads as SQL."""
    position, keywords, params = _UNIMPORTED_FUNCTIONS[name]
    sql = _argument(call, position, keywords)
    if sql is None:
        return None
    value = strings.analyse(context, sql)
    if not looks_like_sql(value.text):
        return None
    parameters = _argument(call, params, _PARAMETER_KEYWORDS) if params is not None else None
    return _make(context, call, (sql,), (value,), parameters, explicit=False)


def _explicit_function(qualified: str | None) -> tuple[int, tuple[str, ...], int | None] | None:
    if not qualified:
        return None
    signature = _EXPLICIT_FUNCTIONS.get(qualified)
    if signature is not None:
        return signature
    # ``db.text`` of Flask-SQLAlchemy, ``sqlalchemy.sql.elements.text`` and other re-exports.
    root, _, last = qualified.partition(".")
    last = qualified.rsplit(".", 1)[-1]
    if last == "text" and root in ("sqlalchemy", "sqlmodel", "flask_sqlalchemy"):
        return (0, ("text",), None)
    if last == "RawSQL" and root == "django":
        return (0, ("sql",), 1)
    if last == "SQL" and root in ("psycopg", "psycopg2"):
        return (0, ("obj", "string"), None)
    return None


def _sink(
    context: FileContext,
    call: cst.Call,
    position: int,
    keywords: tuple[str, ...],
    params: int | None,
    *,
    explicit: bool,
) -> SqlSink | None:
    sql = _argument(call, position, keywords)
    if sql is None:
        return None
    value = strings.analyse(context, sql)
    parameters = _argument(call, params, _PARAMETER_KEYWORDS) if params is not None else None
    return _make(context, call, (sql,), (value,), parameters, explicit)


def _make(
    context: FileContext,
    call: cst.Call,
    fragments: tuple[cst.BaseExpression, ...],
    values: tuple[strings.StringValue, ...],
    parameters: cst.BaseExpression | None,
    explicit: bool,
) -> SqlSink:
    func = call.func
    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    builds = last in _BUILDERS or (context.qualified_name(func) or "").rsplit(".", 1)[-1] in _BUILDERS
    return SqlSink(
        name=_display_name(context, func),
        call=call,
        sql=fragments[0],
        value=values[0],
        fragments=fragments,
        values=values,
        parameters=parameters,
        builds=builds,
        explicit=explicit,
    )


def _argument(call: cst.Call, position: int | None, keywords: tuple[str, ...]) -> cst.BaseExpression | None:
    for name in keywords:
        found = argument(call, None, name)
        if found is not None:
            return found
    return argument(call, position, keywords[0]) if position is not None else None


def _generic(
    context: FileContext, call: cst.Call, func: cst.Attribute, method: str, assume_sql: bool
) -> SqlSink | None:
    sql = _argument(call, 0, _SQL_KEYWORDS)
    if sql is None or isinstance(sql, (cst.Lambda, cst.Integer, cst.Float)):
        return None
    origin = context.qualified_name(func.value)
    root = origin.split(".", 1)[0] if origin else None
    if root in _OTHER_MODULES:
        return None
    value = strings.analyse(context, sql)
    from_driver = root in DATABASE_MODULES
    if method == "raw":
        # Django's ``Manager.raw``; ``response.raw`` and friends take no SQL.
        from_driver = from_driver or _is_django_manager(func.value)
    if method == "run" and not from_driver:
        # pg8000's native ``run``; other ``run`` methods (graph databases, task runners) need a statement.
        sql_like = bool(value.text and _STATEMENT_START.match(value.text)) and looks_like_sql(value.text)
    else:
        sql_like = looks_like_sql(value.text)
    unknown_text = assume_sql and value.text is None and method != "run"
    if not (from_driver or sql_like or unknown_text):
        return None
    parameters = _argument(call, 1, _PARAMETER_KEYWORDS)
    return _make(context, call, (sql,), (value,), parameters, explicit=from_driver)


def _is_django_manager(receiver: cst.BaseExpression) -> bool:
    if isinstance(receiver, cst.Call):
        receiver = receiver.func
    while isinstance(receiver, cst.Attribute):
        if receiver.attr.value in ("objects", "_default_manager", "_base_manager"):
            return True
        receiver = receiver.value
    return False


def _django_extra(context: FileContext, call: cst.Call) -> SqlSink | None:
    """``QuerySet.extra(where=[...], select={...}, tables=[...], order_by=[...])``: each string is SQL."""
    fragments: list[cst.BaseExpression] = []
    for name in _DJANGO_EXTRA_SQL:
        found = argument(call, None, name)
        if found is None:
            continue
        fragments.extend(_sql_strings(context, found))
    if not fragments:
        return None
    values = tuple(strings.analyse(context, fragment) for fragment in fragments)
    parameters = argument(call, None, "params") or argument(call, None, "select_params")
    return _make(context, call, tuple(fragments), values, parameters, explicit=True)


def _sql_strings(context: FileContext, node: cst.BaseExpression, depth: int = 0) -> list[cst.BaseExpression]:
    """The strings of a list/tuple of SQL (or of a dict's values), through one earlier assignment."""
    if isinstance(node, (cst.List, cst.Tuple)):
        return [element.value for element in node.elements]
    if isinstance(node, cst.Dict):
        return [element.value for element in node.elements if isinstance(element, cst.DictElement)]
    if isinstance(node, cst.Name) and depth < 2:
        values = context.assigned_values(node.value) or []
        found = [item for value in values for item in _sql_strings(context, value, depth + 1)]  # type: ignore[arg-type]
        return found or [node]
    return [node]


def _display_name(context: FileContext, func: cst.BaseExpression) -> str:
    text = " ".join(context.code(func).split())
    if len(text) > 40 and isinstance(func, cst.Attribute):
        text = "…." + func.attr.value
    return f"{text}()"

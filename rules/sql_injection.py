"""Rule: sql-injection (SQL text built from non-constant values reaching an execution sink)."""

from __future__ import annotations

import libcst as cst

from bek_gate.analysis import sql
from bek_gate.analysis.strings import BuiltString
from bek_gate.rules import Invalid, Rule, Valid


class SqlInjection(Rule):
    """SQL text built from variables by string formatting is executed.

    ## What it finds
    Calls that run or wrap SQL (DB-API `execute`/`executemany`/`executescript`,
    SQLAlchemy `execute`/`text()`/`exec_driver_sql`, Django `raw`/`extra`/`RawSQL`,
    asyncpg/aiopg/psycopg/pg8000 calls, `pandas.read_sql`, `psycopg.sql.SQL`)
    whose SQL text (queries, and DDL/DCL such as `ALTER`, `GRANT`, `SET`,
    `COPY`, `CALL`) was built with an f-string, `%`, `.format()`, `+`, `join`
    or `TEMPLATE.replace()` from values that are not constants, directly or
    through a variable assigned earlier in the function (including `+=` in
    branches, lists filled with `append` and helpers defined in the module).
    Constants, ALL_CAPS names, numbers (`int()`, `%d`), names checked against
    a constant allow-list, `psycopg.sql.Identifier` and placeholder lists
    (`", ".join(["%s"] * n)`) are not reported.

    ## Why it matters
    A value spliced into SQL text is parsed as SQL: a quote in it ends the
    string literal and the rest runs as the attacker's own SQL (CWE-89), to read
    other users' rows, bypass a login or drop tables. Bound parameters travel
    separately from the SQL text and are never parsed as SQL.

    ## Example
    ```python
    def find_user(conn, email):
        cursor = conn.cursor()
        cursor.execute(f"SELECT id, name FROM users WHERE email = '{email}'")
        return cursor.fetchone()
    ```

    ## Use instead
    ```python
    def find_user(conn, email):
        cursor = conn.cursor()
        cursor.execute("SELECT id, name FROM users WHERE email = %s", (email,))
        return cursor.fetchone()
    ```

    Table and column names cannot be bound: pick them from a constant allow-list
    or quote them with `psycopg.sql.Identifier`.

    ## References
    - [CWE-89: SQL Injection](https://cwe.mitre.org/data/definitions/89.html)
    - [OWASP SQL Injection Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    - [PEP 249: paramstyle](https://peps.python.org/pep-0249/#paramstyle)
    - [psycopg: passing parameters to SQL queries](https://www.psycopg.org/docs/usage.html#passing-parameters-to-sql-queries)
    - [SQLAlchemy: using textual SQL with bound parameters](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text)
    - [Django: performing raw SQL queries](https://docs.djangoproject.com/en/5.2/topics/db/sql/)
    """

    id = "sql-injection"
    title = "SQL built from variables reaches an execution sink"
    severity = "high"
    confidence = "high"
    cwe = 89
    pattern = "sec-sql-injection"
    fix = (
        "Keep the SQL text constant and pass values as bound parameters: "
        '`cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))`, '
        '`session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id})`, '
        '`Model.objects.raw("... WHERE id = %s", [user_id])`. '
        "Pick table/column names from a constant allow-list or compose them with `psycopg.sql.Identifier`."
    )
    tags = ("security", "sql", "injection", "database")
    # Sink names; SQLAlchemy's ``text`` may be aliased, but its import names the package.
    prefilter = (
        "execute",
        "exec_driver_sql",
        "sqlalchemy",
        "sqlmodel",
        "RawSQL",
        "read_sql",
        "SQL(",
        ".raw(",
        ".extra(",
        ".fetch",
        "query(",
        ".prepare(",
        ".cursor(",
        ".copy",
        ".sql(",
        ".run(",
        ".mogrify(",
    )

    valid = [
        Valid(
            """
            def get_user(cursor, user_id):
                cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))
            """
        ),
        Valid(
            """
            from sqlalchemy import text

            def get_order(session, order_id):
                return session.execute(text("SELECT * FROM orders WHERE id = :id"), {"id": order_id})
            """
        ),
        Valid(
            """
            def get_many(cursor, ids):
                placeholders = ", ".join(["%s"] * len(ids))
                cursor.execute(f"SELECT * FROM items WHERE id IN ({placeholders})", ids)
            """
        ),
        Valid(
            """
            from psycopg2 import sql

            def count_rows(cursor, table):
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            """
        ),
        Valid(
            """
            SORTABLE = {"name": "name", "created": "created_at"}

            def list_users(cursor, sort):
                column = SORTABLE.get(sort, "id")
                cursor.execute(f"SELECT * FROM users ORDER BY {column}")
            """
        ),
        Valid(
            """
            def page(cursor, limit):
                cursor.execute("SELECT * FROM events LIMIT %d" % int(limit))
            """
        ),
        Valid(
            """
            import logging

            def audit(user_id):
                logging.info(f"running SELECT * FROM users WHERE id = {user_id}")
            """
        ),
        Valid(
            """
            def submit(executor, job):
                return executor.execute(f"job-{job.id}")
            """
        ),
        Valid(
            """
            def search(cursor, name, status):
                query = "SELECT * FROM users WHERE 1=1"
                params = []
                if name:
                    query += " AND name = %s"
                    params.append(name)
                if status:
                    query += " AND status = %s"
                    params.append(status)
                cursor.execute(query, params)
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            def get_user(cursor, user_id):
                cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")
            """,
            line=2,
        ),
        Invalid(
            """
            def get_user(cursor, name):
                query = "SELECT * FROM users WHERE name = '%s'" % name
                cursor.execute(query)
            """,
            line=3,
        ),
        Invalid(
            """
            from sqlalchemy import text as sql_text

            def delete_order(session, order_id):
                session.execute(sql_text("DELETE FROM orders WHERE id = {}".format(order_id)))
            """,
            line=4,
        ),
        Invalid(
            """
            def search(cursor, name, status):
                query = "SELECT * FROM users WHERE 1=1"
                if status:
                    query += " AND status = '" + status + "'"
                cursor.execute(query)
            """,
            line=5,
        ),
        Invalid(
            """
            def by_ids(conn, ids):
                id_list = ",".join(str(i) for i in ids)
                return conn.execute("SELECT * FROM items WHERE id IN (" + id_list + ")").fetchall()
            """,
            line=3,
        ),
        Invalid(
            """
            from myapp.models import Article

            def articles(author):
                return Article.objects.raw(f"SELECT * FROM blog_article WHERE author = '{author}'")
            """,
            line=4,
        ),
        Invalid(
            """
            import pandas as pd

            def report(engine, region):
                return pd.read_sql(f"SELECT * FROM sales WHERE region = '{region}'", engine)
            """,
            line=4,
        ),
        Invalid(
            """
            class UserRepository:
                def __init__(self, pool):
                    self.pool = pool

                async def by_email(self, email):
                    async with self.pool.acquire() as conn:
                        return await conn.fetchrow(f"SELECT * FROM users WHERE email = '{email}'")
            """,
            line=7,
        ),
        Invalid(
            """
            from psycopg2 import sql

            def drop(cursor, table):
                cursor.execute(sql.SQL(f"DROP TABLE {table}"))
            """,
            line=4,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        sink = sql.sql_argument(self.context, node)
        if sink is None:
            return
        for fragment, value in zip(sink.fragments, sink.values, strict=True):
            if value.built is not None:
                self.report(node, self._message(sink, fragment, value.built))
                return

    def _message(self, sink: sql.SqlSink, fragment: cst.BaseExpression, built: BuiltString) -> str:
        parts = list(dict.fromkeys(_short(self.context.code(part)) for part in built.dynamic_parts))
        named = f" `{_short(self.context.code(fragment))}`" if isinstance(fragment, cst.Name) else ""
        verb = "wraps" if sink.builds else "runs"
        it = "it" if len(parts) == 1 else "them"
        slots = sql.identifier_slots(built.text)
        if slots and slots >= built.text.count("?"):
            advice = f"table and column names cannot be bound: pick {it} from a constant allow-list"
        elif slots:
            advice = "bind the values and pick table or column names from a constant allow-list"
        else:
            advice = f"pass {it} as a bound parameter" if len(parts) == 1 else "pass them as bound parameters"
        return f"`{sink.name}` {verb} SQL{named} built with {built.how} from {_listing(parts)}; {advice}"


def _short(code: str) -> str:
    text = " ".join(code.split())
    return text if len(text) <= 40 else text[:37] + "..."


def _listing(parts: list[str]) -> str:
    quoted = [f"`{part}`" for part in parts] or ["a non-constant value"]
    if len(quoted) > 3:
        return f"{', '.join(quoted[:2])} and {len(quoted) - 2} more"
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"

"""Rule: sql-injection (SQL text built from non-constant values reaching an execution sink)."""

from __future__ import annotations

import libcst as cst

from bek_gate.analysis import origin, sql
from bek_gate.analysis.string_values import BuiltString
from bek_gate.rules import Invalid, Rule, Valid


class SqlInjection(Rule):
    """SQL text built from variables by string formatting is executed.

    ## What it finds
    Calls that run or wrap SQL (DB-API `execute`/`executemany`/`executescript`,
    SQLAlchemy `execute`/`text()`/`exec_driver_sql`, Django `raw`/`extra`/`RawSQL`,
    asyncpg/aiopg/psycopg/pg8000 calls, `pandas.read_sql`, `psycopg.sql.SQL`)
    whose SQL text (queries, and DDL/DCL such as `ALTER`, `GRANT`, `SET`,
    `COPY`, `CALL`) was built with an f-string, `%`, `.format()`, `+`, `join`
    or `TEMPLATE.replace()`, directly or through variables and helpers of the
    module, from a value that is not known to be safe. The message says where
    that value comes from, and the confidence follows the evidence: request
    data (Flask, Django, Starlette and FastAPI request objects, route handler
    parameters) is `high`; a parameter of the enclosing function, whose callers
    are not known, is `medium`; a value whose origin cannot be told (a call
    into another module) is `low`. Only `high` is reported by default: on
    released applications the other two were internal values (a table name of
    the application's own, a process id, SQL the user may run by design).
    `--min-confidence medium` (or `min-confidence` in the config) shows
    functions whose parameters reach SQL text, for a library's review.

    Dynamic SQL in real applications mostly builds identifiers and internal
    values, which are safe and not reported: constants of any case (module or
    class level), numbers (`int()`, `len()`, `%d`), generated names (`uuid`,
    `secrets.token_hex`), identifiers quoted by the driver (`quote_ident`,
    `psycopg.sql.Identifier`) or by the project's own quoting helper
    (`escape_sqlite(table)`), placeholder lists (`", ".join("?" * n)`), SQL an
    ORM compiled (`queryset.query.sql_with_params()`), names read from the
    database catalog (`sqlite_master`), the operator's settings, and names
    checked against a constant allow-list.

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
    # Measured on released applications (benchmarks/realworld): SQL built from a function's
    # parameters or from values of unknown origin was built from internal values every time.
    min_confidence = "high"
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
        # The false-positive shapes of released applications: generated names,
        Valid(
            """
            import secrets

            def copy_table(conn, rows):
                name = f"t{secrets.token_hex(16)}"
                conn.execute(f"create table {name} (id integer)")
                conn.executemany(f"insert into {name} values (?)", rows)
            """
        ),
        Valid(
            """
            import uuid

            def nested(cursor):
                savepoint = "sp_" + uuid.uuid4().hex
                cursor.execute(f"SAVEPOINT {savepoint}")
            """
        ),
        # identifiers quoted by the project's own helper,
        Valid(
            """
            def escape_sqlite(s):
                return '"' + s.replace('"', '""') + '"'

            class Database:
                def columns(self, conn, table):
                    return conn.execute(f"PRAGMA table_xinfo({escape_sqlite(table)})").fetchall()
            """
        ),
        # numbers,
        Valid(
            """
            def fill(conn, rows):
                quantity = len(rows)
                conn.execute(f"select value from generate_series(1, {quantity})")
            """
        ),
        Valid(
            """
            class Datasette:
                def prepare(self, conn):
                    conn.execute(f"PRAGMA cache_size=-{self.setting('cache_size_kb')}")
            """
        ),
        # SQL the ORM compiled,
        Valid(
            """
            from myapp.models import Item

            def ranked(queryset, limit):
                sql, params = queryset.query.sql_with_params()
                return Item.objects.raw(f"SELECT * FROM ({sql}) t WHERE t.rank < 10", params)
            """
        ),
        # class-level literals of any case,
        Valid(
            """
            from sqlalchemy import text

            class Search:
                _fuzzy_threshold = 0.3

                @classmethod
                def prepare(cls, session):
                    session.execute(text(f"set pg_trgm.word_similarity_threshold = {cls._fuzzy_threshold};"))
            """
        ),
        # names the database catalog lists, and the operator's settings.
        Valid(
            """
            def vacuum_all(conn):
                tables = [row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")]
                for table in tables:
                    conn.execute(f"ANALYZE [{table}]")
            """
        ),
        Valid(
            """
            from django.conf import settings
            from django.db import connection

            def set_path():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET search_path TO {settings.DB_SCHEMA}")
            """
        ),
        Valid(
            """
            import os

            def set_timeout(cursor):
                cursor.execute("SET statement_timeout = %s" % os.environ.get("STATEMENT_TIMEOUT", "30s"))
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
        # Request data of each framework, through f-strings, %, .format(), + and helpers.
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.get("/search")
            def search():
                name = request.args.get("name", "")
                return app.db.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
            """,
            line=8,
        ),
        Invalid(
            """
            from django.http import JsonResponse
            from shop.models import Product

            def products(request):
                category = request.GET["category"]
                rows = Product.objects.raw("SELECT * FROM shop_product WHERE category = '%s'" % category)
                return JsonResponse({"ids": [row.id for row in rows]})
            """,
            line=6,
        ),
        Invalid(
            """
            from fastapi import FastAPI, Depends
            from sqlalchemy import text

            app = FastAPI()

            @app.get("/orders")
            def orders(status: str, session=Depends(get_session)):
                return session.execute(text("SELECT * FROM orders WHERE status = '{}'".format(status))).all()
            """,
            line=8,
        ),
        Invalid(
            """
            import pandas as pd
            from starlette.requests import Request
            from starlette.responses import JSONResponse

            async def report(request: Request):
                region = request.query_params["region"]
                frame = pd.read_sql("SELECT * FROM sales WHERE region = '" + region + "'", engine)
                return JSONResponse(frame.to_dict())
            """,
            line=7,
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            def by_owner(owner):
                return f"SELECT * FROM notes WHERE owner = '{owner}'"

            @app.route("/notes")
            def notes():
                return app.db.execute(by_owner(request.args["owner"])).fetchall()
            """,
            line=10,
        ),
        Invalid(
            """
            from fastapi import FastAPI, Request

            app = FastAPI()

            @app.post("/rename")
            async def rename(request: Request):
                data = await request.json()
                await app.state.pool.execute(f"UPDATE items SET name = '{data['name']}' WHERE id = 1")
            """,
            line=8,
        ),
        # A library's identifier interpolated raw: the callers decide (medium confidence).
        Invalid(
            """
            class Store:
                def rows(self, conn, table):
                    return conn.execute(f"SELECT * FROM {table}").fetchall()
            """,
            line=3,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        sink = sql.sql_argument(self.context, node)
        if sink is None:
            return
        for fragment, value in zip(sink.fragments, sink.values, strict=True):
            if value.built is None:
                continue
            risky = [
                (part, found)
                for part in value.built.dynamic_parts
                if not (found := origin.origin(self.context, part)).safe
            ]
            if risky:
                part, worst = max(risky, key=lambda item: item[1].risk)
                message = self._message(sink, fragment, value.built, part, worst, len(risky) - 1)
                self.report(node, message, confidence=_CONFIDENCE[worst.kind])
                return

    def _message(
        self,
        sink: sql.SqlSink,
        fragment: cst.BaseExpression,
        built: BuiltString,
        part: cst.CSTNode,
        worst: origin.Origin,
        others: int,
    ) -> str:
        named = f" `{_short(self.context.code(fragment))}`" if isinstance(fragment, cst.Name) else ""
        verb = "wraps" if sink.builds else "runs"
        more = f" and {others} more value{'s' if others > 1 else ''} not known to be safe" if others else ""
        slots = sql.identifier_slots(built.text)
        if slots and slots >= built.text.count("?"):
            advice = (
                "table and column names cannot be bound: pick them from a constant allow-list or quote them"
            )
        elif slots:
            advice = "bind the values and pick table or column names from a constant allow-list"
        else:
            advice = "pass it as a bound parameter" if not others else "pass them as bound parameters"
        part_code = _short(self.context.code(part))
        # "from parameter `user_id` of `get_user()`" already names the part.
        if f"`{part_code}`" in (worst.source or ""):
            source = worst.phrase(names_part=True)
        else:
            source = f"`{part_code}` ({worst.phrase()})"
        return f"`{sink.name}` {verb} SQL{named} built with {built.how} from {source}{more}; {advice}"


_CONFIDENCE = {"untrusted": "high", "parameter": "medium", "unknown": "low"}


def _short(code: str) -> str:
    text = " ".join(code.split())
    return text if len(text) <= 40 else text[:37] + "..."

"""sql-injection on a corpus of realistic Flask/FastAPI/Django/SQLAlchemy/DB-API code.

Each positive case is flagged exactly once, on the line of the sink call it
names; each negative case (the nearest safe code) is not flagged. Precision
and recall over the whole corpus must both be at least 0.9, and the failure
message lists every miss and every false positive.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import libcst as cst
import pytest

from bek_gate.analysis import sql
from bek_gate.engine.context import FileContext
from bek_gate.engine.walker import Dispatcher, walk
from bek_gate.rules.base import Rule
from bek_gate.rules.loader import check_rule_class
from bek_gate.rules.testing import check_code
from tests.conftest import builtin_rules

RULE = "sql-injection"


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    line: int | None = None  # the sink's line for a positive case; None for a negative one

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")


POSITIVE = [
    Case(
        "flask-sqlite-fstring",
        """
        import sqlite3
        from flask import Flask, g, request, jsonify

        app = Flask(__name__)

        def get_db():
            if "db" not in g:
                g.db = sqlite3.connect("app.db")
            return g.db

        @app.route("/users/<username>")
        def profile(username):
            cur = get_db().cursor()
            cur.execute(f"SELECT id, email FROM users WHERE username = '{username}'")
            row = cur.fetchone()
            return jsonify(row)
        """,
        14,
    ),
    Case(
        "flask-percent-request-args",
        """
        from flask import request

        @app.get("/search")
        def search():
            term = request.args.get("q", "")
            db = get_db()
            rows = db.execute("SELECT * FROM products WHERE name LIKE '%%%s%%'" % term).fetchall()
            return {"results": [dict(r) for r in rows]}
        """,
        7,
    ),
    Case(
        "django-connection-cursor-format",
        """
        from django.db import connection
        from django.http import JsonResponse

        def order_totals(request):
            customer = request.GET["customer"]
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT SUM(total) FROM shop_order WHERE customer_id = {}".format(customer)
                )
                (total,) = cursor.fetchone()
            return JsonResponse({"total": total})
        """,
        7,
    ),
    Case(
        "django-raw-concatenation",
        """
        from blog.models import Post

        def posts_by_tag(request):
            tag = request.GET.get("tag")
            posts = Post.objects.raw(
                "SELECT * FROM blog_post WHERE tag = '" + tag + "' ORDER BY published DESC"
            )
            return render(request, "posts.html", {"posts": posts})
        """,
        5,
    ),
    Case(
        "django-rawsql-annotate",
        """
        from django.db.models.expressions import RawSQL

        def with_rank(queryset, language):
            return queryset.annotate(
                rank=RawSQL(f"ts_rank(search_vector, to_tsquery('{language}', %s))", ("term",))
            )
        """,
        5,
    ),
    Case(
        "django-extra-where",
        """
        def active_since(request):
            since = request.GET["since"]
            return Subscription.objects.extra(where=[f"created_at > '{since}'"]).order_by("-created_at")
        """,
        3,
    ),
    Case(
        "fastapi-sqlalchemy-text-fstring",
        """
        from fastapi import Depends, FastAPI
        from sqlalchemy import text
        from sqlalchemy.orm import Session

        app = FastAPI()

        @app.get("/items/{item_id}")
        def read_item(item_id: str, db: Session = Depends(get_db)):
            result = db.execute(text(f"SELECT * FROM items WHERE id = '{item_id}'"))
            return result.mappings().first()
        """,
        9,
    ),
    Case(
        "sqlalchemy-core-connect-concat",
        """
        import sqlalchemy as sa

        engine = sa.create_engine(DATABASE_URL)

        def deactivate(email):
            with engine.begin() as conn:
                conn.execute(sa.text("UPDATE accounts SET active = false WHERE email = '" + email + "'"))
        """,
        7,
    ),
    Case(
        "sqlalchemy-exec-driver-sql",
        """
        def purge_tenant(engine, tenant):
            with engine.connect() as connection:
                connection.exec_driver_sql(f"DELETE FROM events WHERE tenant = '{tenant}'")
                connection.commit()
        """,
        3,
    ),
    Case(
        "sqlite-executescript",
        """
        import sqlite3

        def create_archive(db_path, year):
            conn = sqlite3.connect(db_path)
            conn.executescript(f'''
                CREATE TABLE IF NOT EXISTS archive_{year} AS SELECT * FROM orders;
                DELETE FROM orders WHERE strftime('%Y', created) = '{year}';
            ''')
            conn.close()
        """,
        5,
    ),
    Case(
        "asyncpg-fetch-query-variable",
        """
        import asyncpg

        async def find_orders(dsn, status):
            conn = await asyncpg.connect(dsn)
            try:
                query = f"SELECT id, total FROM orders WHERE status = '{status}'"
                return await conn.fetch(query)
            finally:
                await conn.close()
        """,
        7,
    ),
    Case(
        "asyncpg-pool-fetchval-format",
        """
        class Stats:
            def __init__(self, pool):
                self.pool = pool

            async def count_for(self, country):
                async with self.pool.acquire() as conn:
                    return await conn.fetchval(
                        "SELECT count(*) FROM customers WHERE country = '{}'".format(country)
                    )
        """,
        7,
    ),
    Case(
        "aiopg-percent",
        """
        import aiopg

        async def load_user(dsn, login):
            async with aiopg.connect(dsn) as conn:
                async with conn.cursor() as cur:
                    await cur.execute("SELECT * FROM users WHERE login = '%s'" % login)
                    return await cur.fetchone()
        """,
        6,
    ),
    Case(
        "psycopg3-async-cursor",
        """
        import psycopg

        async def rename(conninfo, old, new):
            async with await psycopg.AsyncConnection.connect(conninfo) as aconn:
                async with aconn.cursor() as cur:
                    await cur.execute(f"UPDATE tags SET name = '{new}' WHERE name = '{old}'")
        """,
        6,
    ),
    Case(
        "pg8000-native-run",
        """
        import pg8000.native

        def lookup(host, sku):
            con = pg8000.native.Connection("app", host=host, password=PASSWORD)
            rows = con.run(f"SELECT name, price FROM catalogue WHERE sku = '{sku}'")
            con.close()
            return rows
        """,
        5,
    ),
    Case(
        "pandas-read-sql-query-concat",
        """
        import pandas as pd

        def monthly(engine, month):
            sql = "SELECT day, revenue FROM revenue_daily WHERE month = '" + month + "'"
            frame = pd.read_sql_query(sql, engine)
            return frame.set_index("day")
        """,
        5,
    ),
    Case(
        "pandas-read-sql-fstring",
        """
        import pandas as pd

        def load(conn, customer_id):
            return pd.read_sql(f"SELECT * FROM invoices WHERE customer_id = {customer_id}", conn)
        """,
        4,
    ),
    Case(
        "pandas-alias-import",
        """
        from pandas import read_sql as load_frame

        def churn(conn, cohort):
            return load_frame("SELECT * FROM churn WHERE cohort = '%s'" % cohort, conn)
        """,
        4,
    ),
    Case(
        "sqlalchemy-text-alias",
        """
        from sqlalchemy import text as sql_text

        def by_slug(session, slug):
            stmt = sql_text(f"SELECT * FROM pages WHERE slug = '{slug}'")
            return session.execute(stmt).first()
        """,
        4,
    ),
    Case(
        "repository-self-conn",
        """
        import sqlite3

        class NoteRepository:
            def __init__(self, path):
                self.conn = sqlite3.connect(path)

            def search(self, owner, text):
                cursor = self.conn.cursor()
                cursor.execute(
                    "SELECT id, body FROM notes WHERE owner = ? AND body LIKE '%" + text + "%'",
                    (owner,),
                )
                return cursor.fetchall()
        """,
        9,
    ),
    Case(
        "assembled-over-statements",
        """
        def find(cursor, name, city):
            sql = "SELECT id, name FROM people"
            sql += " WHERE name = '" + name + "'"
            sql += " AND city = %s"
            cursor.execute(sql, (city,))
            return cursor.fetchall()
        """,
        5,
    ),
    Case(
        "plus-equals-in-branches",
        """
        def list_tickets(cursor, status=None, assignee=None, limit=50):
            query = "SELECT * FROM tickets WHERE 1=1"
            params = []
            if status:
                query += " AND status = %s"
                params.append(status)
            if assignee:
                query += f" AND assignee = '{assignee}'"
            query += " LIMIT %s"
            params.append(limit)
            cursor.execute(query, params)
            return cursor.fetchall()
        """,
        11,
    ),
    Case(
        "conditions-list-join",
        """
        def filter_products(conn, filters):
            conditions = []
            for field, value in filters.items():
                conditions.append(f"{field} = '{value}'")
            where = " AND ".join(conditions)
            cur = conn.cursor()
            cur.execute("SELECT * FROM products WHERE " + where)
            return cur.fetchall()
        """,
        7,
    ),
    Case(
        "order-by-from-request",
        """
        @app.route("/users")
        def list_users():
            sort = request.args.get("sort", "id")
            direction = request.args.get("dir", "asc")
            cur = get_db().cursor()
            cur.execute(f"SELECT id, name FROM users ORDER BY {sort} {direction}")
            return jsonify(cur.fetchall())
        """,
        6,
    ),
    Case(
        "table-name-parameter",
        """
        def fetch_by_id(conn, table, row_id):
            cur = conn.cursor()
            cur.execute(f"SELECT * FROM {table} WHERE id = %s", (row_id,))
            return cur.fetchone()
        """,
        3,
    ),
    Case(
        "executemany-table",
        """
        def bulk_insert(conn, table, rows):
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} (name, qty) VALUES (%s, %s)", rows)
            conn.commit()
        """,
        3,
    ),
    Case(
        "psycopg2-sql-format-string",
        """
        from psycopg2 import sql

        def truncate(conn, table_name):
            with conn.cursor() as cur:
                cur.execute(sql.SQL("TRUNCATE {} CASCADE".format(table_name)))
        """,
        5,
    ),
    Case(
        "in-list-map-str",
        """
        def by_ids(cursor, ids):
            cursor.execute("SELECT * FROM orders WHERE id IN (%s)" % ",".join(map(str, ids)))
            return cursor.fetchall()
        """,
        2,
    ),
    Case(
        "update-set-from-dict",
        """
        def update_profile(cursor, user_id, changes):
            assignments = ", ".join(f"{column} = '{value}'" for column, value in changes.items())
            cursor.execute("UPDATE profiles SET " + assignments + " WHERE user_id = %s", (user_id,))
        """,
        3,
    ),
    Case(
        "django-percent-dict",
        """
        from django.db import connection

        def report(request):
            params = {"start": request.GET["start"], "end": request.GET["end"]}
            sql = "SELECT * FROM sales WHERE day BETWEEN '%(start)s' AND '%(end)s'" % params
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        """,
        7,
    ),
    Case(
        "sqlalchemy-session-execute-string",
        """
        def remove_comment(session, comment_id):
            session.execute("DELETE FROM comments WHERE id = %s" % comment_id)
            session.commit()
        """,
        2,
    ),
    Case(
        "flask-sqlalchemy-text-variable",
        """
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()

        def recent_for(username):
            query = f"SELECT * FROM posts WHERE author = '{username}' ORDER BY id DESC LIMIT 10"
            return db.session.execute(db.text(query)).all()
        """,
        7,
    ),
    Case(
        "triple-quoted-format",
        '''
        def invoices(cursor, customer, year):
            query = """
                SELECT number, total
                FROM invoices
                WHERE customer = '{customer}'
                  AND extract(year FROM issued) = {year}
            """.format(customer=customer, year=year)
            cursor.execute(query)
            return cursor.fetchall()
        ''',
        8,
    ),
    Case(
        "login-classic",
        """
        @app.route("/login", methods=["POST"])
        def login():
            username = request.form["username"]
            password = request.form["password"]
            user = db.execute(
                "SELECT * FROM users WHERE username = '" + username + "' AND password = '" + password + "'"
            ).fetchone()
            return redirect("/") if user else ("bad login", 401)
        """,
        5,
    ),
    Case(
        "databases-fetch-all-keyword",
        """
        from databases import Database

        database = Database(DATABASE_URL)

        @app.get("/notes")
        async def notes(owner: str):
            return await database.fetch_all(query=f"SELECT * FROM notes WHERE owner = '{owner}'")
        """,
        7,
    ),
    Case(
        "module-template-format",
        """
        DELETE_TEMPLATE = "DELETE FROM {table} WHERE id = {id}"

        def delete_row(cursor, table, row_id):
            cursor.execute(DELETE_TEMPLATE.format(table=table, id=row_id))
        """,
        4,
    ),
    Case(
        "psycopg2-execute-values-fstring",
        """
        from psycopg2.extras import execute_values

        def load(conn, table, rows):
            with conn.cursor() as cur:
                execute_values(cur, f"INSERT INTO {table} (a, b) VALUES %s", rows)
        """,
        5,
    ),
    Case(
        "where-clause-helper-variable",
        """
        def export(conn, start_date, region):
            where_clause = f"WHERE created >= '{start_date}'"
            if region:
                where_clause += f" AND region = '{region}'"
            cursor = conn.cursor()
            cursor.execute(f"SELECT * FROM shipments {where_clause}")
            return cursor.fetchall()
        """,
        6,
    ),
    Case(
        "helper-function-builds-where",
        """
        from sqlalchemy import text

        def search_sql(term):
            return f"SELECT id, title FROM articles WHERE title ILIKE '%{term}%'"

        @router.get("/articles")
        def articles(q: str, db: Session = Depends(get_db)):
            return db.execute(text(search_sql(q))).all()
        """,
        8,
    ),
    Case(
        "snippet-without-imports-text",
        """
        @router.post("/reports")
        async def report(body: ReportRequest, session: AsyncSession = Depends(get_session)):
            stmt = text(f"SELECT * FROM reports WHERE owner = '{body.owner}' AND year = {body.year}")
            result = await session.execute(stmt)
            return result.mappings().all()
        """,
        3,
    ),
    Case(
        "in-list-quoted-names",
        """
        def users_named(cursor, names):
            quoted = ", ".join([f"'{name}'" for name in names])
            cursor.execute(f"SELECT * FROM users WHERE name IN ({quoted})")
            return cursor.fetchall()
        """,
        3,
    ),
    Case(
        "guard-that-only-logs",
        """
        import logging

        ALLOWED = {"name", "email"}

        def sorted_users(cursor, column):
            if column not in ALLOWED:
                logging.warning("unexpected sort column %s", column)
            cursor.execute(f"SELECT * FROM users ORDER BY {column}")
        """,
        8,
    ),
    Case(
        "update-loop-plus-equals-slice",
        """
        def save(cursor, record_id, data):
            sql = "UPDATE records SET "
            for key, value in data.items():
                sql += f"{key} = '{value}', "
            sql = sql[:-2] + " WHERE id = %s"
            cursor.execute(sql, (record_id,))
        """,
        6,
    ),
    Case(
        "instance-table-from-constructor",
        """
        class Table:
            def __init__(self, conn, name):
                self.conn = conn
                self.name = name

            def count(self, owner):
                cur = self.conn.cursor()
                cur.execute(f"SELECT count(*) FROM {self.name} WHERE owner = '{owner}'")
                return cur.fetchone()[0]
        """,
        8,
    ),
    Case(
        "format-map-locals",
        """
        def by_owner(cursor, owner):
            cursor.execute("SELECT * FROM pets WHERE owner = '{owner}'".format_map(locals()))
            return cursor.fetchall()
        """,
        2,
    ),
    Case(
        "tortoise-execute-query",
        """
        from tortoise import connections

        async def purge(user_id: str):
            conn = connections.get("default")
            await conn.execute_query(f"DELETE FROM tokens WHERE user_id = '{user_id}'")
        """,
        5,
    ),
    Case(
        "postgres-default-privileges-from-cli-arguments",
        """
        import argparse

        import psycopg

        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("schema")
            parser.add_argument("role")
            args = parser.parse_args()
            schema, role = args.schema, args.role
            with psycopg.connect(DSN, autocommit=True) as conn:
                conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA %s GRANT SELECT ON TABLES TO %s" % (schema, role))
        """,
        12,
    ),
    Case(
        "ddl-comment-on-from-form",
        """
        def describe_table(cursor, table, note):
            cursor.execute(f"COMMENT ON TABLE {table} IS '{note}'")
        """,
        2,
    ),
    Case(
        "row-level-security-tenant-setting",
        """
        def use_tenant(cursor, tenant):
            cursor.execute(f"SET app.current_tenant = '{tenant}'")
        """,
        2,
    ),
    Case(
        "create-role-with-password",
        """
        def add_reader(conn, name, password):
            conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        """,
        2,
    ),
    Case(
        "copy-with-column-list-to-path",
        """
        def export(cursor, columns, path):
            cursor.execute(f"COPY invoices ({columns}) TO '{path}' WITH CSV HEADER")
        """,
        2,
    ),
    Case(
        "call-procedure-with-argument",
        """
        def recompute(cursor, account):
            cursor.execute("CALL billing.recompute_balance('%s')" % account)
        """,
        2,
    ),
    Case(
        "template-replace-then-filters-appended-in-loop",
        """
        from flask import g, request

        BASE_QUERY = "SELECT id, subject FROM tickets WHERE tenant_id = %s"

        def search_tickets():
            query = BASE_QUERY.replace("%s", str(g.tenant_id))
            for field, value in request.args.items():
                query += f" AND {field} = '{value}'"
            cur = get_db().cursor()
            cur.execute(query)
            return cur.fetchall()
        """,
        10,
    ),
    Case(
        "filters-appended-to-base-query-of-unknown-origin",
        """
        def search(cur, filters):
            query = base_query_for(filters)
            for field, value in filters.items():
                query += f" AND {field} = '{value}'"
            cur.execute(query)
        """,
        5,
    ),
]

NEGATIVE = [
    Case(
        "flask-sqlite-bound",
        """
        @app.route("/users/<username>")
        def profile(username):
            cur = get_db().cursor()
            cur.execute("SELECT id, email FROM users WHERE username = ?", (username,))
            return jsonify(cur.fetchone())
        """,
    ),
    Case(
        "psycopg2-percent-s-tuple",
        """
        def load_user(conn, login):
            with conn.cursor() as cur:
                cur.execute("SELECT * FROM users WHERE login = %s", (login,))
                return cur.fetchone()
        """,
    ),
    Case(
        "django-raw-params",
        """
        def posts_by_tag(request):
            tag = request.GET.get("tag")
            posts = Post.objects.raw("SELECT * FROM blog_post WHERE tag = %s", [tag])
            return render(request, "posts.html", {"posts": posts})
        """,
    ),
    Case(
        "django-rawsql-params",
        """
        from django.db.models.expressions import RawSQL

        def with_rank(queryset, term):
            return queryset.annotate(rank=RawSQL("ts_rank(search_vector, to_tsquery(%s))", (term,)))
        """,
    ),
    Case(
        "django-extra-params",
        """
        def active_since(request):
            since = request.GET["since"]
            return Subscription.objects.extra(where=["created_at > %s"], params=[since])
        """,
    ),
    Case(
        "sqlalchemy-text-bindparams",
        """
        from sqlalchemy import text

        def by_slug(session, slug):
            stmt = text("SELECT * FROM pages WHERE slug = :slug").bindparams(slug=slug)
            return session.execute(stmt).first()
        """,
    ),
    Case(
        "sqlalchemy-text-dict-params",
        """
        from fastapi import Depends
        from sqlalchemy import text

        @app.get("/items/{item_id}")
        def read_item(item_id: str, db=Depends(get_db)):
            result = db.execute(text("SELECT * FROM items WHERE id = :id"), {"id": item_id})
            return result.mappings().first()
        """,
    ),
    Case(
        "sqlalchemy-orm-query",
        """
        from sqlalchemy import select

        def find_user(session, name):
            stmt = select(User).where(User.name == name).order_by(User.id)
            legacy = session.query(User).filter(User.email.ilike(f"%{name}%")).all()
            return session.execute(stmt).scalars().all(), legacy
        """,
    ),
    Case(
        "django-orm-filter",
        """
        def orders(request):
            customer = request.GET["customer"]
            qs = Order.objects.filter(customer__name__icontains=customer).order_by("-created")
            return JsonResponse({"ids": list(qs.values_list("id", flat=True))})
        """,
    ),
    Case(
        "in-placeholders-multiply",
        """
        def by_ids(cursor, ids):
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute("SELECT * FROM orders WHERE id IN (" + placeholders + ")", ids)
            return cursor.fetchall()
        """,
    ),
    Case(
        "in-placeholders-generator",
        """
        def by_ids(conn, ids):
            marks = ",".join("?" for _ in ids)
            return conn.execute(f"SELECT * FROM orders WHERE id IN ({marks})", list(ids)).fetchall()
        """,
    ),
    Case(
        "asyncpg-numbered-placeholders",
        """
        async def by_ids(pool, ids):
            placeholders = ", ".join(f"${index + 1}" for index in range(len(ids)))
            async with pool.acquire() as conn:
                return await conn.fetch(f"SELECT * FROM users WHERE id IN ({placeholders})", *ids)
        """,
    ),
    Case(
        "psycopg2-sql-identifier",
        """
        from psycopg2 import sql

        def fetch_by_id(conn, table, row_id):
            query = sql.SQL("SELECT * FROM {} WHERE id = %s").format(sql.Identifier(table))
            with conn.cursor() as cur:
                cur.execute(query, (row_id,))
                return cur.fetchone()
        """,
    ),
    Case(
        "constant-concatenation",
        """
        BASE_QUERY = "SELECT id, name, email FROM users"

        def by_email(cursor, email):
            cursor.execute(BASE_QUERY + " WHERE email = %s", (email,))
            return cursor.fetchone()
        """,
    ),
    Case(
        "all-caps-table-name",
        """
        from app.settings import AUDIT_TABLE

        def log_event(cursor, actor, action):
            cursor.execute(
                f"INSERT INTO {AUDIT_TABLE} (actor, action) VALUES (%s, %s)",
                (actor, action),
            )
        """,
    ),
    Case(
        "allow-list-dict-lookup",
        """
        SORT_COLUMNS = {"name": "u.name", "joined": "u.created_at"}

        @app.get("/users")
        def list_users():
            sort = request.args.get("sort", "name")
            try:
                column = SORT_COLUMNS[sort]
            except KeyError:
                abort(400)
            cur = get_db().cursor()
            cur.execute(f"SELECT u.id, u.name FROM users u ORDER BY {column}")
            return jsonify(cur.fetchall())
        """,
    ),
    Case(
        "allow-list-membership-guard",
        """
        ALLOWED_TABLES = {"orders", "invoices", "refunds"}

        def count_rows(conn, table):
            if table not in ALLOWED_TABLES:
                raise ValueError(f"unknown table {table}")
            cur = conn.cursor()
            cur.execute(f"SELECT count(*) FROM {table}")
            return cur.fetchone()[0]
        """,
    ),
    Case(
        "int-cast",
        """
        @app.get("/events")
        def events():
            limit = int(request.args.get("limit", 20))
            offset = int(request.args.get("offset", 0))
            rows = get_db().execute(f"SELECT * FROM events ORDER BY id LIMIT {limit} OFFSET {offset}")
            return jsonify([dict(r) for r in rows])
        """,
    ),
    Case(
        "percent-d",
        """
        def page(cursor, limit, offset):
            cursor.execute("SELECT * FROM logs ORDER BY id DESC LIMIT %d OFFSET %d" % (limit, offset))
            return cursor.fetchall()
        """,
    ),
    Case(
        "logging-mentions-sql",
        """
        import logging

        logger = logging.getLogger(__name__)

        def delete_user(cursor, user_id):
            logger.info(f"executing DELETE FROM users WHERE id = {user_id}")
            logger.debug("SELECT * FROM users WHERE id = %s" % user_id)
            cursor.execute("DELETE FROM users WHERE id = %s", (user_id,))
        """,
    ),
    Case(
        "executor-execute-job",
        """
        from concurrent.futures import ThreadPoolExecutor

        class JobRunner:
            def __init__(self, executor):
                self.executor = executor

            def run_all(self, jobs):
                for job in jobs:
                    self.executor.execute(job)
                    self.executor.execute(f"job {job.name} where={job.where}")
        """,
    ),
    Case(
        "string-never-reaches-sink",
        """
        def describe_query(table, user_id):
            statement = f"SELECT * FROM {table} WHERE id = {user_id}"
            explanation = "This would run: " + statement
            return {"preview": explanation, "length": len(statement)}
        """,
    ),
    Case(
        "plus-equals-constant-fragments",
        """
        def list_tickets(cursor, status=None, assignee=None):
            query = "SELECT * FROM tickets WHERE 1=1"
            params = []
            if status:
                query += " AND status = %s"
                params.append(status)
            if assignee:
                query += " AND assignee = %s"
                params.append(assignee)
            cursor.execute(query, params)
            return cursor.fetchall()
        """,
    ),
    Case(
        "conditions-list-constant",
        """
        def filter_products(conn, name=None, min_price=None):
            conditions = []
            values = []
            if name:
                conditions.append("name ILIKE %s")
                values.append(f"%{name}%")
            if min_price is not None:
                conditions.append("price >= %s")
                values.append(min_price)
            where = " AND ".join(conditions) or "TRUE"
            with conn.cursor() as cur:
                cur.execute(f"SELECT * FROM products WHERE {where}", values)
                return cur.fetchall()
        """,
    ),
    Case(
        "class-attribute-table",
        """
        class OrderRepository:
            table = "orders"

            def __init__(self, conn):
                self.conn = conn

            def get(self, order_id):
                cur = self.conn.cursor()
                cur.execute(f"SELECT * FROM {self.table} WHERE id = %s", (order_id,))
                return cur.fetchone()
        """,
    ),
    Case(
        "django-meta-db-table",
        """
        from django.db import connection

        def vacuum_model(model):
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        """,
    ),
    Case(
        "module-constant-query",
        """
        FIND_ACTIVE = '''
            SELECT id, email FROM accounts WHERE active AND plan = %(plan)s
        '''

        def active_on(cursor, plan):
            cursor.execute(FIND_ACTIVE, {"plan": plan})
            return cursor.fetchall()
        """,
    ),
    Case(
        "pandas-read-sql-params",
        """
        import pandas as pd

        def report(engine, region):
            return pd.read_sql(
                "SELECT * FROM sales WHERE region = %(region)s", engine, params={"region": region}
            )
        """,
    ),
    Case(
        "pandas-read-sql-text",
        """
        import pandas as pd
        from sqlalchemy import text

        def report(engine, region):
            query = text("SELECT * FROM sales WHERE region = :region")
            return pd.read_sql(query, engine, params={"region": region})
        """,
    ),
    Case(
        "numeric-format-spec",
        """
        def recent(cursor, page_size):
            cursor.execute(f"SELECT * FROM posts ORDER BY id DESC LIMIT {page_size:d}")
            return cursor.fetchall()
        """,
    ),
    Case(
        "computed-offset",
        """
        PAGE_SIZE = 25

        @app.get("/comments")
        def comments():
            page = int(request.args.get("page", 1))
            offset = (page - 1) * PAGE_SIZE
            rows = db.execute(f"SELECT * FROM comments LIMIT {PAGE_SIZE} OFFSET {offset}").fetchall()
            return jsonify(rows)
        """,
    ),
    Case(
        "fastapi-literal-direction",
        """
        from typing import Literal

        from fastapi import FastAPI
        from sqlalchemy import text

        app = FastAPI()

        @app.get("/products")
        def products(order: Literal["asc", "desc"] = "asc", db=Depends(get_db)):
            return db.execute(text(f"SELECT * FROM products ORDER BY price {order}")).all()
        """,
    ),
    Case(
        "mogrify-bulk-insert",
        """
        def insert_rows(conn, rows):
            with conn.cursor() as cur:
                values = ",".join(cur.mogrify("(%s, %s, %s)", row).decode("utf-8") for row in rows)
                cur.execute("INSERT INTO measurements (sensor, ts, value) VALUES " + values)
        """,
    ),
    Case(
        "update-set-constant-fields",
        """
        UPDATABLE_FIELDS = ("name", "email", "phone")

        def update_contact(cursor, contact_id, data):
            fields = [field for field in UPDATABLE_FIELDS if field in data]
            assignments = ", ".join(f"{field} = %s" for field in fields)
            values = [data[field] for field in fields]
            cursor.execute(f"UPDATE contacts SET {assignments} WHERE id = %s", (*values, contact_id))
        """,
    ),
    Case(
        "loop-over-constant-columns",
        """
        def touch(cursor, row_id):
            for column in ("updated_at", "seen_at"):
                cursor.execute(f"UPDATE sessions SET {column} = now() WHERE id = %s", (row_id,))
        """,
    ),
    Case(
        "enum-value",
        """
        from enum import Enum

        class Status(Enum):
            ACTIVE = "active"

        def active_users(cursor):
            cursor.execute(f"SELECT * FROM users WHERE status = '{Status.ACTIVE.value}'")
            return cursor.fetchall()
        """,
    ),
    Case(
        "http-fetch-url",
        """
        from tornado.httpclient import AsyncHTTPClient

        async def lookup(name):
            client = AsyncHTTPClient()
            response = await client.fetch(f"https://api.example.com/search?select=id&where=name.eq.{name}")
            return response.body
        """,
    ),
    Case(
        "sorted-allow-list-guard-default",
        """
        ALLOWED_SORTS = ("created_at", "amount", "status")

        def payments(conn, sort):
            if sort not in ALLOWED_SORTS:
                sort = "created_at"
            cur = conn.cursor()
            cur.execute(f"SELECT * FROM payments ORDER BY {sort} DESC")
            return cur.fetchall()
        """,
    ),
    Case(
        "sqlite-executescript-constant",
        """
        import sqlite3

        SCHEMA = '''
        CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT);
        '''

        def init_db(path):
            conn = sqlite3.connect(path)
            conn.executescript(SCHEMA)
            return conn
        """,
    ),
    Case(
        "asyncpg-bound-args",
        """
        import asyncpg

        async def find_orders(dsn, status):
            conn = await asyncpg.connect(dsn)
            try:
                return await conn.fetch("SELECT id, total FROM orders WHERE status = $1", status)
            finally:
                await conn.close()
        """,
    ),
    Case(
        "subprocess-run-not-sql",
        """
        import subprocess

        def backup(database):
            subprocess.run(["pg_dump", database, "-f", f"/backups/{database}.sql"], check=True)
            loop.run_in_executor(None, compress, f"/backups/{database}.sql")
        """,
    ),
    Case(
        "sqlalchemy-quoted-identifier",
        """
        from django.db import connection

        def reset_sequence(table):
            quoted = connection.ops.quote_name(table)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{quoted}', 'id'), 1)")
        """,
    ),
    Case(
        "helper-function-constant-argument",
        """
        def count_sql(table):
            return f"SELECT count(*) FROM {table}"

        def stats(cursor):
            cursor.execute(count_sql("orders"))
            return cursor.fetchone()[0]
        """,
    ),
    Case(
        "helper-with-placeholder-locals",
        """
        def where_clause(filters):
            parts = [f"{column} = %s" for column in filters if column in FILTERABLE]
            return " AND ".join(parts)

        def search(cursor, filters):
            cursor.execute("SELECT * FROM items WHERE " + where_clause(filters), list(filters.values()))
        """,
    ),
    Case(
        "isdigit-guard",
        """
        @app.route("/orders/<order_id>")
        def order(order_id):
            if not order_id.isdigit():
                abort(404)
            row = get_db().execute(f"SELECT * FROM orders WHERE id = {order_id}").fetchone()
            return jsonify(dict(row))
        """,
    ),
    Case(
        "comprehension-filtered-by-allow-list",
        """
        ALLOWED_COLUMNS = {"name", "email", "phone"}

        def insert_contact(cursor, data):
            columns = [c for c in data if c in ALLOWED_COLUMNS]
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.execute(
                f"INSERT INTO contacts ({', '.join(columns)}) VALUES ({placeholders})",
                [data[c] for c in columns],
            )
        """,
    ),
    Case(
        "timestamps-and-uuids",
        """
        import uuid
        from datetime import datetime, timedelta

        def expire(cursor):
            cutoff = (datetime.utcnow() - timedelta(days=30)).isoformat()
            run_id = uuid.uuid4().hex
            cursor.execute(f"DELETE FROM sessions WHERE created < '{cutoff}' /* {run_id} */")
        """,
    ),
    Case(
        "settings-schema",
        """
        from django.conf import settings
        from django.db import connection

        def use_tenant_schema():
            with connection.cursor() as cursor:
                cursor.execute(f"SET search_path TO {settings.TENANT_SCHEMA}, public")
        """,
    ),
    Case(
        "graphql-client-execute",
        """
        def user_name(client, user_id):
            query = f'query {{ user(id: "{user_id}") {{ name }} }}'
            return client.execute(gql(query))
        """,
    ),
    Case(
        "neo4j-cypher-run-parameters",
        """
        def friends(driver, name):
            with driver.session() as session:
                return session.run("MATCH (p:Person {name: $name})-[:KNOWS]->(f) RETURN f", name=name).data()
        """,
    ),
    Case(
        "ddl-with-constant-names-only",
        """
        def grant_reporting(conn):
            conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO analyst")
            conn.execute("SET statement_timeout = 5000")
        """,
    ),
    Case(
        "tenant-setting-bound-with-set-config",
        """
        def use_tenant(cursor, tenant):
            cursor.execute("SELECT set_config('app.current_tenant', %s, false)", (tenant,))
        """,
    ),
    Case(
        "prose-commands-on-a-task-runner",
        """
        def schedule(runner, name, owner):
            runner.execute(f"Create a weekly report for {name}")
            runner.execute(f"Alter the plan for {owner}")
            runner.execute(f"Set timer to {name}")
            runner.execute(f"Call {owner} about the delivery")
        """,
    ),
    Case(
        "escaping-replace-on-unknown-value",
        """
        def label(renderer, title):
            renderer.execute(title.replace("'", "''"))
        """,
    ),
    Case(
        "pandas-query-with-and",
        """
        def adults(frame, name):
            return frame.query(f"name == '{name}' and age >= 18")
        """,
    ),
    Case(
        "arithmetic-on-request-value-is-a-number",
        """
        from flask import request

        def page(db):
            size = request.args.get("_size", 10)
            db.execute("select * from t limit {}".format(size + 1))
        """,
    ),
]


def _run(case: Case) -> list:
    return [f for f in check_code(builtin_rules(), [RULE], case.source) if f.rule_id == RULE]


def test_corpus_precision_and_recall() -> None:
    assert len(POSITIVE) >= 30 and len(NEGATIVE) >= 30
    true_positives = 0
    false_positives = 0
    problems = []
    for case in POSITIVE:
        findings = _run(case)
        on_line = [f for f in findings if f.line == case.line]
        if on_line:
            true_positives += 1
        else:
            problems.append(f"MISS {case.name}: expected line {case.line}, got {[f.line for f in findings]}")
        extra = [f for f in findings if f.line != case.line] + on_line[1:]
        false_positives += len(extra)
        problems += [f"FALSE POSITIVE {case.name}: line {f.line}: {f.message}" for f in extra]
    for case in NEGATIVE:
        findings = _run(case)
        false_positives += len(findings)
        problems += [f"FALSE POSITIVE {case.name}: line {f.line}: {f.message}" for f in findings]
    recall = true_positives / len(POSITIVE)
    precision = true_positives / max(true_positives + false_positives, 1)
    summary = f"precision {precision:.2f}, recall {recall:.2f}\n" + "\n".join(problems)
    assert precision >= 0.9 and recall >= 0.9, summary
    # Below the bar is a failure; any single miss is still worth seeing while the bar holds.
    print(summary)


@pytest.mark.parametrize("case", POSITIVE, ids=[case.name for case in POSITIVE])
def test_positive_case_names_sink_and_variable(case: Case) -> None:
    findings = _run(case)
    if not findings:
        pytest.skip("counted as a miss by the corpus test")
    message = findings[0].message
    assert message.startswith("`") and "()` " in message, message
    assert re.search(r" from (request data: )?(parameter )?`", message), message


def test_message_names_sink_variable_and_how() -> None:
    code = """
    def get_user(cursor, user_id):
        q = f"SELECT * FROM users WHERE id = {user_id}"
        cursor.execute(q)
    """
    (finding,) = _run(Case("message", code, 3))
    assert finding.message == (
        "`cursor.execute()` runs SQL `q` built with an f-string from parameter `user_id` of `get_user()`, "
        "whose callers are not known here; pass it as a bound parameter"
    )


def test_identifier_message_suggests_allow_list() -> None:
    code = """
    def count(cursor, table):
        cursor.execute(f"SELECT count(*) FROM {table}")
    """
    (finding,) = _run(Case("identifier", code, 2))
    assert "allow-list" in finding.message and "`table`" in finding.message


@pytest.mark.parametrize(
    "imports, call",
    [
        ("from sqlalchemy import text as sql_text", 'sql_text(f"SELECT * FROM t WHERE a = {value}")'),
        ("import sqlalchemy as sa", 'sa.text(f"SELECT * FROM t WHERE a = {value}")'),
        ("from sqlalchemy.sql import expression", 'expression.text(f"SELECT * FROM t WHERE a = {value}")'),
        ("import pandas as pd", 'pd.read_sql(f"SELECT * FROM t WHERE a = {value}", con)'),
        ("from pandas import read_sql_query as rsq", 'rsq(f"SELECT * FROM t WHERE a = {value}", con)'),
        ("from django.db.models import RawSQL as Raw", 'Raw(f"a = {value}", [])'),
        ("import psycopg.sql as psql", 'psql.SQL(f"SELECT * FROM {value}")'),
    ],
)
def test_aliases_are_resolved(imports: str, call: str) -> None:
    code = f"{imports}\n\ndef handler(con, value):\n    return {call}\n"
    findings = _run(Case("alias", code, 4))
    assert [f.line for f in findings] == [4], findings


def test_unrelated_text_function_is_not_a_sink() -> None:
    code = """
    from myapp.render import text

    def label(value):
        return text(f"SELECT {value} FROM the menu")
    """
    assert _run(Case("unrelated", code)) == []


def test_bound_parameters_with_constant_sql_are_safe_through_variables() -> None:
    code = """
    QUERY = "UPDATE accounts SET balance = balance - %s WHERE id = %s"

    def withdraw(conn, account_id, amount):
        sql = QUERY
        with conn.cursor() as cur:
            cur.execute(sql, (amount, account_id))
    """
    assert _run(Case("bound", code)) == []


# -- the shared SQL-sink helper (bek_gate/analysis/sql.py) -------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT id FROM users WHERE email = '?'",
        "select count(*) from t",
        "INSERT INTO t (a) VALUES (?)",
        "UPDATE t SET a = 1",
        "DELETE FROM t",
        " AND name = '?' ORDER BY created",
        "? WHERE id = ?",
        "CREATE TABLE IF NOT EXISTS t (id int)",
        "DROP TABLE ?",
        "WITH recent AS (SELECT 1) SELECT * FROM recent",
        "COPY t FROM STDIN",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA ? GRANT SELECT ON TABLES TO ?",
        "GRANT USAGE ON SCHEMA ? TO ?",
        "REVOKE ALL ON ? FROM ?",
        "CREATE UNLOGGED TABLE ? (id int)",
        "CREATE ROLE ? LOGIN PASSWORD '?'",
        "CREATE OR REPLACE PROCEDURE ?() LANGUAGE sql AS ?",
        "DROP MATERIALIZED VIEW IF EXISTS ?",
        "DROP ROLE ?",
        "DROP OWNED BY ?",
        "ALTER ROLE ? SET search_path TO ?",
        "ALTER TABLE ? ADD COLUMN ? text",
        "ALTER SYSTEM SET work_mem = '?'",
        "TRUNCATE ? RESTART IDENTITY",
        "COMMENT ON COLUMN ?.? IS '?'",
        "SET search_path TO ?",
        "SET app.current_tenant = '?'",
        "SET statement_timeout = ?",
        "SET LOCAL lock_timeout TO '?'",
        "SET NAMES ?",
        "SET TRANSACTION ISOLATION LEVEL ?",
        "COPY ? (a, b) TO '?' WITH CSV",
        "COPY (SELECT * FROM ?) TO STDOUT",
        "CALL billing.recompute('?')",
        "VACUUM ANALYZE ?",
        "REINDEX TABLE ?",
        "LOCK TABLE ? IN ACCESS EXCLUSIVE MODE",
        "ATTACH DATABASE '?' AS ?",
        "SAVEPOINT ?",
        "RELEASE SAVEPOINT ?",
        "ROLLBACK TO SAVEPOINT ?",
        "USE ?",
        "SHOW TABLES LIKE '?'",
        "RENAME TABLE ? TO ?",
        "? AND ? = '?'",
        " OR status LIKE '?'",
    ],
)
def test_looks_like_sql(text: str) -> None:
    assert sql.looks_like_sql(text)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "job-?",
        "Update your profile, ?",
        "https://api.example.com/search?select=id&where=name.eq.?",
        "/tmp/?.sql",
        "MATCH (n) WHERE n.name = '?' RETURN n",
        "select report for ?",
        "name == '?' and age > ?",
        "name == '?' and city != '?'",
        "Create a weekly report for ?",
        "Drop the ball on ?",
        "Alter the plan for ?",
        "Set timer to ?",
        "set -e; ./deploy.sh ?",
        "Call ? about the delivery",
        "Comment on ?'s post",
        "Show more results for ?",
        "Use the force, ?",
        "Copy ? to the clipboard",
        "Lock the door for ?",
        "Grant ? a badge",
    ],
)
def test_does_not_look_like_sql(text: str | None) -> None:
    assert not sql.looks_like_sql(text)


def _sinks(code: str, *, assume_sql: bool = False) -> list[sql.SqlSink]:
    source = textwrap.dedent(code).lstrip("\n")
    module = cst.parse_module(source)
    context = FileContext("example.py", source, module)
    found: list[sql.SqlSink] = []

    class Probe(Rule):
        id = "probe"
        title = "probe"
        severity = "low"
        fix = "none"

        def visit_Call(self, node: cst.Call) -> None:
            sink = sql.sql_argument(self.context, node, assume_sql=assume_sql)
            if sink is not None:
                found.append(sink)

    walk(context, Dispatcher([(check_rule_class(Probe), Probe(context, {}))]))
    return found


def test_sink_reports_name_sql_parameters_and_kind() -> None:
    code = """
    import sqlite3
    from sqlalchemy import text as sql_text

    conn = sqlite3.connect("app.db")

    def f(session, user_id, query):
        conn.execute("SELECT * FROM users WHERE id = ?", (user_id,))
        session.execute(sql_text("SELECT 1"))
        conn.execute(query)
    """
    # ``session.execute(sql_text(...))`` is not a second sink: the ``text()`` call is the one.
    driver, builder, unknown = _sinks(code)
    assert (driver.name, driver.explicit, driver.builds) == ("conn.execute()", True, False)
    assert driver.text == "SELECT * FROM users WHERE id = ?"
    assert isinstance(driver.parameters, cst.Tuple)
    assert (builder.name, builder.builds, builder.text) == ("sql_text()", True, "SELECT 1")
    # A DB-API receiver makes ``execute(query)`` a sink even when the text is unknown.
    assert unknown.value.kind == "unknown"


def test_generic_method_on_unknown_receiver_needs_sql_text_unless_assumed() -> None:
    code = """
    def f(executor, cursor, job, query):
        executor.execute(job)
        cursor.execute(query)
        cursor.execute("SELECT 1 FROM dual WHERE a = 1")
    """
    assert [sink.text for sink in _sinks(code)] == ["SELECT 1 FROM dual WHERE a = 1"]
    assert len(_sinks(code, assume_sql=True)) == 3


def test_django_extra_lists_every_fragment() -> None:
    code = """
    def f(qs, since):
        return qs.extra(select={"recent": "created > now()"}, where=["a = %s", f"b > '{since}'"], params=[1])
    """
    (sink,) = _sinks(code)
    assert len(sink.fragments) == 3 and sink.parameters is not None
    assert [value.kind for value in sink.values] == ["constant", "built", "constant"]

"""`manage.py tenant_admin`: maintenance for per-tenant schemas (psycopg 3)."""

from __future__ import annotations

import logging
import time

import psycopg
from psycopg import sql
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger(__name__)

LOCK_ID = 424242
TENANT_TABLES = ("accounts", "invoices", "events")


class Command(BaseCommand):
    help = "Create, reset or inspect a tenant schema"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "reset", "grant", "stats", "copy"])
        parser.add_argument("--schema", required=True)
        parser.add_argument("--table", default="events")
        parser.add_argument("--role", default="app_readonly")
        parser.add_argument("--timeout-ms", type=int, default=30_000)

    def handle(self, *args, action: str, schema: str, table: str, role: str, timeout_ms: int, **options):
        started = time.monotonic()
        with psycopg.connect(settings.TENANT_DSN, autocommit=True) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
                cur.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(timeout_ms)))
                try:
                    getattr(self, f"_{action}")(conn, cur, schema, table, role)
                finally:
                    cur.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))
        self.stdout.write(self.style.SUCCESS(f"{action} done in {time.monotonic() - started:.1f}s"))

    def _create(self, conn, cur, schema, table, role):
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        cur.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
        for name in TENANT_TABLES:
            cur.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} (LIKE public.{} INCLUDING ALL)").format(
                    sql.Identifier(name), sql.Identifier(name)
                )
            )

    def _reset(self, conn, cur, schema, table, role):
        if not self._confirm(f"truncate {schema}.{table}"):
            raise CommandError("aborted")
        cur.execute(f"TRUNCATE {schema}.{table} CASCADE")  # expect: sql-injection  # ambiguous: operator-supplied CLI argument, still unsafe SQL construction

    def _grant(self, conn, cur, schema, table, role):
        query = "GRANT SELECT ON " + schema + "." + table + " TO " + role
        cur.execute(query)  # expect: sql-injection
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA %s GRANT SELECT ON TABLES TO %s" % (schema, role))  # expect: sql-injection

    def _grant_safe(self, conn, cur, schema, table, role):
        cur.execute(
            sql.SQL("GRANT SELECT ON {}.{} TO {}").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(role)
            )
        )

    def _stats(self, conn, cur, schema, table, role):
        cur.execute(sql.SQL(f"SELECT count(*) FROM {schema}.{table}"))  # expect: sql-injection
        (count,) = cur.fetchone()
        cur.execute(
            "SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE schemaname = %s AND relname = %s",
            (schema, table),
        )
        live, dead = cur.fetchone()
        self.stdout.write(f"{schema}.{table}: {count} rows ({live} live / {dead} dead)")

    def _copy(self, conn, cur, schema, table, role):
        columns = self._columns(cur, schema, table)
        stmt = sql.SQL("INSERT INTO {dst} ({cols}) SELECT {cols} FROM public.{src} WHERE tenant = {tenant}").format(
            dst=sql.Identifier(schema, table),
            src=sql.Identifier(table),
            cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
            tenant=sql.Placeholder("tenant"),
        )
        cur.execute(stmt, {"tenant": schema})
        logger.info("copied %s rows into %s.%s", cur.rowcount, schema, table)

    def _copy_unsafe(self, conn, cur, schema, table, role):
        columns = self._columns(cur, schema, table)
        col_list = ", ".join(columns)
        cur.execute(  # expect: sql-injection  # ambiguous: column names come from the catalog, table name from the CLI
            f"INSERT INTO {schema}.{table} ({col_list}) SELECT {col_list} FROM public.{table}"
        )

    def _columns(self, cur, schema, table) -> list[str]:
        cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            ("public", table),
        )
        return [r[0] for r in cur.fetchall()]

    def _confirm(self, what: str) -> bool:
        answer = input(f"Really {what}? [y/N] ")
        return answer.strip().lower() == "y"

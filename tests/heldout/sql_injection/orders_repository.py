"""Order persistence on top of a psycopg2 connection pool."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Sequence

from psycopg2 import sql
from psycopg2.extras import RealDictCursor, execute_values
from psycopg2.pool import ThreadedConnectionPool

log = logging.getLogger(__name__)

ORDER_COLUMNS = "id, customer_id, status, total, created_at"
SORTABLE_COLUMNS = {"created": "created_at", "total": "total", "status": "status"}
ALLOWED_STATUSES = ("pending", "paid", "shipped", "cancelled")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Order:
    id: int
    customer_id: int
    status: str
    total: Decimal


class OrderRepository:
    def __init__(self, pool: ThreadedConnectionPool) -> None:
        self._pool = pool

    @contextmanager
    def _cursor(self) -> Iterator[RealDictCursor]:
        conn = self._pool.getconn()
        try:
            with conn, conn.cursor(cursor_factory=RealDictCursor) as cur:
                yield cur
        finally:
            self._pool.putconn(conn)

    def get(self, order_id: int) -> Order | None:
        with self._cursor() as cur:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = %s", (order_id,))
            row = cur.fetchone()
        return Order(**row) if row else None

    def for_customer(self, customer_id):
        with self._cursor() as cur:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE customer_id = {customer_id}")  # expect: sql-injection
            return [Order(**r) for r in cur.fetchall()]

    def by_status(self, status: str):
        query = "SELECT id, total FROM orders WHERE status = '%s'" % status
        log.debug("by_status query built")
        with self._cursor() as cur:
            cur.execute(query)  # expect: sql-injection
            return cur.fetchall()

    def by_status_safe(self, status: str):
        if status not in ALLOWED_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self._cursor() as cur:
            cur.execute("SELECT id, total FROM orders WHERE status = %s", [status])
            return cur.fetchall()

    def list_sorted(self, sort_column: str, descending: bool = False):
        direction = "DESC" if descending else "ASC"
        with self._cursor() as cur:
            cur.execute("SELECT id, total FROM orders ORDER BY " + sort_column + " " + direction)  # expect: sql-injection
            return cur.fetchall()

    def list_sorted_allowlisted(self, sort_key: str, descending: bool = False):
        column = SORTABLE_COLUMNS.get(sort_key, "created_at")
        direction = "DESC" if descending else "ASC"
        with self._cursor() as cur:
            cur.execute(f"SELECT id, total FROM orders ORDER BY {column} {direction}")
            return cur.fetchall()

    def page(self, limit, offset):
        limit = min(int(limit), MAX_PAGE_SIZE)
        offset = int(offset)
        with self._cursor() as cur:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders ORDER BY id LIMIT {limit} OFFSET {offset}")
            return cur.fetchall()

    def many(self, ids: Sequence[int]):
        if not ids:
            return []
        placeholders = ", ".join(["%s"] * len(ids))
        with self._cursor() as cur:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE id IN ({placeholders})", tuple(ids))
            return cur.fetchall()

    def many_unsafe(self, ids):
        id_list = ",".join(str(i) for i in ids)
        with self._cursor() as cur:
            cur.execute("SELECT id, total FROM orders WHERE id IN (" + id_list + ")")  # expect: sql-injection  # ambiguous: ids are probably ints, but nothing casts them
            return cur.fetchall()

    def archive_into(self, table: str, rows):
        with self._cursor() as cur:
            cur.executemany(f"INSERT INTO {table} (id, customer_id, total) VALUES (%s, %s, %s)", rows)  # expect: sql-injection

    def archive_into_safe(self, table: str, rows):
        stmt = sql.SQL("INSERT INTO {} (id, customer_id, total) VALUES %s").format(sql.Identifier(table))
        with self._cursor() as cur:
            execute_values(cur, stmt, rows)

    def mark_paid(self, order_id: int, reference: str) -> None:
        with self._cursor() as cur:
            cur.execute(
                "UPDATE orders SET status = 'paid', payment_ref = %(ref)s WHERE id = %(id)s",
                {"ref": reference, "id": order_id},
            )
        log.info(f"order {order_id} marked paid with ref {reference}")

    def search_notes(self, term: str):
        with self._cursor() as cur:
            cur.execute(
                "SELECT id FROM orders WHERE notes ILIKE %s",
                (f"%{term}%",),
            )
            return [r["id"] for r in cur.fetchall()]

    def search_notes_unsafe(self, term: str):
        with self._cursor() as cur:
            cur.execute(  # expect: sql-injection
                "SELECT id FROM orders "
                "WHERE notes ILIKE '%%{}%%'".format(term)
            )
            return [r["id"] for r in cur.fetchall()]

    def totals_by_status(self):
        base = "SELECT status, sum(total) FROM orders"
        grouping = " GROUP BY status ORDER BY status"
        with self._cursor() as cur:
            cur.execute(base + " WHERE status <> 'cancelled'" + grouping)
            return dict(cur.fetchall())

"""Inventory storage for the async API (asyncpg pool + an aiopg fallback)."""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable

import aiopg
import asyncpg

log = logging.getLogger(__name__)

EVENTS_TABLE = "inventory_events"
UPDATABLE_FIELDS = frozenset({"quantity", "reserved", "location"})


class InventoryStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def items_for_owner(self, owner: str) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return await conn.fetch(f"SELECT id, sku, quantity FROM items WHERE owner = '{owner}'")  # expect: sql-injection

    async def items_for_owner_safe(self, owner: str) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return await conn.fetch("SELECT id, sku, quantity FROM items WHERE owner = $1", owner)

    async def item(self, item_id) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await conn.fetchrow("SELECT * FROM items WHERE id = " + str(item_id))  # expect: sql-injection

    async def items(self, ids: Iterable[int]) -> list[asyncpg.Record]:
        ids = list(ids)
        placeholders = ", ".join(f"${i}" for i in range(1, len(ids) + 1))
        async with self.pool.acquire() as conn:
            return await conn.fetch(f"SELECT * FROM items WHERE id IN ({placeholders})", *ids)

    async def items_any(self, ids: list[int]) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return await conn.fetch("SELECT * FROM items WHERE id = ANY($1::bigint[])", ids)

    async def update_field(self, item_id: int, column: str, value: Any) -> None:
        await self.pool.execute(f"UPDATE items SET {column} = $1 WHERE id = $2", value, item_id)  # expect: sql-injection

    async def update_field_safe(self, item_id: int, column: str, value: Any) -> None:
        if column not in UPDATABLE_FIELDS:
            raise ValueError(f"field {column!r} cannot be updated")
        await self.pool.execute(f"UPDATE items SET {column} = $1 WHERE id = $2", value, item_id)

    async def count_events(self, kind: str) -> int:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(  # expect: sql-injection
                "SELECT count(*) FROM inventory_events WHERE kind = '{}'".format(kind)
            )

    async def count_events_safe(self, kind: str) -> int:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(f"SELECT count(*) FROM {EVENTS_TABLE} WHERE kind = $1", kind)

    async def record_events(self, table_name: str, records: list[tuple]) -> None:
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.executemany(f"INSERT INTO {table_name} (item_id, kind, payload) VALUES ($1, $2, $3)", records)  # expect: sql-injection

    async def bulk_load(self, records: list[tuple]) -> None:
        async with self.pool.acquire() as conn:
            await conn.copy_records_to_table(
                "inventory_events", records=records, columns=["item_id", "kind", "payload"]
            )

    async def record_event(self, item_id: int, kind: str, payload: dict) -> None:
        await self.pool.execute(
            "INSERT INTO inventory_events (item_id, kind, payload) VALUES ($1, $2, $3::jsonb)",
            item_id,
            kind,
            json.dumps(payload),
        )
        log.info(f"recorded {kind} for item {item_id}")


async def legacy_lookup(dsn: str, email: str):
    async with aiopg.create_pool(dsn) as pool:
        async with pool.acquire() as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT id, email FROM legacy_users WHERE email = '%s'" % email)  # expect: sql-injection
                return await cur.fetchone()


async def legacy_lookup_safe(dsn: str, email: str):
    async with aiopg.create_pool(dsn) as pool:
        async with pool.acquire() as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT id, email FROM legacy_users WHERE email = %s", (email,))
                return await cur.fetchone()


async def warm_cache(conn: asyncpg.Connection, cache) -> int:
    rows = await conn.fetch("SELECT id, sku FROM items WHERE active")
    for row in rows:
        await cache.set(f"item:{row['id']}", row["sku"])
    return len(rows)

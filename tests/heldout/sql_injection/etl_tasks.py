"""Nightly ETL: pull partner exports into staging and publish aggregates."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from datetime import datetime, timedelta, timezone

import pandas as pd
import pg8000.native
from celery import shared_task
from sqlalchemy import create_engine

from etl.config import settings

logger = logging.getLogger(__name__)

FILTERABLE = ("country", "channel", "plan")
STAGING_DDL = "CREATE TABLE IF NOT EXISTS staging_rows (batch TEXT, sku TEXT, qty INTEGER)"

engine = create_engine(settings.WAREHOUSE_URL, pool_pre_ping=True)


def _pg() -> pg8000.native.Connection:
    return pg8000.native.Connection(
        user=settings.PG_USER, host=settings.PG_HOST, database=settings.PG_DB, password=settings.PG_PASSWORD
    )


@shared_task(bind=True, max_retries=3)
def load_partner_file(self, partner: str, payload: str) -> int:
    staging = f"staging_{partner}"
    db = sqlite3.connect(settings.SCRATCH_DB)
    try:
        db.executescript(f"DROP TABLE IF EXISTS {staging}; CREATE TABLE {staging} (sku TEXT, qty INTEGER);")  # expect: sql-injection
        rows = list(csv.reader(io.StringIO(payload)))
        db.executemany(f"INSERT INTO {staging} VALUES (?, ?)", rows)  # expect: sql-injection
        db.commit()
        return len(rows)
    finally:
        db.close()


@shared_task
def load_partner_file_safe(batch_id: str, payload: str) -> int:
    db = sqlite3.connect(settings.SCRATCH_DB)
    try:
        db.executescript(STAGING_DDL + ";")
        rows = [(batch_id, sku, int(qty)) for sku, qty in csv.reader(io.StringIO(payload))]
        db.executemany("INSERT INTO staging_rows VALUES (?, ?, ?)", rows)
        db.commit()
        return len(rows)
    finally:
        db.close()


@shared_task
def purge_batch(batch_id: str) -> None:
    conn = _pg()
    try:
        conn.run(f"DELETE FROM staging_rows WHERE batch = '{batch_id}'")  # expect: sql-injection
    finally:
        conn.close()


@shared_task
def purge_batch_safe(batch_id: str) -> None:
    conn = _pg()
    try:
        conn.run("DELETE FROM staging_rows WHERE batch = :batch", batch=batch_id)
    finally:
        conn.close()


def extract_source(source_table: str, since: datetime) -> pd.DataFrame:
    return pd.read_sql(  # expect: sql-injection
        "SELECT * FROM " + source_table + " WHERE updated_at > %(since)s",
        engine,
        params={"since": since},
    )


def extract_recent(since: datetime) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT id, sku, qty FROM partner_rows WHERE updated_at > %(since)s",
        engine,
        params={"since": since},
    )


def filtered_signups(filters: dict[str, str]) -> list[tuple]:
    where = " AND ".join(f"{k} = '{v}'" for k, v in filters.items())
    with engine.connect() as conn:
        cur = conn.connection.cursor()
        cur.execute("SELECT id, email FROM signups WHERE " + where)  # expect: sql-injection
        return cur.fetchall()


def filtered_signups_safe(filters: dict[str, str]) -> list[tuple]:
    columns = [col for col in FILTERABLE if col in filters]
    where = " AND ".join(f"{col} = %s" for col in columns) or "TRUE"
    with engine.connect() as conn:
        cur = conn.connection.cursor()
        cur.execute(f"SELECT id, email FROM signups WHERE {where}", [filters[c] for c in columns])
        return cur.fetchall()


@shared_task
def publish_daily(day: str | None = None) -> None:
    day = day or (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")
    frame = pd.read_sql(f"SELECT sku, sum(qty) AS qty FROM partner_rows WHERE day = '{day}' GROUP BY sku", engine)  # expect: sql-injection
    frame.to_sql("daily_sku_totals", engine, if_exists="append", index=False)
    logger.info("published %d rows for %s", len(frame), day)


@shared_task
def publish_daily_safe(day: str) -> None:
    frame = pd.read_sql(
        "SELECT sku, sum(qty) AS qty FROM partner_rows WHERE day = %(day)s GROUP BY sku",
        engine,
        params={"day": day},
    )
    frame.to_sql(f"daily_sku_totals_{datetime.now():%Y%m}", engine, if_exists="append", index=False)
    logger.info(f"published {len(frame)} rows for {day}")

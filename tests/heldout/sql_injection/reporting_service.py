"""Analytics reports served from the warehouse through SQLAlchemy."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.models import Customer, Invoice

logger = logging.getLogger(__name__)

AUDIT_TABLE = "audit_log"
REPORT_SCHEMA = "reporting"
DEFAULT_WINDOW_DAYS = 30


class ReportService:
    def __init__(self, session: Session, engine: Engine) -> None:
        self.session = session
        self.engine = engine

    def revenue_for_region(self, region: str) -> list[dict[str, Any]]:
        rows = self.session.execute(text(f"SELECT day, revenue FROM daily_revenue WHERE region = '{region}'"))  # expect: sql-injection
        return [dict(r._mapping) for r in rows]

    def revenue_for_region_safe(self, region: str) -> list[dict[str, Any]]:
        rows = self.session.execute(
            text("SELECT day, revenue FROM daily_revenue WHERE region = :region"),
            {"region": region},
        )
        return [dict(r._mapping) for r in rows]

    def top_customers(self, country: str, limit: int = 10):
        stmt = (
            select(Customer.id, Customer.name, func.sum(Invoice.amount).label("spent"))
            .join(Invoice, Invoice.customer_id == Customer.id)
            .where(Customer.country == country)
            .group_by(Customer.id)
            .order_by(func.sum(Invoice.amount).desc())
            .limit(limit)
        )
        return self.session.execute(stmt).all()

    def churned_since(self, since: dt.date, plan: str):
        result = self.session.execute(
            text(  # expect: sql-injection
                f"""
                SELECT customer_id, cancelled_at
                  FROM subscriptions
                 WHERE cancelled_at >= :since
                   AND plan = '{plan}'
                """
            ),
            {"since": since},
        )
        return result.fetchall()

    def audit_count(self) -> int:
        return self.session.execute(text(f"SELECT count(*) FROM {AUDIT_TABLE}")).scalar_one()

    def purge_partition(self, table_name: str) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM %s WHERE created_at < now() - interval '90 days'" % table_name)  # expect: sql-injection

    def purge_audit(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "DELETE FROM audit_log WHERE created_at < now() - interval '90 days'"
            )

    def customers_matching(self, term: str):
        stmt = text("SELECT id, name FROM customers WHERE name ILIKE '%" + term + "%'")  # expect: sql-injection
        logger.debug("searching customers")
        return self.session.execute(stmt).fetchall()

    def customers_matching_safe(self, term: str):
        stmt = text("SELECT id, name FROM customers WHERE name ILIKE :pattern")
        return self.session.execute(stmt, {"pattern": f"%{term}%"}).fetchall()

    def invoices_in(self, ids: list[int]):
        stmt = text("SELECT id, amount FROM invoices WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        return self.session.execute(stmt, {"ids": ids}).fetchall()

    def metrics_frame(self, since: str) -> pd.DataFrame:
        return pd.read_sql(f"SELECT * FROM metrics WHERE day >= '{since}'", self.engine)  # expect: sql-injection

    def metrics_frame_safe(self, since: dt.date) -> pd.DataFrame:
        return pd.read_sql(
            text("SELECT day, value FROM metrics WHERE day >= :since"),
            self.engine,
            params={"since": since},
        )

    def window(self, days: int | None = None):
        days = int(days or DEFAULT_WINDOW_DAYS)
        query = f"SELECT day, sum(value) FROM metrics WHERE day >= current_date - {days} GROUP BY day"
        return self.session.execute(text(query)).fetchall()

    def schema_tables(self):
        return self.session.execute(
            text(f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{REPORT_SCHEMA}'")
        ).scalars().all()

    def describe(self, name: str) -> str:
        logger.info(f"rendering report {name} at {dt.datetime.utcnow():%H:%M}")
        return f"report:{name}"

    def refresh_view(self, view: str):
        allowed = {"daily_revenue", "weekly_revenue", "cohorts"}
        if view not in allowed:
            raise ValueError(view)
        with self.engine.begin() as conn:
            conn.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}"))


def legacy_export(engine, customer_id):
    # SQLAlchemy 1.3 style: Engine.execute with a plain string.
    rows = engine.execute("SELECT * FROM invoices WHERE customer_id = {}".format(customer_id))  # expect: sql-injection
    return [tuple(r) for r in rows]

"""Generic repository helpers shared by the Flask services (sqlite3 / DB-API)."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, ClassVar, Generic, Mapping, TypeVar

from flask import current_app, g

logger = logging.getLogger(__name__)

T = TypeVar("T")

SCHEMA_VERSION = 7
HEALTH_QUERIES = ("SELECT 1", "SELECT count(*) FROM sqlite_master")


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES)
        g.db.row_factory = sqlite3.Row
    return g.db


def migrate(db: sqlite3.Connection, version: int) -> None:
    db.execute(f"PRAGMA user_version = {int(version)}")
    db.commit()


def health(db: sqlite3.Connection) -> bool:
    db.execute(" UNION ALL ".join(HEALTH_QUERIES))
    return True


def run_script(db: sqlite3.Connection, query: str, params: Mapping[str, Any] | None = None):
    # The text is whatever the caller passed; nothing is built here.
    return db.execute(query, params or {}).fetchall()  # ambiguous: pass-through of a parameter, no construction visible -> not expected


class Repository(Generic[T]):
    table: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def get(self, pk: int) -> sqlite3.Row | None:
        cols = ", ".join(self.columns)
        return self.db.execute(f"SELECT {cols} FROM {self.table} WHERE id = ?", (pk,)).fetchone()  # ambiguous: class-level literal table/columns -> not expected

    def insert(self, values: Mapping[str, Any]) -> int:
        names = [c for c in self.columns if c in values]
        marks = ", ".join("?" for _ in names)
        cur = self.db.execute(  # ambiguous: names filtered by the class allow-list -> not expected
            f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({marks})",
            [values[n] for n in names],
        )
        self.db.commit()
        return cur.lastrowid

    def find_by(self, field: str, value: Any) -> list[sqlite3.Row]:
        return self.db.execute(f"SELECT * FROM {self.table} WHERE {field} = ?", (value,)).fetchall()  # expect: sql-injection

    def find_where(self, raw_filter: str) -> list[sqlite3.Row]:
        sql = "SELECT * FROM %s WHERE %s" % (self.table, raw_filter)
        return self.db.execute(sql).fetchall()  # expect: sql-injection

    def count(self, page_size: int) -> int:
        return self.db.execute(f"SELECT count(*) FROM (SELECT id FROM {self.table} LIMIT {page_size})").fetchone()[0]  # expect: sql-injection  # ambiguous: int annotation is not enforced at runtime


class UserRepository(Repository[dict]):
    table = "users"
    columns = ("id", "email", "display_name", "created_at")

    def by_email(self, email: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT id, email FROM users WHERE email = ?", (email.lower(),)).fetchone()

    def by_email_unsafe(self, email: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT id, email FROM users WHERE email = '" + email.lower() + "'").fetchone()  # expect: sql-injection

    def set_display_name(self, user_id: int, name: str) -> None:
        self.db.execute("UPDATE users SET display_name = :name WHERE id = :id", {"name": name, "id": user_id})
        self.db.commit()
        logger.info("user %s renamed", user_id)


def cache_key_for(user_id: int, scope: str) -> str:
    return f"SELECT:{scope}:{user_id}"


def describe_table(db: sqlite3.Connection, table: str) -> list[str]:
    known = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if table not in known:
        raise LookupError(table)
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]  # ambiguous: validated against the live catalog -> not expected

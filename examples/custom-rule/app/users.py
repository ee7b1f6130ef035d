"""User lookups, with bound parameters (sql-injection, the built-in rule, stays quiet)."""

import sqlite3

from werkzeug.security import check_password_hash

DATABASE = "app.db"


def check_password(email: str, password: str) -> int | None:
    with sqlite3.connect(DATABASE) as connection:
        row = connection.execute("SELECT id, password_hash FROM users WHERE email = ?", (email,)).fetchone()
    if row is None or not check_password_hash(row[1], password):
        return None
    return row[0]

"""Ticket search for the support dashboard: dynamic filters over a psycopg2 connection (Flask)."""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, abort, g, jsonify, request

from .db import get_conn

logger = logging.getLogger(__name__)
bp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets")

BASE_QUERY = "SELECT id, subject, status, priority, assignee_id, created_at FROM tickets WHERE tenant_id = %s"
SAVED_QUERIES = {
    "open": "SELECT id, subject FROM tickets WHERE tenant_id = %s AND status = 'open'",
    "stale": "SELECT id, subject FROM tickets WHERE tenant_id = %s AND updated_at < now() - interval '14 days'",
}
SORTS = {"newest": "created_at DESC", "oldest": "created_at ASC", "priority": "priority DESC, created_at DESC"}


@bp.get("/")
def list_tickets():
    query = BASE_QUERY
    params: list = [g.tenant_id]
    if status := request.args.get("status"):
        query += " AND status = %s"
        params.append(status)
    if assignee := request.args.get("assignee"):
        query += " AND assignee_id = %s"
        params.append(int(assignee))
    if since := request.args.get("since"):
        query += " AND created_at >= %s"
        params.append(date.fromisoformat(since))
    query += " ORDER BY " + SORTS.get(request.args.get("sort", "newest"), SORTS["newest"])
    query += " LIMIT 100"
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return jsonify(cur.fetchall())


@bp.get("/legacy")
def list_tickets_legacy():
    query = BASE_QUERY.replace("%s", str(g.tenant_id))
    for field in ("status", "priority", "channel"):
        value = request.args.get(field)
        if value:
            query += f" AND {field} = '{value}'"
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute(query)  # expect: sql-injection
        return jsonify(cur.fetchall())


@bp.get("/saved/<name>")
def saved(name: str):
    if name not in SAVED_QUERIES:
        abort(404)
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute(SAVED_QUERIES[name], (g.tenant_id,))
        return jsonify(cur.fetchall())


@bp.get("/count")
def count():
    archived = request.args.get("archived") == "1"
    extra = " AND archived_at IS NOT NULL" if archived else " AND archived_at IS NULL"
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM tickets WHERE tenant_id = %s" + extra, (g.tenant_id,))
        return jsonify({"count": cur.fetchone()[0]})


@bp.get("/by-priority")
def by_priority():
    priority = request.args.get("priority", "1")
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM tickets WHERE tenant_id = %s AND priority = %d" % (g.tenant_id, int(priority)))
        return jsonify([r[0] for r in cur.fetchall()])


@bp.get("/by-tag")
def by_tag():
    tag = request.args["tag"]
    query = "SELECT t.id FROM tickets t JOIN ticket_tags tt ON tt.ticket_id = t.id WHERE tt.tag = '%(tag)s'"
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute(query % {"tag": tag})  # expect: sql-injection
        return jsonify([r[0] for r in cur.fetchall()])


@bp.get("/by-tag-safe")
def by_tag_safe():
    tag = request.args["tag"]
    query = "SELECT t.id FROM tickets t JOIN ticket_tags tt ON tt.ticket_id = t.id WHERE tt.tag = %(tag)s"
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute(query, {"tag": tag})
        return jsonify([r[0] for r in cur.fetchall()])


@bp.post("/bulk-close")
def bulk_close():
    ids = request.get_json()["ids"]
    id_list = ", ".join(str(int(i)) for i in ids)
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute(f"UPDATE tickets SET status = 'closed' WHERE tenant_id = %s AND id IN ({id_list})", (g.tenant_id,))
        logger.info("closed %d tickets", cur.rowcount)
    return jsonify({"closed": len(ids)})


@bp.post("/bulk-tag")
def bulk_tag():
    body = request.get_json()
    values = ", ".join(f"({int(i)}, '{body['tag']}')" for i in body["ids"])
    with get_conn() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO ticket_tags (ticket_id, tag) VALUES " + values)  # expect: sql-injection
    return jsonify({"ok": True})


@bp.get("/search")
def search():
    term = request.args.get("q", "")
    with get_conn() as conn, conn.cursor() as cur:
        safe_term = term.replace("'", "''")
        cur.execute(f"SELECT id FROM tickets WHERE subject ILIKE '%{safe_term}%'")  # expect: sql-injection  # ambiguous: hand-rolled quote escaping, still string-built SQL
        rows = cur.fetchall()
        logger.debug(f"search for {term!r} matched {len(rows)} tickets")
        return jsonify([r[0] for r in rows])


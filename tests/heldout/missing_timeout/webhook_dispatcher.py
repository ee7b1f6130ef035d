"""Deliver outgoing webhooks for a Flask app (settings-driven)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from datetime import datetime, timezone

import requests
from flask import Blueprint, current_app, jsonify, request
from requests.adapters import HTTPAdapter

from .models import Delivery, Webhook, db

logger = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks")

WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "5"))


class TimeoutHTTPAdapter(HTTPAdapter):
    def __init__(self, *args, timeout: float = WEBHOOK_TIMEOUT, **kwargs) -> None:
        self.timeout = timeout
        super().__init__(*args, **kwargs)

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _signed_headers(hook: Webhook, body: bytes) -> dict[str, str]:
    digest = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Signature": f"sha256={digest}"}


def deliver(hook: Webhook, event: dict) -> Delivery:
    body = json.dumps(event).encode()
    resp = requests.put(hook.url, data=body, headers=_signed_headers(hook, body))  # expect: missing-timeout
    return _record(hook, resp.status_code)


def deliver_configured(hook: Webhook, event: dict) -> Delivery:
    body = json.dumps(event).encode()
    resp = requests.post(hook.url, data=body, headers=_signed_headers(hook, body), timeout=current_app.config["WEBHOOK_TIMEOUT"])
    return _record(hook, resp.status_code)


def deliver_with_getattr(hook: Webhook, event: dict, settings) -> Delivery:
    body = json.dumps(event).encode()
    resp = requests.post(hook.url, data=body, timeout=getattr(settings, "WEBHOOK_TIMEOUT", 5))
    return _record(hook, resp.status_code)


def deliver_batch(hooks: list[Webhook], event: dict) -> list[Delivery]:
    session = requests.Session()
    session.headers.update({"User-Agent": "acme-webhooks/2.1"})
    deliveries = []
    for hook in hooks:
        body = json.dumps(event).encode()
        resp = session.post(hook.url, data=body, headers=_signed_headers(hook, body))  # expect: missing-timeout
        deliveries.append(_record(hook, resp.status_code))
    return deliveries


def deliver_batch_adapter(hooks: list[Webhook], event: dict) -> list[Delivery]:
    session = requests.Session()
    session.mount("https://", TimeoutHTTPAdapter(timeout=WEBHOOK_TIMEOUT))
    session.mount("http://", TimeoutHTTPAdapter(timeout=WEBHOOK_TIMEOUT))
    deliveries = []
    for hook in hooks:
        body = json.dumps(event).encode()
        resp = session.post(hook.url, data=body, headers=_signed_headers(hook, body))  # ambiguous: the mounted adapter supplies a default timeout -> not expected
        deliveries.append(_record(hook, resp.status_code))
    return deliveries


def check_endpoint(url: str) -> bool:
    with requests.Session() as s:
        return s.head(url, allow_redirects=True).ok  # expect: missing-timeout


def check_endpoint_explicit_none(url: str) -> bool:
    return requests.get(url, timeout=None).ok  # expect: missing-timeout


def check_endpoint_safe(url: str) -> bool:
    return requests.head(url, allow_redirects=True, timeout=WEBHOOK_TIMEOUT).ok


def _record(hook: Webhook, status: int) -> Delivery:
    delivery = Delivery(webhook_id=hook.id, status=status, delivered_at=datetime.now(timezone.utc))
    db.session.add(delivery)
    db.session.commit()
    return delivery


@bp.post("/<int:hook_id>/test")
def send_test(hook_id: int):
    hook = db.session.get(Webhook, hook_id)
    delivery = deliver_configured(hook, {"type": "ping", "requested_by": request.remote_addr})
    return jsonify({"status": delivery.status})


@bp.get("/<int:hook_id>")
def show(hook_id: int):
    hook = db.get_or_404(Webhook, hook_id)
    cached = current_app.extensions["cache"].get(f"hook:{hook_id}")
    params = request.args.get("expand", "")
    return jsonify({"id": hook.id, "url": hook.url, "cached": cached is not None, "expand": params})


def smoke_test(app) -> None:
    client = app.test_client()
    assert client.get("/api/v1/webhooks/1").status_code in (200, 404)
    assert os.environ.get("WEBHOOK_TIMEOUT") is not None or WEBHOOK_TIMEOUT == 5

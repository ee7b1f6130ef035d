"""Shipping carrier adapters (label purchase, tracking) used by the Django order pipeline."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from http.client import HTTPSConnection as Conn
from typing import Any

import requests
from django.conf import settings

from .client import get as internal_get

logger = logging.getLogger(__name__)


@dataclass
class Label:
    tracking_number: str
    pdf_url: str


class Carrier(ABC):
    name: str
    timeout: float = 8.0

    def __init__(self, session: requests.Session | None = None) -> None:
        self.session = session or requests.Session()

    @abstractmethod
    def buy_label(self, shipment: dict[str, Any]) -> Label: ...

    def _post(self, url: str, payload: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        resp = self.session.post(url, json=payload, timeout=self.timeout, **kwargs)
        resp.raise_for_status()
        return resp.json()


class FastShip(Carrier):
    name = "fastship"

    def buy_label(self, shipment: dict[str, Any]) -> Label:
        data = self._post(f"{settings.FASTSHIP_URL}/labels", shipment)
        return Label(data["tracking"], data["label_url"])

    def track(self, tracking_number: str) -> dict[str, Any]:
        return self.session.get(f"{settings.FASTSHIP_URL}/track/{tracking_number}").json()  # expect: missing-timeout


class SlowPost(Carrier):
    name = "slowpost"

    def buy_label(self, shipment: dict[str, Any]) -> Label:
        resp = requests.Session().post(f"{settings.SLOWPOST_URL}/v1/labels", json=shipment)  # expect: missing-timeout
        resp.raise_for_status()
        data = resp.json()
        return Label(data["id"], data["pdf"])

    def track(self, tracking_number: str) -> dict[str, Any]:
        conn = Conn(settings.SLOWPOST_HOST)  # expect: missing-timeout
        conn.request("GET", f"/v1/track/{tracking_number}")
        return {"status": conn.getresponse().status}

    def track_safe(self, tracking_number: str) -> dict[str, Any]:
        conn = Conn(settings.SLOWPOST_HOST, timeout=self.timeout)
        conn.request("GET", f"/v1/track/{tracking_number}")
        return {"status": conn.getresponse().status}


def rates(session: requests.Session, origin: str, destination: str) -> list[dict[str, Any]]:
    resp = session.get(f"{settings.RATES_URL}/quote", params={"from": origin, "to": destination})  # expect: missing-timeout  # ambiguous: only the annotation says this is a requests.Session
    return resp.json()["rates"]


def rates_safe(session: requests.Session, origin: str, destination: str) -> list[dict[str, Any]]:
    resp = session.get(f"{settings.RATES_URL}/quote", params={"from": origin, "to": destination}, timeout=settings.HTTP_TIMEOUT)
    return resp.json()["rates"]


def carrier_status(carrier: str) -> str:
    # our own wrapper module, which applies a default timeout itself
    return internal_get(f"{settings.STATUS_URL}/{carrier}")["status"]


def carrier_config(carrier: str) -> dict[str, Any]:
    config = settings.CARRIERS.get(carrier, {})
    return {"enabled": config.get("enabled", False), "name": carrier}


def long_poll_events(cursor: str, wait: bool = True) -> list[dict[str, Any]]:
    timeout = None if wait else 10
    resp = requests.get(f"{settings.EVENTS_URL}/events", params={"cursor": cursor}, timeout=timeout)  # expect: missing-timeout  # ambiguous: timeout is None on the long-poll branch
    return resp.json()["events"]


def notify_ops(message: str) -> None:
    try:
        requests.post(settings.OPS_WEBHOOK, json={"text": message}, timeout=settings.OPS_WEBHOOK_TIMEOUT)
    except requests.RequestException:
        logger.exception("could not notify ops")


def download_label(url: str, dest: str) -> None:
    with requests.get(url, stream=True) as resp:  # expect: missing-timeout
        resp.raise_for_status()
        with open(dest, "wb") as fh:
            for chunk in resp.iter_content(chunk_size=65536):
                fh.write(chunk)

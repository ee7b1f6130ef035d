"""Thin client for the payments provider's REST API."""

from __future__ import annotations

import hmac
import logging
import uuid
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from billing.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (3.05, 20)


class PaymentsError(RuntimeError):
    pass


@dataclass
class Charge:
    id: str
    status: str
    amount: int


class PaymentsClient:
    timeout = 10

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.session = requests.Session()
        retries = Retry(total=3, backoff_factor=0.5, status_forcelist=(502, 503, 504))
        self.session.mount("https://", HTTPAdapter(max_retries=retries))
        self.session.headers.update({"Authorization": f"Bearer {api_key}"})

    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def _request_kwargs(self) -> dict[str, Any]:
        return {"timeout": self.timeout, "headers": self._headers()}

    def create_charge(self, amount: int, currency: str, source: str) -> Charge:
        payload = {"amount": amount, "currency": currency, "source": source}
        resp = requests.post(f"{self.base_url}/charges", json=payload, headers=self._headers(str(uuid.uuid4())))  # expect: missing-timeout
        resp.raise_for_status()
        return Charge(**resp.json())

    def create_charge_safe(self, amount: int, currency: str, source: str) -> Charge:
        payload = {"amount": amount, "currency": currency, "source": source}
        resp = requests.post(
            f"{self.base_url}/charges",
            json=payload,
            headers=self._headers(str(uuid.uuid4())),
            timeout=self.timeout,
        )
        resp.raise_for_status()
        return Charge(**resp.json())

    def get_charge(self, charge_id: str) -> Charge:
        resp = self.session.get(f"{self.base_url}/charges/{charge_id}")  # expect: missing-timeout
        resp.raise_for_status()
        return Charge(**resp.json())

    def get_charge_safe(self, charge_id: str) -> Charge:
        resp = self.session.get(f"{self.base_url}/charges/{charge_id}", timeout=DEFAULT_TIMEOUT)
        resp.raise_for_status()
        return Charge(**resp.json())

    def list_charges(self, **filters: Any) -> list[Charge]:
        resp = requests.get(f"{self.base_url}/charges", params=filters, **self._request_kwargs())
        resp.raise_for_status()
        return [Charge(**c) for c in resp.json()["data"]]

    def refund(self, charge_id: str, amount: int | None = None) -> None:
        resp = self.session.post(
            f"{self.base_url}/charges/{charge_id}/refunds",
            json={"amount": amount} if amount else {},
            timeout=settings.PAYMENTS_TIMEOUT,
        )
        if resp.status_code >= 400:
            raise PaymentsError(resp.text)

    def cancel(self, charge_id: str) -> None:
        resp = requests.request("DELETE", f"{self.base_url}/charges/{charge_id}", headers=self._headers())  # expect: missing-timeout
        resp.raise_for_status()

    def capture(self, charge_id: str) -> None:
        self.session.request(  # expect: missing-timeout
            "POST",
            f"{self.base_url}/charges/{charge_id}/capture",
            headers=self._headers(),
        ).raise_for_status()

    def prepared(self, charge_id: str) -> requests.PreparedRequest:
        return requests.Request("GET", f"{self.base_url}/charges/{charge_id}").prepare()

    def verify_signature(self, body: bytes, signature: str) -> bool:
        expected = hmac.new(settings.WEBHOOK_SECRET.encode(), body, sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def balance(self) -> int:
        data = self.session.get(self.base_url + "/balance", timeout=settings.PAYMENTS_TIMEOUT).json()
        cached = settings.CACHE.get("balance")
        return data.get("available", cached or 0)

"""OAuth2 client for the partner CRM, used by background sync workers (httpx + structlog)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import httpx
import structlog

log = structlog.get_logger(__name__)


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


@dataclass
class OAuthToken:
    access_token: str
    refresh_token: str | None
    expires_at: float
    scope: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at - 30


class CRMClient:
    def __init__(self, base_url: str, client_id: str, client_secret: str, api_key: str) -> None:
        self.base_url = base_url
        self.token_url = f"{base_url}/oauth/token"
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_key = api_key
        self._token: OAuthToken | None = None
        self._http = httpx.Client(base_url=base_url, timeout=10.0)
        log.info("client ready", client_id=client_id, token_url=self.token_url)
        log.bind(api_key=api_key).info("client configured")  # expect: sensitive-data-in-logs  # ambiguous: the secret is bound to the logger, the call that writes it is .info on the same line

    def _exchange(self, data: dict) -> OAuthToken:
        log.debug("exchanging grant", grant_type=data["grant_type"], client_secret=self.client_secret)  # expect: sensitive-data-in-logs
        resp = self._http.post(self.token_url, data={**data, "client_id": self.client_id, "client_secret": self.client_secret})
        resp.raise_for_status()
        token = resp.json()
        log.info("token_received", access_token=token["access_token"])  # expect: sensitive-data-in-logs
        log.info("token_received", expires_in=token["expires_in"], scope=token.get("scope"))
        log.info("token_flags", has_refresh_token="refresh_token" in token)
        return OAuthToken(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=time.time() + token["expires_in"],
            scope=token.get("scope", ""),
        )

    def authenticate(self, code: str, redirect_uri: str) -> None:
        self._token = self._exchange({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
        log.info("authenticated", redirect_uri=redirect_uri)

    def refresh(self) -> None:
        assert self._token and self._token.refresh_token
        new_token = self._exchange({"grant_type": "refresh_token", "refresh_token": self._token.refresh_token})
        log.info("refreshed", token=new_token.access_token)  # expect: sensitive-data-in-logs
        log.info("refreshed", token_fingerprint=fingerprint(new_token.access_token), expires_at=new_token.expires_at)
        self._token = new_token

    def _headers(self) -> dict[str, str]:
        if self._token is None or self._token.expired:
            self.refresh()
        headers = {"Authorization": f"Bearer {self._token.access_token}", "X-Api-Key": self.api_key}
        log.debug("request headers", headers={"Authorization": f"Bearer {self._token.access_token}"})  # expect: sensitive-data-in-logs
        return headers

    def contacts(self, updated_since: str) -> list[dict]:
        resp = self._http.get("/v3/contacts", params={"updated_since": updated_since}, headers=self._headers())
        log.info("contacts fetched", count=len(resp.json()["items"]), status=resp.status_code)
        if resp.status_code == 401:
            log.warning("unauthorized", api_key=self.api_key, body=resp.text[:200])  # expect: sensitive-data-in-logs
        return resp.json()["items"]

    def revoke(self) -> None:
        if self._token is None:
            return
        self._http.post("/oauth/revoke", data={"token": self._token.access_token})
        log.info("token revoked", client_id=self.client_id, token_type="access_token")
        log.info(f"revoked token {self._token.access_token[:4]}****")
        self._token = None


def sync_worker(client: CRMClient, since: str) -> int:
    logger = log.bind(worker="crm-sync", since=since)
    items = client.contacts(since)
    logger.info("sync done", items=len(items))
    logger.debug("auth state", token=client._token)  # expect: sensitive-data-in-logs  # ambiguous: the whole token object (its repr contains the access token)
    return len(items)

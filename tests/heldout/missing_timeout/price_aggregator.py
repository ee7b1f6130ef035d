"""Async price aggregator: polls supplier APIs and a raw TCP quote feed (FastAPI app)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
from fastapi import Depends, FastAPI

from pricing.config import Settings, get_settings

logger = logging.getLogger(__name__)

SUPPLIERS = {
    "acme": "https://api.acme.example/v2/prices",
    "globex": "https://prices.globex.example/feed",
}


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient()
    app.state.aio = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30, connect=5))
    yield
    await app.state.http.aclose()
    await app.state.aio.close()


app = FastAPI(lifespan=lifespan)


class SupplierPoller:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connect_timeout = settings.quote_connect_timeout

    async def poll_acme(self) -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as session:
            async with session.get(SUPPLIERS["acme"]) as resp:
                return await resp.json()

    async def poll_acme_stream(self) -> list[dict[str, Any]]:
        # aiohttp treats a session-level timeout=None as "use the default" (ClientTimeout(total=300)),
        # so this is bounded; only a per-request timeout=None switches the limit off.
        async with aiohttp.ClientSession(timeout=None) as session:
            async with session.get(SUPPLIERS["acme"] + "/stream") as resp:  # ambiguous: unbounded through the session built above; reported there, not here
                return [json.loads(line) async for line in resp.content]

    async def poll_acme_unbounded(self) -> list[dict[str, Any]]:
        timeout = aiohttp.ClientTimeout(total=None)
        async with aiohttp.ClientSession(timeout=timeout) as session:  # expect: missing-timeout  # ambiguous: total=None with no sock_read means no limit at all
            async with session.get(SUPPLIERS["acme"]) as resp:
                return await resp.json()

    async def poll_globex(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        async with session.get(SUPPLIERS["globex"], timeout=None) as resp:  # expect: missing-timeout
            return await resp.json()

    async def poll_globex_safe(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        async with session.get(SUPPLIERS["globex"], timeout=aiohttp.ClientTimeout(total=self.settings.supplier_timeout)) as resp:
            return await resp.json()

    async def push_quotes(self, quotes: list[dict[str, Any]]) -> None:
        async with httpx.AsyncClient(timeout=None) as client:  # expect: missing-timeout
            await client.post(self.settings.quotes_sink, json=quotes)

    async def push_quotes_safe(self, quotes: list[dict[str, Any]]) -> None:
        async with httpx.AsyncClient(timeout=self.settings.sink_timeout) as client:
            await client.post(self.settings.quotes_sink, json=quotes)

    async def push_quotes_default(self, client: httpx.AsyncClient, quotes: list[dict[str, Any]]) -> None:
        await client.post(self.settings.quotes_sink, json=quotes)

    async def push_quotes_slow(self, client: httpx.AsyncClient, quotes: list[dict[str, Any]]) -> None:
        await client.post(self.settings.quotes_sink, json=quotes, timeout=None)  # expect: missing-timeout

    def raw_quote(self, symbol: str) -> str:
        with socket.create_connection((self.settings.quote_host, self.settings.quote_port)) as sock:  # expect: missing-timeout
            sock.sendall(f"QUOTE {symbol}\n".encode())
            return sock.recv(1024).decode().strip()

    def raw_quote_safe(self, symbol: str) -> str:
        with socket.create_connection((self.settings.quote_host, self.settings.quote_port), self.connect_timeout) as sock:
            sock.sendall(f"QUOTE {symbol}\n".encode())
            return sock.recv(1024).decode().strip()

    def raw_quote_kw(self, symbol: str) -> str:
        addr = (self.settings.quote_host, self.settings.quote_port)
        with socket.create_connection(addr, timeout=3) as sock:
            sock.sendall(f"QUOTE {symbol}\n".encode())
            return sock.recv(1024).decode().strip()


@app.get("/v1/prices/{sku}")
async def price(sku: str, settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    resp = await app.state.http.get(f"{settings.catalog_url}/skus/{sku}")
    best = min(resp.json()["offers"], key=lambda o: o["price"])
    return {"sku": sku, "price": best["price"], "supplier": best["supplier"]}


@app.get("/v1/prices/{sku}/history")
async def history(sku: str, settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    async with app.state.aio.get(f"{settings.history_url}/{sku}") as resp:
        return {"sku": sku, "points": await resp.json()}


async def poll_forever(poller: SupplierPoller, interval: float) -> None:
    while True:
        try:
            await asyncio.wait_for(poller.poll_acme(), timeout=interval)
        except asyncio.TimeoutError:
            logger.warning("acme poll exceeded %.1fs", interval)
        await asyncio.sleep(interval)

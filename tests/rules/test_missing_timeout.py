"""missing-timeout on a corpus of service code: precision and recall, plus the shared client table.

Each snippet marks the lines the rule must flag with a trailing ``# flag``
comment; every other line must stay silent. Lines are counted, so a finding
on the wrong line is both a miss and a false positive.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest

from bek_gate.analysis import clients
from bek_gate.rules.testing import check_code
from tests.conftest import builtin_rules

RULE = "missing-timeout"
MARK = "# flag"


@dataclass(frozen=True)
class Snippet:
    name: str
    code: str

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")

    @property
    def expected_lines(self) -> set[int]:
        return {
            number for number, line in enumerate(self.source.splitlines(), 1) if line.rstrip().endswith(MARK)
        }


POSITIVE = [
    Snippet(
        "requests.get in a view",
        """
        import requests

        def exchange_rate(currency):
            response = requests.get(f"https://rates.example.com/latest?base={currency}")  # flag
            response.raise_for_status()
            return response.json()["rate"]
        """,
    ),
    Snippet(
        "requests.post with a JSON body",
        """
        import requests

        def notify_slack(webhook_url, text):
            requests.post(webhook_url, json={"text": text})  # flag
        """,
    ),
    Snippet(
        "import requests as r",
        """
        import requests as r

        def update_profile(user_id, payload):
            return r.put(f"{API}/users/{user_id}", json=payload, headers=HEADERS)  # flag
        """,
    ),
    Snippet(
        "from requests import get as fetch",
        """
        from requests import get as fetch

        def load_manifest(url):
            return fetch(url).json()  # flag
        """,
    ),
    Snippet(
        "from requests import post, in a Celery task",
        """
        from celery import shared_task
        from requests import post

        @shared_task(bind=True, max_retries=3)
        def deliver_webhook(self, url, event):
            resp = post(url, json=event, headers={"X-Signature": sign(event)})  # flag
            if resp.status_code >= 500:
                raise self.retry()
        """,
    ),
    Snippet(
        "API client class with a session in __init__",
        """
        import requests

        class GitHubClient:
            def __init__(self, token):
                self.session = requests.Session()
                self.session.headers["Authorization"] = f"token {token}"

            def repo(self, owner, name):
                resp = self.session.get(f"https://api.github.com/repos/{owner}/{name}")  # flag
                resp.raise_for_status()
                return resp.json()
        """,
    ),
    Snippet(
        "with requests.Session() as s",
        """
        import requests

        def upload_report(url, files):
            with requests.Session() as s:
                s.headers.update({"User-Agent": "reporter/1.0"})
                return s.post(url, files=files)  # flag
        """,
    ),
    Snippet(
        "module-level session used in a function",
        """
        import requests

        http = requests.Session()
        http.headers.update({"Accept": "application/json"})

        def get_order(order_id):
            return http.get(f"{ORDERS_URL}/{order_id}").json()  # flag
        """,
    ),
    Snippet(
        "requests.request with a method",
        """
        import requests

        def proxy(method, path, body):
            return requests.request(method, UPSTREAM + path, data=body, headers={"Host": "api"})  # flag
        """,
    ),
    Snippet(
        "session.request in a base client",
        """
        import requests

        class BaseClient:
            def __init__(self, base_url):
                self.base_url = base_url
                self.session = requests.Session()

            def _request(self, method, path, payload=None):
                url = self.base_url + path
                return self.session.request(method, url, json=payload)  # flag
        """,
    ),
    Snippet(
        "injected session or a new one",
        """
        from typing import Optional

        import requests

        class PaymentsClient:
            def __init__(self, api_key: str, session: Optional[requests.Session] = None):
                self.session = session or requests.Session()
                self.api_key = api_key

            def charge(self, amount):
                return self.session.post(CHARGES_URL, data={"amount": amount}, auth=(self.api_key, ""))  # flag
        """,
    ),
    Snippet(
        "session set up by a base client in the same module",
        """
        import requests

        class CarrierClient:
            def __init__(self, session=None):
                self.session = session or requests.Session()

        class TrackingMixin:
            pass

        class UpsClient(TrackingMixin, CarrierClient):
            def track(self, number):
                return self.session.get(f"{UPS_URL}/track/{number}").json()  # flag

        class DhlClient(UpsClient):
            def label(self, shipment):
                return self.session.post(f"{DHL_URL}/labels", json=shipment, timeout=10).json()

            def status(self, number):
                return self.session.get(f"{DHL_URL}/status/{number}")  # flag
        """,
    ),
    Snippet(
        "parameter annotated as a requests session",
        """
        import requests

        def fetch_page(session: requests.Session, url: str) -> str:
            return session.get(url).text  # flag
        """,
    ),
    Snippet(
        "timeout=None explicitly",
        """
        import requests

        def stream_export(url):
            return requests.get(url, stream=True, timeout=None)  # flag
        """,
    ),
    Snippet(
        "timeout constant that is None",
        """
        import requests

        HTTP_TIMEOUT = None

        def ping(url):
            return requests.head(url, timeout=HTTP_TIMEOUT)  # flag
        """,
    ),
    Snippet(
        "tuple with no read timeout",
        """
        import requests

        def download(url):
            return requests.get(url, timeout=(3.05, None))  # flag
        """,
    ),
    Snippet(
        "timeout variable assigned None",
        """
        import requests

        def sync_catalog(session, url):
            timeout = None
            return requests.get(url, timeout=timeout)  # flag
        """,
    ),
    Snippet(
        "**kwargs from a dict literal without a timeout",
        """
        import requests

        def create_invoice(payload):
            request_kwargs = {"json": payload, "headers": {"Idempotency-Key": payload["id"]}}
            return requests.post(INVOICES_URL, **request_kwargs)  # flag
        """,
    ),
    Snippet(
        "**dict(...) without a timeout",
        """
        import requests

        def search(query):
            return requests.get(SEARCH_URL, **dict(params={"q": query}, headers=HEADERS))  # flag
        """,
    ),
    Snippet(
        "httpx.Client(timeout=None)",
        """
        import httpx

        client = httpx.Client(base_url="https://inventory.internal", timeout=None)  # flag

        def stock(sku):
            return client.get(f"/stock/{sku}").json()
        """,
    ),
    Snippet(
        "httpx.AsyncClient(timeout=None) as a context manager",
        """
        import httpx

        async def fetch_all(urls):
            async with httpx.AsyncClient(timeout=None) as client:  # flag
                return [await client.get(url) for url in urls]
        """,
    ),
    Snippet(
        "httpx.get(timeout=None)",
        """
        import httpx

        def health(url):
            return httpx.get(url, timeout=None).status_code  # flag
        """,
    ),
    Snippet(
        "httpx.Timeout(None) given to a client",
        """
        import httpx

        def make_client():
            return httpx.Client(timeout=httpx.Timeout(None))  # flag
        """,
    ),
    Snippet(
        "httpx.Timeout with read=None",
        """
        import httpx

        TIMEOUTS = httpx.Timeout(10.0, read=None)  # flag
        client = httpx.AsyncClient(timeout=TIMEOUTS)
        """,
    ),
    Snippet(
        "aiohttp ClientTimeout(total=None)",
        """
        import aiohttp

        async def crawl(urls):
            timeout = aiohttp.ClientTimeout(total=None)  # flag
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for url in urls:
                    async with session.get(url) as resp:
                        yield await resp.text()
        """,
    ),
    Snippet(
        "aiohttp request with timeout=None",
        """
        import aiohttp

        async def fetch(session: aiohttp.ClientSession, url):
            async with session.get(url, timeout=None) as resp:  # flag
                return await resp.json()
        """,
    ),
    Snippet(
        "urlopen without a timeout",
        """
        from urllib.request import Request, urlopen

        def fetch_feed(url):
            req = Request(url, headers={"User-Agent": "feedbot"})
            with urlopen(req) as resp:  # flag
                return resp.read()
        """,
    ),
    Snippet(
        "urllib.request.urlopen with data only",
        """
        import json
        import urllib.request

        def post_json(url, body):
            data = json.dumps(body).encode()
            return urllib.request.urlopen(url, data).read()  # flag
        """,
    ),
    Snippet(
        "http.client.HTTPSConnection",
        """
        import http.client

        def get_status(host):
            conn = http.client.HTTPSConnection(host)  # flag
            conn.request("GET", "/status")
            return conn.getresponse().status
        """,
    ),
    Snippet(
        "from http import client",
        """
        from http import client

        def probe(host):
            conn = client.HTTPConnection(host, 8080)  # flag
            conn.request("HEAD", "/")
            return conn.getresponse().status
        """,
    ),
    Snippet(
        "smtplib.SMTP in a with block",
        """
        import smtplib
        from email.message import EmailMessage

        def send_reset_email(to, link):
            msg = EmailMessage()
            msg["To"] = to
            msg.set_content(f"Reset your password: {link}")
            with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT) as server:  # flag
                server.starttls()
                server.send_message(msg)
        """,
    ),
    Snippet(
        "smtplib.SMTP_SSL with a context",
        """
        import smtplib
        import ssl

        def send(msg):
            context = ssl.create_default_context()
            with smtplib.SMTP_SSL("smtp.example.com", 465, context=context) as server:  # flag
                server.send_message(msg)
        """,
    ),
    Snippet(
        "ftplib.FTP with a host",
        """
        from ftplib import FTP

        def fetch_statement(name):
            ftp = FTP("ftp.bank.example")  # flag
            ftp.login(USER, PASSWORD)
            ftp.retrbinary(f"RETR {name}", open(name, "wb").write)
        """,
    ),
    Snippet(
        "socket.create_connection without a timeout",
        """
        import socket

        def send_metric(line):
            with socket.create_connection((STATSD_HOST, 8125)) as sock:  # flag
                sock.sendall(line.encode())
        """,
    ),
    Snippet(
        "redis.Redis without socket_timeout",
        """
        import redis

        cache = redis.Redis(host=settings.REDIS_HOST, port=6379, db=0, decode_responses=True)  # flag

        def get_session(key):
            return cache.get(key)
        """,
    ),
    Snippet(
        "redis.StrictRedis",
        """
        from redis import StrictRedis

        queue = StrictRedis(host="queue", port=6379)  # flag
        """,
    ),
    Snippet(
        "redis.from_url with a URL from the environment",
        """
        import os

        import redis

        r = redis.from_url(os.environ["REDIS_URL"])  # flag
        """,
    ),
    Snippet(
        "redis.asyncio from_url with a constant URL",
        """
        import redis.asyncio as aioredis

        async def connect():
            return aioredis.from_url("redis://localhost:6379/1", decode_responses=True)  # flag
        """,
    ),
    Snippet(
        "redis ConnectionPool",
        """
        import redis

        pool = redis.ConnectionPool(host="cache", port=6379, max_connections=50)  # flag
        client = redis.Redis(connection_pool=pool)
        """,
    ),
    Snippet(
        "session with the standard HTTPAdapter mounted",
        """
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        session = requests.Session()
        session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))

        def get_user(user_id):
            return session.get(f"{USERS_URL}/{user_id}")  # flag
        """,
    ),
    Snippet(
        "requests.Session().get chained",
        """
        import requests

        def fetch_token():
            return requests.Session().get(TOKEN_URL, auth=(CLIENT_ID, SECRET)).json()  # flag
        """,
    ),
    Snippet(
        "session.send of a prepared request",
        """
        import requests

        def send_signed(request):
            with requests.Session() as session:
                prepared = session.prepare_request(request)
                prepared.headers["X-Signature"] = sign(prepared.body)
                return session.send(prepared)  # flag
        """,
    ),
    Snippet(
        "build_opener().open",
        """
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler(PROXIES))

        def fetch(url):
            return opener.open(url).read()  # flag
        """,
    ),
    Snippet(
        "instance timeout attribute that is always None",
        """
        import requests

        class Uploader:
            def __init__(self):
                self.session = requests.Session()
                self.timeout = None

            def upload(self, url, blob):
                return self.session.put(url, data=blob, timeout=self.timeout)  # flag
        """,
    ),
    Snippet(
        "imaplib.IMAP4_SSL",
        """
        import imaplib

        def unread_count(user, password):
            mail = imaplib.IMAP4_SSL("imap.example.com")  # flag
            mail.login(user, password)
            return len(mail.search(None, "UNSEEN")[1][0].split())
        """,
    ),
    Snippet(
        "socket.create_connection with timeout=None",
        """
        import socket

        def open_tunnel(host, port):
            return socket.create_connection((host, port), timeout=None)  # flag
        """,
    ),
    Snippet(
        "redis URL from Django settings",
        """
        import redis
        from django.conf import settings

        def get_redis():
            return redis.StrictRedis.from_url(settings.REDIS_URL, decode_responses=True)  # flag
        """,
    ),
    Snippet(
        "multi-line call reported at its first line",
        """
        import requests

        def create_customer(payload):
            return requests.post(  # flag
                CUSTOMERS_URL,
                json=payload,
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
        """,
    ),
]

NEGATIVE = [
    Snippet(
        "requests.get with a timeout",
        """
        import requests

        def exchange_rate(currency):
            return requests.get(RATES_URL, params={"base": currency}, timeout=5).json()
        """,
    ),
    Snippet(
        "connect/read tuple",
        """
        import requests

        def notify(url, text):
            requests.post(url, json={"text": text}, timeout=(3.05, 27))
        """,
    ),
    Snippet(
        "timeout from settings",
        """
        import requests
        from django.conf import settings

        def lookup(vat_id):
            return requests.get(VIES_URL, params={"vat": vat_id}, timeout=settings.HTTP_TIMEOUT)
        """,
    ),
    Snippet(
        "client class passing self.timeout",
        """
        import requests

        class GitHubClient:
            def __init__(self, token, timeout=10):
                self.session = requests.Session()
                self.session.headers["Authorization"] = f"token {token}"
                self.timeout = timeout

            def repo(self, owner, name):
                return self.session.get(f"{API}/repos/{owner}/{name}", timeout=self.timeout)
        """,
    ),
    Snippet(
        "**kwargs from a parameter",
        """
        import requests

        class BaseClient:
            def __init__(self):
                self.session = requests.Session()

            def request(self, method, url, **kwargs):
                kwargs.setdefault("timeout", 10)
                return self.session.request(method, url, **kwargs)
        """,
    ),
    Snippet(
        "**kwargs built with a timeout key",
        """
        import requests

        def create_invoice(payload):
            options = {"json": payload, "timeout": 10}
            return requests.post(INVOICES_URL, **options)
        """,
    ),
    Snippet(
        "**kwargs given a timeout after the literal",
        """
        import requests

        def create_invoice(payload):
            options = {"json": payload}
            options["timeout"] = settings.HTTP_TIMEOUT
            return requests.post(INVOICES_URL, **options)
        """,
    ),
    Snippet(
        "**kwargs updated with a timeout",
        """
        import requests

        def search(query, extra):
            options = {"params": {"q": query}}
            options.update(extra)
            return requests.get(SEARCH_URL, **options)
        """,
    ),
    Snippet(
        "**kwargs handed to a helper that may add defaults",
        """
        import requests

        def search(query):
            options = {"params": {"q": query}}
            apply_http_defaults(options)
            return requests.get(SEARCH_URL, **options)
        """,
    ),
    Snippet(
        "httpx default timeout",
        """
        import httpx

        def health(url):
            return httpx.get(url).status_code
        """,
    ),
    Snippet(
        "httpx client with the default timeout",
        """
        import httpx

        client = httpx.Client(base_url="https://inventory.internal")

        def stock(sku):
            return client.get(f"/stock/{sku}").json()
        """,
    ),
    Snippet(
        "httpx client with a configured timeout",
        """
        import httpx

        async def fetch_all(urls):
            timeout = httpx.Timeout(10.0, connect=5.0)
            async with httpx.AsyncClient(timeout=timeout) as client:
                return [await client.get(url) for url in urls]
        """,
    ),
    Snippet(
        "aiohttp session with the default timeout",
        """
        import aiohttp

        async def fetch(url):
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as resp:
                    return await resp.json()
        """,
    ),
    Snippet(
        "aiohttp ClientTimeout with a total",
        """
        import aiohttp

        async def crawl(urls):
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                return [await (await session.get(url)).text() for url in urls]
        """,
    ),
    Snippet(
        "aiohttp ClientTimeout with no total but a read timeout",
        """
        import aiohttp

        STREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)
        """,
    ),
    Snippet(
        "aiohttp request with timeout=None inside asyncio.wait_for",
        """
        import asyncio

        import aiohttp

        async def fetch(session: aiohttp.ClientSession, url):
            resp = await asyncio.wait_for(session.get(url, timeout=None), timeout=15)
            return await resp.json()
        """,
    ),
    Snippet(
        "urlopen with a timeout",
        """
        from urllib.request import urlopen

        def fetch_feed(url):
            with urlopen(url, timeout=10) as resp:
                return resp.read()
        """,
    ),
    Snippet(
        "urlopen with a positional timeout",
        """
        import urllib.request

        def post_json(url, data):
            return urllib.request.urlopen(url, data, 10).read()
        """,
    ),
    Snippet(
        "module sets a default socket timeout",
        """
        import socket
        import urllib.request

        socket.setdefaulttimeout(15)

        def fetch(url):
            return urllib.request.urlopen(url).read()
        """,
    ),
    Snippet(
        "http.client with a timeout",
        """
        import http.client

        def get_status(host):
            conn = http.client.HTTPSConnection(host, timeout=10)
            conn.request("GET", "/status")
            return conn.getresponse().status
        """,
    ),
    Snippet(
        "smtplib.SMTP with a timeout",
        """
        import smtplib

        def send(msg):
            with smtplib.SMTP(settings.EMAIL_HOST, 587, timeout=10) as server:
                server.starttls()
                server.send_message(msg)
        """,
    ),
    Snippet(
        "FTP created without a host, connected with a timeout",
        """
        from ftplib import FTP

        def fetch_statement(name):
            ftp = FTP()
            ftp.connect("ftp.bank.example", 21, timeout=30)
            ftp.login(USER, PASSWORD)
        """,
    ),
    Snippet(
        "socket.create_connection with a positional timeout",
        """
        import socket

        def send_metric(line):
            with socket.create_connection((STATSD_HOST, 8125), 5) as sock:
                sock.sendall(line.encode())
        """,
    ),
    Snippet(
        "redis with socket_timeout",
        """
        import redis

        cache = redis.Redis(host=settings.REDIS_HOST, port=6379, socket_timeout=5, socket_connect_timeout=2)
        """,
    ),
    Snippet(
        "redis from_url with socket_timeout in the query",
        """
        import redis

        r = redis.from_url("redis://cache:6379/0?socket_timeout=5&socket_connect_timeout=2")
        """,
    ),
    Snippet(
        "redis from_url with socket_timeout keyword",
        """
        import redis.asyncio as aioredis

        async def connect(url):
            return aioredis.from_url(url, socket_timeout=5, decode_responses=True)
        """,
    ),
    Snippet(
        "redis client built on a configured pool",
        """
        import redis

        pool = redis.ConnectionPool(host="cache", port=6379, socket_timeout=5)
        client = redis.Redis(connection_pool=pool)
        """,
    ),
    Snippet(
        "redis options from settings",
        """
        import redis

        cache = redis.Redis(**settings.REDIS_OPTIONS)
        """,
    ),
    Snippet(
        "a user's own get() and a dict's get()",
        """
        import requests

        def get(path):
            return CACHE.get(path)

        def handler(request):
            page = request.args.get("page", 1)
            return get(f"/items?page={page}")
        """,
    ),
    Snippet(
        "a session subclass with a default timeout",
        """
        import requests

        class TimeoutSession(requests.Session):
            def request(self, method, url, **kwargs):
                kwargs.setdefault("timeout", 10)
                return super().request(method, url, **kwargs)

        session = TimeoutSession()

        def get_user(user_id):
            return session.get(f"{USERS_URL}/{user_id}")
        """,
    ),
    Snippet(
        "a session with a custom timeout adapter",
        """
        import requests
        from requests.adapters import HTTPAdapter

        class TimeoutHTTPAdapter(HTTPAdapter):
            def send(self, request, **kwargs):
                if kwargs.get("timeout") is None:
                    kwargs["timeout"] = 5
                return super().send(request, **kwargs)

        http = requests.Session()
        http.mount("https://", TimeoutHTTPAdapter(max_retries=3))

        def get_user(user_id):
            return http.get(f"{USERS_URL}/{user_id}")
        """,
    ),
    Snippet(
        "session.request replaced by a partial with a timeout",
        """
        import functools

        import requests

        session = requests.Session()
        session.request = functools.partial(session.request, timeout=10)

        def ping():
            return session.get(HEALTH_URL)
        """,
    ),
    Snippet(
        "timeout parameter passed through",
        """
        import requests

        def fetch(url, timeout=None):
            return requests.get(url, timeout=timeout)
        """,
    ),
    Snippet(
        "a wrapper forwarding *args and **kwargs",
        """
        import requests

        def traced_get(*args, **kwargs):
            with tracer.start_as_current_span("http.get"):
                return requests.get(*args, **kwargs)
        """,
    ),
    Snippet(
        "an ORM session's get",
        """
        import requests
        from sqlalchemy.orm import Session

        def load_user(db: Session, user_id: int):
            return db.get(User, user_id)
        """,
    ),
    Snippet(
        "Django cache get",
        """
        import requests
        from django.core.cache import cache

        def cached_rates():
            rates = cache.get("rates")
            if rates is None:
                rates = requests.get(RATES_URL, timeout=5).json()
                cache.set("rates", rates, 300)
            return rates
        """,
    ),
    Snippet(
        "injected session with a timeout",
        """
        import requests

        class PaymentsClient:
            def __init__(self, session: requests.Session | None = None, timeout: float = 10.0):
                self.session = session or requests.Session()
                self.timeout = timeout

            def charge(self, amount):
                return self.session.post(CHARGES_URL, data={"amount": amount}, timeout=self.timeout)
        """,
    ),
    Snippet(
        "base client mounts a timeout adapter; subclass of an imported base",
        """
        import requests
        from carriers.base import RemoteCarrier

        class CarrierClient:
            def __init__(self):
                self.session = TimeoutSession()

        class UpsClient(CarrierClient):
            def track(self, number):
                return self.session.get(f"{UPS_URL}/track/{number}").json()

        class FedexClient(RemoteCarrier):
            def track(self, number):
                return self.session.get(f"{FEDEX_URL}/track/{number}").json()
        """,
    ),
    Snippet(
        "mocked requests in a test",
        """
        from unittest import mock

        import requests

        @mock.patch("requests.get")
        def test_rate(get):
            get.return_value.json.return_value = {"rate": 1.1}
            assert exchange_rate("EUR") == 1.1
        """,
    ),
    Snippet(
        "httpx AsyncClient with the default timeout and a per-request one",
        """
        import httpx

        async def fetch(url):
            async with httpx.AsyncClient() as client:
                resp = await client.get(url, timeout=30.0)
                return resp.json()
        """,
    ),
    Snippet(
        "redis with a positional socket_timeout",
        """
        import redis

        cache = redis.Redis("cache", 6379, 0, None, 5)
        """,
    ),
    Snippet(
        # aiohttp reads a session's ``timeout=None`` as "use the default" (5 minutes).
        "aiohttp session with timeout=None",
        """
        import aiohttp

        async def fetch(url):
            async with aiohttp.ClientSession(timeout=None) as session:
                async with session.get(url) as resp:
                    return await resp.text()
        """,
    ),
    Snippet(
        "session timeout from a constant",
        """
        import requests

        DEFAULT_TIMEOUT = (3.05, 27)

        with requests.Session() as s:
            s.post(EVENTS_URL, json=batch, timeout=DEFAULT_TIMEOUT)
        """,
    ),
]


def _findings(snippet: Snippet) -> set[int]:
    return {
        finding.line
        for finding in check_code(builtin_rules(), [RULE], snippet.source)
        if finding.rule_id == RULE
    }


def test_corpus_is_large_enough() -> None:
    assert len(POSITIVE) >= 30 and len(NEGATIVE) >= 30
    assert all(snippet.expected_lines for snippet in POSITIVE)
    assert not any(snippet.expected_lines for snippet in NEGATIVE)


def test_precision_and_recall() -> None:
    true_positives = 0
    misses: list[str] = []
    false_positives: list[str] = []
    for snippet in [*POSITIVE, *NEGATIVE]:
        found = _findings(snippet)
        expected = snippet.expected_lines
        true_positives += len(found & expected)
        misses += [f"{snippet.name} (line {line})" for line in sorted(expected - found)]
        false_positives += [f"{snippet.name} (line {line})" for line in sorted(found - expected)]
    precision = true_positives / ((true_positives + len(false_positives)) or 1)
    recall = true_positives / ((true_positives + len(misses)) or 1)
    report = f"precision {precision:.2f}, recall {recall:.2f}; missed: {misses}; false positives: {false_positives}"
    assert precision >= 0.9 and recall >= 0.9, report


@pytest.mark.parametrize("snippet", POSITIVE, ids=[snippet.name for snippet in POSITIVE])
def test_positive(snippet: Snippet) -> None:
    assert _findings(snippet) == snippet.expected_lines


@pytest.mark.parametrize("snippet", NEGATIVE, ids=[snippet.name for snippet in NEGATIVE])
def test_negative(snippet: Snippet) -> None:
    assert _findings(snippet) == set()


def _messages(code: str) -> list[tuple[str, str]]:
    found = check_code(builtin_rules(), [RULE], textwrap.dedent(code))
    return [(finding.message, finding.confidence) for finding in found]


def test_messages_name_the_call_and_what_is_missing() -> None:
    [(message, _)] = _messages("import requests\nrequests.post(url)\n")
    assert message == "`requests.post()` has no timeout, so a slow server can hang this worker forever"
    [(message, _)] = _messages("import httpx\nhttpx.Client(timeout=None)\n")
    assert message.startswith("`httpx.Client()` passes timeout=None, which disables httpx's default timeout")
    [(message, _)] = _messages("import requests\nrequests.get(url, timeout=None)\n")
    assert message.startswith("`requests.get()` passes timeout=None, which disables the timeout")
    [(message, _)] = _messages("import requests\ns = requests.Session()\ns.get(url)\n")
    assert message.startswith("`s.get()` (requests.Session.get) has no timeout")
    [(message, _)] = _messages("import requests\nLIMIT = None\nrequests.get(url, timeout=LIMIT)\n")
    assert "timeout=LIMIT (None)" in message


def test_redis_url_from_the_environment_is_reported_with_medium_confidence() -> None:
    [(message, confidence)] = _messages("import os, redis\nredis.from_url(os.environ['REDIS_URL'])\n")
    assert "unless the URL's query string sets socket_timeout" in message
    assert confidence == "medium"


# -- the shared client table ---------------------------------------------------------


def test_canonical_names_fold_aliases() -> None:
    assert clients.canonical("requests.api.get") == "requests.get"
    assert clients.canonical("requests.sessions.Session().post") == "requests.Session().post"
    assert clients.canonical("requests.session().get") == "requests.Session().get"
    assert clients.canonical("redis.StrictRedis.from_url") == "redis.Redis.from_url"
    assert clients.canonical("redis.StrictRedisX") == "redis.StrictRedisX"


def test_client_table_knows_where_timeouts_go() -> None:
    session_request = clients.lookup("requests.Session().request")
    assert isinstance(session_request, clients.Client)
    assert session_request.timeout == clients.Parameter("timeout", 8)
    urlopen = clients.lookup("urllib.request.urlopen")
    assert isinstance(urlopen, clients.Client) and urlopen.timeout is not None
    assert urlopen.timeout.position == 2 and urlopen.when_omitted == "socket-default"
    httpx_get = clients.lookup("httpx.get")
    assert isinstance(httpx_get, clients.Client) and httpx_get.when_omitted == "bounded"
    assert isinstance(clients.lookup("aiohttp.ClientTimeout"), clients.TimeoutSettings)
    async_redis = clients.lookup("redis.asyncio.Redis")
    assert isinstance(async_redis, clients.Client) and not async_redis.blocking
    assert clients.lookup("builtins.dict") is None
    assert {"get", "urlopen", "Redis", "from_url", "ClientTimeout", "StrictRedis"} <= clients.CALLABLE_NAMES


def test_imports_inside_module_level_elif_blocks_resolve() -> None:
    # names.ImportTable used to fail on an ``elif`` at module level (it scanned the
    # ``If`` node of the ``elif`` as if it were a block).
    code = """
        import sys

        if sys.version_info >= (3, 11):
            import tomllib
        elif sys.platform == "win32":
            from requests import get as fetch
        else:
            from requests import get as fetch

        def load(url):
            return fetch(url)
        """
    found = check_code(builtin_rules(), [RULE], textwrap.dedent(code).lstrip("\n"))
    assert [finding.line for finding in found] == [11]

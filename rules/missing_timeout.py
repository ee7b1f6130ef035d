"""Rule: missing-timeout (outbound calls that can wait forever for a slow server)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from bek_gate.analysis import calls, clients
from bek_gate.rules import Invalid, Rule, Valid

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_HANGS = "can hang this worker forever"


class MissingTimeout(Rule):
    """An outbound network call has no timeout, or has it turned off, so it can hang forever.

    ## What it finds
    Calls to other servers that wait without limit: `requests` functions and
    `Session` methods without `timeout=`, `urllib.request.urlopen`,
    `http.client` connections, `smtplib`/`ftplib`/`poplib`/`imaplib` clients and
    `socket.create_connection` without a timeout (unless the module sets
    `socket.setdefaulttimeout`), redis clients and pools without
    `socket_timeout`, and an explicit `timeout=None` (or a `(connect, None)`
    tuple) where it turns the limit off: requests, stdlib clients,
    `httpx.Client(timeout=None)`, `httpx.Timeout(None)`, aiohttp requests and
    `aiohttp.ClientTimeout(total=None)` without `sock_read`.
    Timeouts passed by variable, setting or attribute count as set, and so do
    the keys of a `**mapping` built from dict literals, also when a helper of
    the module returns it (`**self._request_options()`). A `**kwargs` whose keys
    cannot be known, or a session with a custom transport adapter mounted, is
    assumed to carry one. A `Session` subclass of the module carries one only
    when it sets one: it overrides `request` or `send`, mounts an adapter, or
    sets a `timeout` attribute; a subclass imported from elsewhere is not
    judged.

    ## Why it matters
    Without a timeout a request to a server that accepts the connection but
    never answers blocks its worker thread or task forever. Under load the
    stuck workers pile up until the whole service stops answering, which
    turns one slow dependency into an outage.

    ## Example
    ```python
    import requests

    def fetch_invoice(invoice_id):
        return requests.get(f"https://billing.internal/invoices/{invoice_id}").json()
    ```

    ## Use instead
    ```python
    import requests

    def fetch_invoice(invoice_id):
        url = f"https://billing.internal/invoices/{invoice_id}"
        return requests.get(url, timeout=(3.05, 27)).json()
    ```

    ## References
    - [Requests: timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    - [HTTPX: timeouts](https://www.python-httpx.org/advanced/timeouts/)
    - [aiohttp: client timeouts](https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts)
    - [redis-py: connection options](https://redis.readthedocs.io/en/stable/connections.html)
    - [CWE-400: Uncontrolled Resource Consumption](https://cwe.mitre.org/data/definitions/400.html)
    """

    id = "missing-timeout"
    title = "Outbound call without a timeout"
    severity = "medium"
    confidence = "high"
    cwe = 400
    pattern = "rel-timeouts"
    fix = (
        "Pass an explicit timeout: `requests.get(url, timeout=(3.05, 27))` (connect, read seconds), "
        "`urlopen(url, timeout=10)`, `smtplib.SMTP(host, port, timeout=10)`, "
        "`redis.Redis(..., socket_timeout=5)`; keep httpx/aiohttp defaults or set "
        "`httpx.Timeout(10.0)` / `aiohttp.ClientTimeout(total=30)`."
    )
    tags = ("reliability", "network")
    prefilter = (
        "requests", "urllib", "http.client", "HTTPConnection", "HTTPSConnection", "smtplib", "ftplib",
        "poplib", "imaplib", "socket", "redis", "httpx", "aiohttp",
    )  # fmt: skip
    valid = [
        Valid("import requests\nrequests.get(url, timeout=(3.05, 27))\n"),
        Valid(
            """
            import requests
            class Billing:
                def __init__(self, timeout):
                    self.session = requests.Session()
                    self.timeout = timeout
                def invoice(self, id):
                    return self.session.get(f"/invoices/{id}", timeout=self.timeout)
            """
        ),
        Valid("import requests\ndef call(url, **kwargs):\n    return requests.post(url, **kwargs)\n"),
        Valid("import requests\nopts = {'headers': {}}\nopts['timeout'] = 5\nrequests.get(url, **opts)\n"),
        Valid("import httpx\nwith httpx.Client() as client:\n    client.get(url)\n"),
        Valid("from urllib.request import urlopen\nurlopen(url, None, 10)\n"),
        Valid("import redis\ncache = redis.from_url('redis://cache:6379/0?socket_timeout=5')\n"),
        Valid("import smtplib\nsmtplib.SMTP(host, 587, timeout=10)\n"),
        Valid(
            "def get(url):\n    return url\nget('https://example.com')\nsettings = {}\nsettings.get('x')\n"
        ),
        Valid(
            """
            import requests

            def request_options():
                return {"headers": {"User-Agent": "app"}, "timeout": 10}

            def send(url, body):
                return requests.post(url, json=body, **request_options())
            """
        ),
        Valid(
            """
            import requests

            class ApiSession(requests.Session):
                def request(self, method, url, **kwargs):
                    kwargs.setdefault("timeout", 10)
                    return super().request(method, url, **kwargs)

            def fetch(path):
                return ApiSession().get(path)
            """
        ),
        Valid(
            """
            import requests

            class ApiSession(requests.Session):
                timeout = 10

            def fetch(path):
                return ApiSession().get(path)
            """
        ),
    ]
    invalid = [
        Invalid("import requests\nrequests.post(url, json=body)\n", line=2),
        Invalid(
            """
            import requests
            class Billing:
                def __init__(self):
                    self.session = requests.Session()
                def invoice(self, id):
                    return self.session.get(f"/invoices/{id}")
            """,
            line=6,
        ),
        Invalid("from requests import get as fetch\nfetch(url)\n", line=2),
        Invalid("import requests\nopts = {'headers': {}}\nrequests.get(url, **opts)\n", line=3),
        Invalid("import httpx\nclient = httpx.Client(timeout=None)\n", line=2),
        Invalid("import urllib.request\nurllib.request.urlopen(url)\n", line=2),
        Invalid("import redis\ncache = redis.Redis(host='cache', port=6379)\n", line=2),
        Invalid("import aiohttp\ntimeout = aiohttp.ClientTimeout(total=None)\n", line=2),
        Invalid("import requests\nTIMEOUT = None\nrequests.get(url, timeout=TIMEOUT)\n", line=3),
        Invalid(
            """
            import requests

            class Webhook:
                def _request_options(self):
                    return {"headers": {"User-Agent": "app"}, "allow_redirects": False}

                def send(self, url, body):
                    kwargs = self._request_options()
                    return requests.post(url, json=body, **kwargs)
            """,
            line=9,
        ),
        Invalid(
            """
            import requests

            class ApiSession(requests.Session):
                def __init__(self, base):
                    super().__init__()
                    self.base = base

            def fetch(path):
                session = ApiSession("https://api")
                return session.get(path)
            """,
            line=10,
        ),
    ]

    def __init__(self, context: FileContext, options: dict[str, Any]) -> None:
        super().__init__(context, options)
        self._custom_sessions: set[str] = set()
        self._socket_default: bool | None = None

    def visit_Call(self, node: cst.Call) -> None:
        client = clients.resolve_call(self.context, node)
        if client is None:
            self._note_custom_adapter(node)
        elif isinstance(client, clients.TimeoutSettings):
            if clients.reads_unbounded(self.context, node, client) and not self._under_deadline(client):
                call = self.context.code(node)
                call = (
                    call if len(call) <= 60 and "\n" not in call else f"{self.context.code(node.func)}(...)"
                )
                self.report(node, f"`{call}` sets no read limit, so a server that stops sending {_HANGS}")
        elif client.timeout is not None and self._connects(node, client):
            self._check(node, client)

    def visit_Assign(self, node: cst.Assign) -> None:
        # ``session.request = functools.partial(session.request, timeout=5)``
        for target in node.targets:
            if isinstance(target.target, cst.Attribute) and target.target.attr.value in ("request", "send"):
                self._custom_sessions.add(self.context.code(target.target.value))

    def _note_custom_adapter(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "mount":
            adapter = calls.argument(node, 1, "adapter")
            # A transport adapter of the project's own may add a default timeout.
            if (
                adapter is not None
                and self.context.qualified_name(adapter) != "requests.adapters.HTTPAdapter()"
            ):
                self._custom_sessions.add(self.context.code(func.value))

    def _connects(self, node: cst.Call, client: clients.Client) -> bool:
        needed = client.connects_with
        return needed is None or calls.argument(node, needed.position, needed.keyword) is not None

    def _under_deadline(self, client: clients.Client | clients.TimeoutSettings) -> bool:
        blocking = isinstance(client, clients.Client) and client.blocking
        return not blocking and clients.under_async_deadline(self.context)

    def _check(self, node: cst.Call, client: clients.Client) -> None:
        argument = clients.timeout_argument(self.context, node, client)
        if argument.state == "unknown":
            return
        kind = "unknown" if argument.value is None else clients.timeout_kind(self.context, argument.value)
        name = self._call_name(node, client)
        if argument.value is not None and kind == "disabled" and client.none_disables:
            if not self._under_deadline(client):
                shown = self.context.code(argument.value)
                value = f"{argument.keyword}={shown}" + ("" if shown == "None" else " (None)")
                what = (
                    f"{client.library}'s default timeout"
                    if client.when_omitted == "bounded"
                    else "the timeout"
                )
                self.report(node, f"{name} passes {value}, which disables {what}, so a slow server {_HANGS}")
        elif kind == "no-read-limit":
            self.report(
                node, f"{name} has no read timeout ({argument.keyword}=(connect, None)), so a server {_HANGS}"
            )
        elif argument.state == "missing" or kind == "disabled":
            self._check_missing(node, client, name, argument.url_unknown)

    def _check_missing(self, node: cst.Call, client: clients.Client, name: str, url_unknown: bool) -> None:
        if client.when_omitted == "bounded":
            return
        if client.when_omitted == "socket-default":
            if self._socket_default is None:
                self._socket_default = clients.sets_default_socket_timeout(self.context)
            if self._socket_default:
                return
        func = node.func
        if isinstance(func, cst.Attribute) and self.context.code(func.value) in self._custom_sessions:
            return
        if client.library != "redis":
            self.report(node, f"{name} has no timeout, so a slow server {_HANGS}")
        elif url_unknown:
            unless = "unless the URL's query string sets socket_timeout"
            self.report(
                node,
                f"{name} has no socket_timeout ({unless}), so a stalled Redis server {_HANGS}",
                confidence="medium",
            )
        else:
            self.report(node, f"{name} has no socket_timeout, so a stalled Redis server {_HANGS}")

    def _call_name(self, node: cst.Call, client: clients.Client) -> str:
        written = self.context.code(node.func)
        canonical = client.name.replace("()", "")
        return f"`{written}()`" if written == canonical else f"`{written}()` ({canonical})"

"""Outbound network clients: which calls reach another server, and how each takes its timeout and TLS settings.

One table, shared by the rules about outbound calls (missing-timeout,
blocking-call-in-async, tls-verification-disabled), so that they agree on what
``requests.get``, ``self.session.post`` or ``redis.from_url`` is. Each entry is
keyed by the canonical qualified name of the callable (``requests.get``,
``requests.Session().get`` for a method of a session, ``redis.Redis`` for a
constructor) and says where the call takes its timeout (keyword and position)
and what happens when the timeout is left out or passed as ``None``.

``resolve_call`` finds the entry for a call, following import aliases,
earlier assignments, ``self.<attr>`` set in another method, ``with ... as``
targets, annotated parameters (``session: requests.Session``) and the
``session or requests.Session()`` idiom. ``timeout_argument`` and
``timeout_kind`` read a call's timeout the way Python binds it, including
``**mapping`` splats whose keys can be known.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import libcst as cst

from bek_gate.analysis import calls, names, strings
from bek_gate.analysis.tree import iter_children

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_MAX_DEPTH = 6


@dataclass(frozen=True)
class Parameter:
    """Where a call takes one setting: its keyword, its position (0-based, ``self`` not counted)."""

    keyword: str
    position: int | None = None
    # Other keywords that set the same thing (redis ``socket_connect_timeout``).
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Client:
    """One outbound callable.

    role: ``request`` performs network I/O when called; ``connection`` builds
    a connection (or pool) whose methods do the I/O; ``client`` builds a
    pooled HTTP client whose request methods are separate entries.
    blocking: the I/O blocks the calling thread (not an ``async`` API).
    timeout: where the call takes its timeout; None when it takes none of its own.
    when_omitted: ``unbounded`` (waits forever), ``socket-default`` (whatever
    ``socket.setdefaulttimeout`` set: forever unless a module sets it) or
    ``bounded`` (the library has a finite default).
    none_disables: an explicit ``None`` turns the timeout off (otherwise it
    means "the default", as for aiohttp sessions and imaplib).
    connects_with: the constructor connects only when this argument is given.
    configured_by: keywords that hand the settings to another object (a pool).
    url: a URL argument whose query string may carry the timeout.
    """

    name: str
    library: str
    role: str
    blocking: bool
    timeout: Parameter | None = None
    when_omitted: str = "bounded"
    none_disables: bool = True
    tls: Parameter | None = None
    connects_with: Parameter | None = None
    configured_by: tuple[str, ...] = ()
    url: Parameter | None = None


@dataclass(frozen=True)
class TimeoutSettings:
    """A timeout settings object (``httpx.Timeout``, ``aiohttp.ClientTimeout``).

    Reads are bounded when, for any chain in ``read_limits``, the first
    parameter of the chain that is passed has a value other than None.
    """

    name: str
    library: str
    read_limits: tuple[tuple[Parameter, ...], ...]


_VERBS = ("get", "options", "head", "post", "put", "patch", "delete")
_TIMEOUT = Parameter("timeout")
_VERIFY = Parameter("verify")
_CONTEXT = Parameter("context")
_SSL = Parameter("ssl", also=("verify_ssl",))
_REDIS_TIMEOUT = Parameter("socket_timeout", also=("socket_connect_timeout",))
_REDIS_POOL = ("connection_pool",)


def _entries(names: list[str], library: str, role: str, blocking: bool, **fields: Any) -> Iterator[Client]:
    for name in names:
        yield Client(name, library, role, blocking, **fields)


def _requests() -> Iterator[Client]:
    no_default = {"timeout": _TIMEOUT, "when_omitted": "unbounded", "tls": _VERIFY}
    yield from _entries(
        [f"requests.{verb}" for verb in (*_VERBS, "request")], "requests", "request", True, **no_default
    )
    yield Client("requests.Session", "requests", "client", False)
    methods = [f"requests.Session().{verb}" for verb in (*_VERBS, "send")]
    yield from _entries(methods, "requests", "request", True, **no_default)
    yield Client(
        "requests.Session().request",
        "requests",
        "request",
        True,
        **no_default | {"timeout": Parameter("timeout", 8)},
    )


def _httpx() -> Iterator[Client]:
    verbs = (*_VERBS, "request", "stream")
    yield from _entries(
        [f"httpx.{verb}" for verb in verbs], "httpx", "request", True, timeout=_TIMEOUT, tls=_VERIFY
    )
    yield from _entries(
        [f"httpx.Client().{verb}" for verb in verbs], "httpx", "request", True, timeout=_TIMEOUT
    )
    yield from _entries(
        [f"httpx.AsyncClient().{verb}" for verb in verbs], "httpx", "request", False, timeout=_TIMEOUT
    )
    yield from _entries(
        ["httpx.Client", "httpx.AsyncClient"], "httpx", "client", False, timeout=_TIMEOUT, tls=_VERIFY
    )


def _aiohttp() -> Iterator[Client]:
    # A session's ``timeout=None`` means the default (5 minutes); a request's
    # ``timeout=None`` turns the timeout off in the aiohttp 3.x releases most
    # services run.
    yield Client("aiohttp.ClientSession", "aiohttp", "client", False, _TIMEOUT, none_disables=False)
    yield Client("aiohttp.TCPConnector", "aiohttp", "client", False, tls=_SSL)
    methods = ["aiohttp.request", *(f"aiohttp.ClientSession().{verb}" for verb in (*_VERBS, "request"))]
    yield from _entries(methods, "aiohttp", "request", False, timeout=_TIMEOUT, tls=_SSL)


# Standard-library clients: (name, position of ``timeout``, TLS context parameter).
# Positions of keyword-only timeouts are those of Python < 3.12, where they were
# positional; passing that many arguments positionally fails on 3.12 and later.
_STANDARD_LIBRARY: dict[str, list[tuple[str, int, Parameter | None]]] = {
    "request": [
        ("urllib.request.urlopen", 2, _CONTEXT),
        ("urllib.request.build_opener().open", 2, None),
        ("urllib.request.OpenerDirector().open", 2, None),
        ("socket.create_connection", 1, None),
    ],
    "connection": [
        ("http.client.HTTPConnection", 2, None),
        ("http.client.HTTPSConnection", 4, _CONTEXT),
        ("smtplib.SMTP", 3, None),
        ("smtplib.SMTP_SSL", 5, _CONTEXT),
        ("smtplib.LMTP", 4, None),
        ("poplib.POP3", 2, None),
        ("poplib.POP3_SSL", 4, _CONTEXT),
        ("ftplib.FTP", 4, None),
        ("ftplib.FTP_TLS", 7, _CONTEXT),
        ("imaplib.IMAP4", 2, None),
        ("imaplib.IMAP4_SSL", 5, Parameter("ssl_context")),
    ],
}


def _standard_library() -> Iterator[Client]:
    for role, entries in _STANDARD_LIBRARY.items():
        for name, position, tls in entries:
            library = name.split(".")[0] if role == "request" else name.rsplit(".", 1)[0]
            yield Client(
                name,
                library,
                role,
                True,
                Parameter("timeout", position),
                "socket-default",
                # imaplib treats ``timeout=None`` as "the socket default".
                none_disables=library != "imaplib",
                tls=tls,
                # ``FTP()`` without a host connects later, through ``connect(..., timeout=)``.
                connects_with=Parameter("host", 0) if library == "ftplib" else None,
            )
    connections = ("http.client.HTTPConnection()", "http.client.HTTPSConnection()")
    methods = [f"{name}.{method}" for name in connections for method in ("request", "getresponse", "connect")]
    yield from _entries(methods, "http.client", "request", True)


def _redis() -> Iterator[Client]:
    for package, blocking in (("redis", True), ("redis.asyncio", False)):
        fields: dict[str, Any] = {"timeout": _REDIS_TIMEOUT, "when_omitted": "unbounded"}
        constructor = fields | {"timeout": Parameter("socket_timeout", 4, _REDIS_TIMEOUT.also)}
        yield Client(
            f"{package}.Redis", "redis", "connection", blocking, **constructor, configured_by=_REDIS_POOL
        )
        factories = [
            "from_url",
            "Redis.from_url",
            "ConnectionPool.from_url",
            "BlockingConnectionPool.from_url",
        ]
        by_url = fields | {"configured_by": _REDIS_POOL, "url": Parameter("url", 0)}
        yield from _entries(
            [f"{package}.{name}" for name in factories], "redis", "connection", blocking, **by_url
        )
        others = [
            f"{package}.{name}" for name in ("RedisCluster", "ConnectionPool", "BlockingConnectionPool")
        ]
        yield from _entries(others, "redis", "connection", blocking, **fields)


CLIENTS: dict[str, Client] = {
    client.name: client
    for source in (_requests, _httpx, _aiohttp, _standard_library, _redis)
    for client in source()
}

TIMEOUT_SETTINGS: dict[str, TimeoutSettings] = {
    # ``read`` falls back to the default passed first (``httpx.Timeout(10.0)``).
    "httpx.Timeout": TimeoutSettings(
        "httpx.Timeout", "httpx", ((Parameter("read"), Parameter("timeout", 0)),)
    ),
    "aiohttp.ClientTimeout": TimeoutSettings(
        "aiohttp.ClientTimeout", "aiohttp", ((Parameter("total", 0),), (Parameter("sock_read", 2),))
    ),
}

# Other spellings of the same callables (submodules, old names, lower-case factories).
_ALIASES: dict[str, str] = {
    "requests.api": "requests",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session()": "requests.Session()",
    "requests.session()": "requests.Session()",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.connection.ConnectionPool": "redis.ConnectionPool",
    "redis.connection.BlockingConnectionPool": "redis.BlockingConnectionPool",
    "redis.cluster.RedisCluster": "redis.RedisCluster",
    "redis.asyncio.StrictRedis": "redis.asyncio.Redis",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "redis.asyncio.cluster.RedisCluster": "redis.asyncio.RedisCluster",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "aiohttp.client.ClientTimeout": "aiohttp.ClientTimeout",
    "aiohttp.client.request": "aiohttp.request",
    "aiohttp.connector.TCPConnector": "aiohttp.TCPConnector",
    "six.moves.urllib.request": "urllib.request",
}
_ALIAS_ORDER = sorted(_ALIASES, key=len, reverse=True)

#: Last name segments of every entry: a call whose attribute is not one of these is no client call.
CALLABLE_NAMES: frozenset[str] = frozenset(
    name.replace("()", "").rsplit(".", 1)[-1] for name in [*CLIENTS, *TIMEOUT_SETTINGS, *_ALIASES]
)

# Calls and context managers that put a deadline on everything awaited inside them.
ASYNC_DEADLINES = frozenset(
    {
        "asyncio.wait_for",
        "asyncio.timeout",
        "asyncio.timeout_at",
        "async_timeout.timeout",
        "anyio.fail_after",
        "anyio.move_on_after",
        "trio.fail_after",
        "trio.move_on_after",
    }
)


def canonical(name: str) -> str:
    """The catalog spelling of a qualified name (``requests.api.get`` -> ``requests.get``)."""
    for old in _ALIAS_ORDER:
        if name.startswith(old) and (len(name) == len(old) or name[len(old)] in ".("):
            return _ALIASES[old] + name[len(old) :]
    return name


def lookup(qualified_name: str | None) -> Client | TimeoutSettings | None:
    if qualified_name is None:
        return None
    name = canonical(qualified_name)
    return CLIENTS.get(name) or TIMEOUT_SETTINGS.get(name)


def resolve_call(context: FileContext, call: cst.Call) -> Client | TimeoutSettings | None:
    """The catalog entry ``call`` invokes, or None (cheap attribute-name check first)."""
    func = call.func
    if isinstance(func, cst.Attribute):
        if func.attr.value not in CALLABLE_NAMES:
            return None
    elif not isinstance(func, cst.Name):
        return None
    found = lookup(context.qualified_name(func))
    if found is None and isinstance(func, cst.Attribute):
        receiver = instance_class(context, func.value)
        if receiver is not None:
            found = lookup(f"{receiver}.{func.attr.value}")
    return found


def instance_class(context: FileContext, node: cst.BaseExpression, depth: int = 0) -> str | None:
    """``requests.Session()`` when ``node`` is known to hold an instance of a catalog client class."""
    if depth > _MAX_DEPTH:
        return None
    qualified = context.qualified_name(node)
    if qualified is not None:
        name = canonical(qualified)
        return name if name.endswith("()") and name[:-2] in CLIENTS else None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        return _plain_subclass(context, node.func.value)
    classes: set[str | None] = set()
    if isinstance(node, cst.Name):
        for binding in context.bindings(node.value) or ():
            if binding.kind == "param" and isinstance(binding.node, cst.Param):
                classes.add(_annotated_class(context, binding.node))
            elif binding.kind in ("assign", "with") and isinstance(binding.value, cst.BaseExpression):
                classes.add(instance_class(context, binding.value, depth + 1))
            else:
                return None
    elif isinstance(node, cst.Attribute):
        for value in context.instance_attribute_values(node) or ():
            if isinstance(value, cst.BaseExpression):
                classes.add(instance_class(context, value, depth + 1))
    elif isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
        # ``session or requests.Session()``: an injected session (of the same
        # class, by the idiom) or a new one. The value may come from another
        # method (``self.session = ...`` in ``__init__``) whose parameters are
        # not visible here, so a bare name that does not resolve adds nothing.
        for side in (node.left, node.right):
            found = instance_class(context, side, depth + 1)
            if found is not None or not isinstance(side, cst.Name):
                classes.add(found)
    return classes.pop() if len(classes) == 1 else None


def _plain_subclass(context: FileContext, name: str) -> str | None:
    """``requests.Session()`` for ``ApiSession()`` when this module's ``class ApiSession(requests.Session)``
    sets no timeout of its own.

    A subclass carries a timeout when it overrides ``request`` or ``send``, mounts
    a transport adapter, or sets a ``timeout`` attribute; one with other bases
    (a mixin) may get one from them.
    """
    bindings = context.bindings(name)
    if not bindings or len(bindings) != 1 or not isinstance(bindings[0].node, cst.ClassDef):
        return None
    definition = bindings[0].node
    if len(definition.bases) != 1:
        return None
    base = context.qualified_name(definition.bases[0].value)
    client = canonical(base) if base else ""
    if CLIENTS.get(client) is None or _sets_timeout(definition):
        return None
    return f"{client}()"


def _sets_timeout(definition: cst.ClassDef) -> bool:
    stack: list[cst.CSTNode] = [definition.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef) and node.name.value in ("request", "send"):
            return True
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "mount"
        ):
            return True
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [target.target for target in node.targets]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            targets = [node.target]
        for target in targets:
            attribute = target.attr.value if isinstance(target, cst.Attribute) else ""
            if "timeout" in (target.value if isinstance(target, cst.Name) else attribute).lower():
                return True
        stack.extend(iter_children(node))
    return False


def _annotated_class(context: FileContext, param: cst.Param) -> str | None:
    """``requests.Session()`` for ``session: requests.Session`` (also ``| None`` and ``Optional[...]``)."""
    if param.annotation is None:
        return None
    annotation = param.annotation.annotation
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = [side for side in (annotation.left, annotation.right) if not _is_none(side)]
        annotation = sides[0] if len(sides) == 1 else annotation
    if isinstance(annotation, cst.Subscript) and names.dotted_name(annotation.value).endswith("Optional"):
        element = annotation.slice[0].slice if len(annotation.slice) == 1 else None
        annotation = element.value if isinstance(element, cst.Index) else annotation
    qualified = context.qualified_name(annotation)
    name = canonical(qualified) if qualified else ""
    return f"{name}()" if name in CLIENTS else None


def _is_none(node: cst.CSTNode | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


@dataclass(frozen=True)
class TimeoutArgument:
    """What a call says about its timeout.

    state: ``given`` (``value`` is the expression, or None when it comes from
    a ``**mapping`` with a known ``timeout`` key), ``missing``, or ``unknown``
    (``*args``/``**kwargs`` we cannot see, a pool configured elsewhere).
    url_unknown: the timeout may still come from a URL built at run time.
    """

    state: str
    value: cst.BaseExpression | None = None
    keyword: str = ""
    url_unknown: bool = False


def timeout_argument(context: FileContext, call: cst.Call, client: Client) -> TimeoutArgument:
    """How ``call`` passes ``client``'s timeout."""
    parameter = client.timeout
    if parameter is None or any(calls.keyword(call, name) for name in client.configured_by):
        return TimeoutArgument("unknown")
    for keyword in (parameter.keyword, *parameter.also):
        value = calls.argument(call, parameter.position if keyword == parameter.keyword else None, keyword)
        if value is not None:
            return TimeoutArgument("given", value, keyword)
    if parameter.position is not None and calls.has_star_args(call):
        return TimeoutArgument("unknown")
    keys = calls.splatted_keywords(context, call)
    if keys is None:
        return TimeoutArgument("unknown")
    if keys & {parameter.keyword, *parameter.also}:
        return TimeoutArgument("given", None, parameter.keyword)
    if client.url is not None:
        url = calls.argument(call, client.url.position, client.url.keyword)
        if url is not None:
            value = strings.analyse(context, url)
            text = value.built.text if value.built else value.text
            if text is not None and f"{parameter.keyword}=" in text:
                return TimeoutArgument("given", None, parameter.keyword)
            # A URL read from settings or the environment may carry the timeout.
            if value.kind == "unknown" or text is None:
                return TimeoutArgument("missing", keyword=parameter.keyword, url_unknown=True)
    return TimeoutArgument("missing", keyword=parameter.keyword)


def timeout_kind(context: FileContext, node: cst.BaseExpression, depth: int = 0) -> str:
    """``disabled`` (None), ``no-read-limit`` (``(3.05, None)``), ``limited`` or ``unknown``."""
    if depth > _MAX_DEPTH:
        return "unknown"
    if _is_none(node):
        return "disabled"
    if isinstance(node, cst.Tuple) and len(node.elements) == 2:
        return (
            "no-read-limit"
            if timeout_kind(context, node.elements[1].value, depth + 1) == "disabled"
            else "limited"
        )
    values: list[cst.CSTNode] | None = None
    if isinstance(node, cst.Name):
        values = context.assigned_values(node.value)
    elif isinstance(node, cst.Attribute):
        values = context.instance_attribute_values(node)
    elif isinstance(node, cst.IfExp):
        values = [node.body, node.orelse]
    if not values:
        return (
            "limited"
            if isinstance(node, (cst.Integer, cst.Float, cst.Call, cst.BinaryOperation))
            else "unknown"
        )
    kinds = {
        timeout_kind(context, value, depth + 1) for value in values if isinstance(value, cst.BaseExpression)
    }
    return kinds.pop() if len(kinds) == 1 else "unknown"


def reads_unbounded(context: FileContext, call: cst.Call, settings: TimeoutSettings) -> bool:
    """Whether a timeout settings object leaves reading a response without any limit."""
    if calls.has_star_args(call) or any(arg.star == "**" for arg in call.args) or not call.args:
        return False
    for chain in settings.read_limits:
        for parameter in chain:
            value = calls.argument(call, parameter.position, parameter.keyword)
            if value is not None:
                if timeout_kind(context, value) != "disabled":
                    return False
                break
    return True


def under_async_deadline(context: FileContext) -> bool:
    """Whether the current node runs inside ``asyncio.wait_for(...)``/``async with asyncio.timeout(...)``."""
    for ancestor in reversed(context.ancestors):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return False
        if isinstance(ancestor, cst.Call) and context.qualified_name(ancestor.func) in ASYNC_DEADLINES:
            return True
        if isinstance(ancestor, cst.With) and any(
            isinstance(item.item, cst.Call) and context.qualified_name(item.item.func) in ASYNC_DEADLINES
            for item in ancestor.items
        ):
            return True
    return False


def sets_default_socket_timeout(context: FileContext) -> bool:
    """Whether the module calls ``socket.setdefaulttimeout(<not None>)`` (stdlib clients then inherit it)."""
    if "setdefaulttimeout" not in context.source:
        return False

    stack: list[cst.CSTNode] = [context.module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and node.args and not _is_none(node.args[0].value):
            dotted = names.dotted_name(node.func)
            head, _, rest = dotted.partition(".")
            resolved = context.imports.aliases.get(head, head) + (f".{rest}" if rest else "")
            if resolved == "socket.setdefaulttimeout":
                return True
        stack.extend(iter_children(node))
    return False

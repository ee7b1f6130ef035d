"""Web frameworks as the analyses see them: route handlers, what binds their parameters, request objects.

A route handler is a function its framework calls with the client's data:

* Flask, Quart, Sanic and Bottle: ``@app.route("/users/<name>")``,
  ``@bp.get("/users/<int:id>")``; the path's variables become parameters;
* FastAPI, Starlette and Litestar: ``@router.get("/items/{item_id}")``,
  ``@get("/items")``; every parameter is bound from the path, the query
  string, the body, headers or cookies, except those the framework injects
  (``Request``, ``BackgroundTasks``, ``Depends(...)`` values);
* Django and Django REST framework views: a function whose first parameter
  is ``request`` (after ``self`` in class-based views); the others are the
  URL's captures.

``handler_parameter(context, param)`` says how one parameter of the function
being walked is bound; ``request_data(context, node)`` recognises the parts of
a request object that carry client data (``request.args``, ``request.GET``,
``await request.json()``), as opposed to what the server put there
(``request.user``, ``request.session``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis.names import dotted_name

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_ROUTE_METHODS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket"}
)
# Litestar and friends decorate with the bare verb: ``@get("/items")``.
_VERB_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "head", "route", "websocket"})
_DJANGO_VIEW_DECORATORS = frozenset(
    {"api_view", "require_http_methods", "require_GET", "require_POST", "require_safe", "login_required"}
    | {"permission_required", "csrf_exempt", "action", "cache_page", "never_cache"}
)
_REQUEST_PARAMETERS = frozenset({"request", "req"})
_REQUEST_TYPES = frozenset(
    {"Request", "HttpRequest", "WSGIRequest", "ASGIRequest", "WebSocket", "HTTPConnection", "BaseRequest"}
)
# Parameters a framework fills in itself: not client data.
_INJECTED_TYPES = _REQUEST_TYPES | frozenset(
    {
        "Response",
        "BackgroundTasks",
        "Session",
        "AsyncSession",
        "Connection",
        "AsyncConnection",
        "SecurityScopes",
    }
    | {"HTTPAuthorizationCredentials", "HTTPBasicCredentials", "OAuth2PasswordRequestForm"}
)
_DEPENDENCY_CALLS = frozenset({"Depends", "Security", "Inject", "Provide"})
_CLIENT_DATA_CALLS = frozenset({"Query", "Path", "Body", "Form", "Header", "Cookie", "File", "UploadFile"})
# Types whose values the framework has already converted (and so validated) from text.
NUMERIC_TYPES = frozenset(
    {"int", "float", "bool", "Decimal", "UUID", "date", "datetime", "time", "timedelta"}
)
_PATH_VARIABLE = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)(?::(\w+))?\}")
_NUMERIC_CONVERTERS = frozenset({"int", "float", "uuid", "path_int"})

# Attributes of a request object that hold what the client sent.
CLIENT_DATA_ATTRIBUTES = frozenset(
    {"args", "form", "values", "json", "data", "files", "cookies", "headers", "body", "stream", "content"}
    | {"GET", "POST", "FILES", "COOKIES", "META", "REQUEST", "raw_post_data", "query_params", "path_params"}
    | {"query_string", "path", "full_path", "url", "base_url", "view_args", "match_info", "query", "rel_url"}
    | {"params", "media", "text", "environ", "forwarded", "host", "remote_addr", "client", "url_params"}
)
# Methods of a request object that return what the client sent.
CLIENT_DATA_METHODS = frozenset(
    {"get_json", "get_data", "json", "form", "body", "stream", "text", "read", "post", "get_param"}
    | {"get_param_as_int", "get_param_as_list", "get_header", "get_full_path", "build_absolute_uri"}
    | {"get_host", "get_media", "bounded_stream"}
)
# Request objects that are module globals, bound to the request being handled.
GLOBAL_REQUESTS = frozenset({"flask.request", "quart.request", "bottle.request", "werkzeug.local.request"})


@dataclass(frozen=True)
class Binding:
    """How a route handler's parameter gets its value.

    kind: ``client`` (from the path, query, body, headers or cookies),
    ``number`` (client data the framework converted to a number, UUID or date),
    ``request`` (the request object itself), or ``injected`` (a dependency,
    a session, background tasks: the server's own objects).
    """

    kind: str
    handler: str  # the handler's name, for messages
    framework: str


def _decorator_call(decorator: cst.Decorator) -> tuple[str, cst.Call | None]:
    expression = decorator.decorator
    call = expression if isinstance(expression, cst.Call) else None
    func = call.func if call is not None else expression
    if isinstance(func, cst.Attribute):
        return func.attr.value, call
    if isinstance(func, cst.Name):
        return func.value, call
    return "", call


def _route_path(call: cst.Call | None) -> str | None:
    """The path a route decorator names: its first argument or ``path=``, when it is a literal."""
    if call is None:
        return None
    for arg in call.args:
        positional = arg.keyword is None and not arg.star
        named = arg.keyword is not None and arg.keyword.value in ("path", "rule")
        if positional or named:
            value = arg.value
            if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
                return value.evaluated_value
            return None
    return None


_FRAMEWORK_ROOTS = {
    "fastapi": "fastapi",
    "starlette": "fastapi",
    "litestar": "fastapi",
    "flask": "flask",
    "quart": "flask",
    "sanic": "flask",
    "bottle": "flask",
}


def route_framework(context: FileContext, function: cst.FunctionDef) -> str | None:
    """How ``function``'s parameters are bound if it is a route handler: ``flask`` (path variables
    only), ``fastapi`` (every parameter), ``django`` (a view: the URL's captures), else None."""
    return context.cached(("route-framework", id(function)), lambda: _framework(context, function))


def _framework(context: FileContext, function: cst.FunctionDef) -> str | None:
    for decorator in function.decorators:
        name, call = _decorator_call(decorator)
        path = _route_path(call)
        func = call.func if call is not None else decorator.decorator
        is_method = isinstance(func, cst.Attribute)
        if name in _DJANGO_VIEW_DECORATORS:
            return "django"
        if path is None or not (path == "" or path.startswith("/")):
            continue
        if not ((is_method and name in _ROUTE_METHODS) or (not is_method and name in _VERB_DECORATORS)):
            continue
        return _framework_of(context, func, path, name)
    positional = [*function.params.posonly_params, *function.params.params]
    if positional and positional[0].name.value in ("self", "cls"):
        positional = positional[1:]
    if (
        positional
        and positional[0].name.value in _REQUEST_PARAMETERS
        and annotation_name(positional[0]) in (None, *_REQUEST_TYPES)
    ):
        return "django"
    return None


def _framework_of(context: FileContext, func: cst.BaseExpression, path: str, name: str) -> str:
    """Which binding style a route decorator's framework has: by its import, else by its path syntax."""
    target = func.value if isinstance(func, cst.Attribute) else func
    qualified = context.qualified_name(target) or ""
    root = qualified.split(".", 1)[0]
    if root in _FRAMEWORK_ROOTS:
        return _FRAMEWORK_ROOTS[root]
    if "<" in path or name == "route":
        return "flask"
    if "{" in path:
        return "fastapi"
    imported = {alias.split(".", 1)[0] for alias in context.imports.aliases.values()}
    return "fastapi" if imported & {"fastapi", "starlette", "litestar"} else "flask"


def annotation_name(param: cst.Param) -> str | None:
    """The last name of a parameter's annotation (``Request`` for ``starlette.requests.Request``)."""
    if param.annotation is None:
        return None
    annotation = param.annotation.annotation
    if isinstance(annotation, cst.Subscript):  # Annotated[int, Query()] / Optional[int]
        outer = dotted_name(annotation.value).rsplit(".", 1)[-1]
        first = annotation.slice[0].slice if annotation.slice else None
        if outer in ("Annotated", "Optional") and isinstance(first, cst.Index):
            annotation = first.value
    if isinstance(annotation, cst.BinaryOperation):  # int | None
        annotation = annotation.left
    text = dotted_name(annotation)
    return text.rsplit(".", 1)[-1] if text else None


def _marker_call(param: cst.Param) -> str | None:
    """``Depends``/``Query``... given as the default or inside ``Annotated[...]``."""
    candidates: list[cst.BaseExpression] = []
    if param.default is not None:
        candidates.append(param.default)
    annotation = param.annotation.annotation if param.annotation is not None else None
    if isinstance(annotation, cst.Subscript):
        candidates.extend(
            element.slice.value for element in annotation.slice[1:] if isinstance(element.slice, cst.Index)
        )
    for candidate in candidates:
        if isinstance(candidate, cst.Call):
            name = dotted_name(candidate.func).rsplit(".", 1)[-1]
            if name in _DEPENDENCY_CALLS or name in _CLIENT_DATA_CALLS:
                return name
    return None


def handler_parameter(context: FileContext, function: cst.FunctionDef, param: cst.Param) -> Binding | None:
    """How ``param`` of ``function`` is bound, when ``function`` is a route handler; else None."""
    framework = route_framework(context, function)
    if framework is None:
        return None
    name = param.name.value
    handler = function.name.value
    if name in ("self", "cls"):
        return None
    annotation = annotation_name(param)
    if (
        name in _REQUEST_PARAMETERS and annotation in (None, *_REQUEST_TYPES)
    ) or annotation in _REQUEST_TYPES:
        return Binding("request", handler, framework)
    marker = _marker_call(param)
    if marker in _DEPENDENCY_CALLS or annotation in _INJECTED_TYPES:
        return Binding("injected", handler, framework)
    if framework == "flask":
        converter = _flask_converters(function).get(name)
        if converter is None:
            return None  # not a path variable: Flask does not bind it from the request
        return Binding("number" if converter in _NUMERIC_CONVERTERS else "client", handler, framework)
    if framework == "django" and param.star == "**":
        return Binding("client", handler, framework)
    if annotation in NUMERIC_TYPES:
        return Binding("number", handler, framework)
    return Binding("client", handler, framework)


def _flask_converters(function: cst.FunctionDef) -> dict[str, str]:
    """Path variables of a Flask-style route and their converters (``""`` for a plain string)."""
    variables: dict[str, str] = {}
    for decorator in function.decorators:
        path = _route_path(_decorator_call(decorator)[1])
        for match in _PATH_VARIABLE.finditer(path or ""):
            if match.group(2):
                variables[match.group(2)] = match.group(1) or ""
            else:
                variables[match.group(3)] = match.group(4) or ""
    return variables


def is_request_object(context: FileContext, node: cst.BaseExpression) -> bool:
    """``request`` in a view or handler, Flask's global ``request``, ``self.request`` in a class-based view."""
    if isinstance(node, cst.Attribute):
        return (
            node.attr.value == "request" and isinstance(node.value, cst.Name) and node.value.value == "self"
        )
    if not isinstance(node, cst.Name):
        return False
    qualified = context.qualified_name(node)
    if qualified in GLOBAL_REQUESTS:
        return True
    bindings = context.bindings(node.value)
    if not bindings or any(binding.kind != "param" for binding in bindings):
        return False
    param = bindings[0].node
    if not isinstance(param, cst.Param):
        return False
    annotation = annotation_name(param)
    return annotation in _REQUEST_TYPES or (node.value in _REQUEST_PARAMETERS and annotation is None)


def request_data(context: FileContext, node: cst.BaseExpression) -> str | None:
    """How a message names the client data ``node`` reads from a request (``request.args``), or None."""
    target = node.expression if isinstance(node, cst.Await) else node
    if isinstance(target, cst.Call):
        func = target.func
        if isinstance(func, cst.Attribute):
            if func.attr.value in CLIENT_DATA_METHODS and is_request_object(context, func.value):
                return f"{context.code(func)}()"
            inner = request_data(context, func.value)
            if inner is not None:
                return inner  # request.args.get("x"), request.GET.getlist("x")
        return None
    if isinstance(target, cst.Subscript):
        return request_data(context, target.value)
    if isinstance(target, cst.Attribute):
        if target.attr.value in CLIENT_DATA_ATTRIBUTES and is_request_object(context, target.value):
            return context.code(target)
        return request_data(context, target.value)
    return None

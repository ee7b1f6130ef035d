"""Team rule: acme-open-redirect (redirects to a URL the client chose)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import libcst as cst

from bek_gate.analysis import calls
from bek_gate.rules import Invalid, Rule, Valid

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

# Qualified name -> (how messages name it, its target parameter).
_SINKS = {
    "flask.redirect": ("redirect()", "location"),
    "werkzeug.utils.redirect": ("redirect()", "location"),
    "django.shortcuts.redirect": ("redirect()", "to"),
    "django.http.HttpResponseRedirect": ("HttpResponseRedirect()", "redirect_to"),
    "django.http.HttpResponsePermanentRedirect": ("HttpResponsePermanentRedirect()", "redirect_to"),
    "starlette.responses.RedirectResponse": ("RedirectResponse()", "url"),
    "fastapi.responses.RedirectResponse": ("RedirectResponse()", "url"),
}
_SINK_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in _SINKS)
_FLASK_FIELDS = frozenset({"args", "form", "values"})  # on flask's ``request`` only
_REQUEST_FIELDS = frozenset({"GET", "POST", "query_params"})  # Django, DRF, Starlette
_CHECKS = frozenset({"url_has_allowed_host_and_scheme", "is_safe_url", "urlparse", "urlsplit", "startswith"})
# A constant start that keeps the URL on a known host: "/path" (not "//" or "/\"), "?query",
# "#fragment", "scheme://host/", or a relative "path/".
_FIXED_HOST = re.compile(r"^(/[^/\\]|[?#]|[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\\]+/|[^/\\:?#]+/)")


class OpenRedirect(Rule):
    """A redirect sends the browser to a URL taken from the request, so a link can point it anywhere.

    ## What it finds
    Flask, Werkzeug and Django `redirect()`, Django `HttpResponseRedirect`
    and `HttpResponsePermanentRedirect`, Starlette and FastAPI
    `RedirectResponse` whose target is a query or form parameter
    (`request.args`, `.form`, `.values` in Flask; `request.GET`, `.POST` in
    Django; `request.query_params`), read directly or through a variable.
    A target that the function passes to `url_has_allowed_host_and_scheme`,
    `is_safe_url`, `urlparse`, `urlsplit`, `.startswith()` or a function
    named in the `extra-validators` option counts as checked, and so does one
    that starts with a constant path or host (`f"/orders/{order_id}"`).

    ## Why it matters
    `https://shop.example/login?next=https://evil.example` looks like a link
    to our site; after logging in, the user lands on a look-alike page that
    asks for the password again. Phishing mails use exactly such links.

    ## Example
    ```python
    from flask import redirect, request

    def after_login():
        return redirect(request.args.get("next", "/"))
    ```

    ## Use instead
    ```python
    from django.shortcuts import redirect
    from django.utils.http import url_has_allowed_host_and_scheme

    def after_login(request):
        target = request.GET.get("next", "/")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "/"
        return redirect(target)
    ```

    ## References
    - [OWASP: Unvalidated Redirects and Forwards Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html)
    - [CWE-601: URL Redirection to Untrusted Site](https://cwe.mitre.org/data/definitions/601.html)
    """

    id = "acme-open-redirect"
    title = "Redirect to a URL taken from the request"
    severity = "high"
    cwe = 601
    pattern = "sec-input-validation"
    fix = "Redirect to a route name (`url_for`, `reverse`), or check the target with `url_has_allowed_host_and_scheme`."
    tags = ("security", "acme")
    prefilter = ("redirect", "Redirect")
    options = {"extra-validators": {"type": "array", "items": {"type": "string"}, "default": []}}
    valid = [
        Valid("from flask import redirect, url_for\nredirect(url_for('index'))\n"),
        Valid("from flask import redirect, request\nredirect(f\"/login?next={request.args['next']}\")\n"),
        Valid("from django.shortcuts import redirect\ndef f(request):\n    return redirect(request.path)\n"),
        Valid("from flask import request\ndef f(client):\n    client.redirect(request.args['next'])\n"),
        Valid(
            """
            from urllib.parse import urlparse
            from flask import abort, redirect, request
            def after_login():
                target = request.args.get("next", "/")
                if urlparse(target).netloc:
                    abort(400)
                return redirect(target)
            """
        ),
    ]
    invalid = [
        Invalid("from flask import redirect as go, request\ngo(request.values.get('next') or '/')\n", line=2),
        Invalid("from flask import redirect, request\nredirect('/' + request.args['path'])\n", line=2),
        Invalid(
            """
            from django.http import HttpResponseRedirect
            def after_login(request):
                target = request.POST.get("next")
                return HttpResponseRedirect(redirect_to=target)
            """,
            line=4,
        ),
        Invalid(
            "from fastapi.responses import RedirectResponse\n"
            "def back(request):\n    return RedirectResponse(f\"{request.query_params['to']}?done=1\")\n",
            line=3,
        ),
    ]

    def __init__(self, context: FileContext, options: dict[str, Any]) -> None:
        super().__init__(context, options)
        self.checks = _CHECKS | set(options["extra-validators"])
        self.checked: dict[int, set[str]] = {}  # by id() of the function: source text of checked values

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in self.checks:
            values = [func.value] if func.attr.value == "startswith" else [arg.value for arg in node.args]
        elif isinstance(func, cst.Name) and func.value in self.checks:
            values = [arg.value for arg in node.args]
        else:
            return
        checked = self.checked.setdefault(id(self.context.enclosing_function()), set())
        checked.update(self.context.code(value) for value in values)

    # On leave, so that a check inside the redirect's own arguments has been seen.
    def leave_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value not in _SINK_NAMES:
                return
        elif not isinstance(func, cst.Name) or (
            func.value not in _SINK_NAMES and func.value not in self.context.imports.aliases
        ):
            return
        sink = _SINKS.get(self.context.qualified_name(func) or "")
        target = calls.argument(node, 0, sink[1]) if sink else None
        if sink is None or target is None:
            return
        source = self._request_data(target, self.checked.get(id(self.context.enclosing_function()), set()), 0)
        if source is not None:
            self.report(node, f"`{sink[0]}` sends the client to `{source}`, a URL taken from the request")

    def _request_data(self, node: cst.CSTNode, checked: set[str], depth: int) -> str | None:
        """The request parameter that the URL ``node`` starts with, unless a check vouched for it."""
        if depth > 4 or self.context.code(node) in checked:
            return None
        if isinstance(node, cst.Subscript):
            return self.context.code(node) if self._is_parameters(node.value) else None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            is_lookup = node.func.attr.value in ("get", "getlist") and self._is_parameters(node.func.value)
            return self.context.code(node) if is_lookup else None
        if isinstance(node, cst.Name):
            values = self.context.assigned_values(node.value) or ()
            found = (self._request_data(value, checked, depth + 1) for value in values)
            return next((f"{node.value} = {text}" for text in found if text), None)
        if isinstance(node, cst.BooleanOperation):
            left = self._request_data(node.left, checked, depth + 1)
            return left or self._request_data(node.right, checked, depth + 1)
        if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)) or _is_concatenation(node):
            prefix = ""
            for part in _parts(node):
                if not isinstance(part, str):
                    # Whatever follows a constant that fixes the host cannot leave the site.
                    return None if _FIXED_HOST.match(prefix) else self._request_data(part, checked, depth + 1)
                prefix += part
        return None

    def _is_parameters(self, node: cst.BaseExpression) -> bool:
        """``request.args`` and friends: the client's query and form parameters."""
        if not isinstance(node, cst.Attribute):
            return False
        if node.attr.value in _REQUEST_FIELDS:
            return True
        return node.attr.value in _FLASK_FIELDS and self.context.qualified_name(node.value) == "flask.request"


def _parts(node: cst.CSTNode) -> list[str | cst.CSTNode]:
    """A string built by ``+`` or an f-string: its constant text and the expressions in between."""
    if isinstance(node, cst.ConcatenatedString) or _is_concatenation(node):
        return _parts(node.left) + _parts(node.right)  # type: ignore[attr-defined]
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        return [node.evaluated_value]
    if isinstance(node, cst.FormattedString):
        return [
            part.value if isinstance(part, cst.FormattedStringText) else part.expression
            for part in node.parts
        ]
    return [node]


def _is_concatenation(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)

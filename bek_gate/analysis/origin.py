"""Where a value comes from: the value-origin analysis of the injection-like rules (SPEC 6.2).

A rule that sees a value reach a sink (SQL text, a shell command, a template,
a deserializer) asks ``origin(context, expression)`` what produced it:

========================  ==================================================
kind                      what produced the value
========================  ==================================================
``constant``              literals, constants of any case (module or class
                          level), enum members, tuples of constants, code
                          objects (functions, classes, modules)
``number``                ``int()``, ``len()``, arithmetic on numbers,
                          parameters typed ``int``, numeric path variables
``generated``             ``uuid``, ``secrets``, hashes, clocks
``quoted``                driver quoting (``quote_ident``, ``sql.Identifier``)
                          and the project's own quoting or escaping helpers
``placeholders``          placeholder lists (``", ".join("?" * n)``)
``orm-sql``               SQL an ORM compiled (``query.sql_with_params()``,
                          ``statement.compile()``)
``configuration``         the operator's settings (``settings.X``,
                          ``os.environ``, ``app.config``)
``catalog``               names read from the database catalog
                          (``sqlite_master``, ``information_schema``)
``server``                what the framework injects (dependencies, the
                          authenticated user, the session)
``untrusted``             request data: Flask/Django/Starlette/FastAPI request
                          objects, route handler parameters bound from the
                          path, query or body, ``await request.json()``
``parameter``             a parameter of the enclosing function: its callers
                          are not known
``unknown``               anything else (the result of a call into another
                          module, an attribute of an unknown object)
========================  ==================================================

The first nine are safe to put in text; ``untrusted``, ``parameter`` and
``unknown`` are not known to be. A value with several possible origins (a name
assigned in two branches, an f-string with several parts) takes the riskiest.
Values are followed within the function (earlier assignments, ``+=``, loop
variables, unpacking) and into simple helpers of the same module, whose
parameters take the call's arguments.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis import helpers, routes, strings
from bek_gate.analysis.scopes import Binding, Scope

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

SAFE_KINDS = frozenset(
    {"constant", "number", "generated", "quoted", "placeholders", "orm-sql", "configuration", "catalog"}
    | {"server"}
)
_RISK = {"untrusted": 3, "parameter": 2, "unknown": 1}
_MAX_DEPTH = 14
# Operators that, with a number on one side, give a number or raise (``*`` repeats text).
_ARITHMETIC = (cst.Add, cst.Subtract, cst.Divide, cst.FloorDivide, cst.Power)
_BUILTINS = frozenset(dir(builtins))

_NUMBER_CALLS = frozenset(
    {"builtins.int", "builtins.float", "builtins.len", "builtins.bool", "builtins.round", "builtins.abs"}
    | {
        "builtins.sum",
        "builtins.ord",
        "builtins.hash",
        "builtins.id",
        "decimal.Decimal",
        "fractions.Fraction",
    }
)
_NUMBER_METHODS = frozenset({"count", "index", "find", "rfind", "bit_length", "total_seconds", "timestamp"})
_GENERATED_MODULES = ("uuid.", "secrets.", "hashlib.", "random.", "time.", "datetime.", "zlib.", "hmac.")
_GENERATED_CALLS = frozenset({"os.urandom", "os.getpid", "django.utils.timezone.now", "binascii.hexlify"})
_GENERATED_METHODS = frozenset({"hexdigest", "digest", "isoformat", "strftime", "hex"})
_TEXT_PRESERVING_CALLS = frozenset(
    {"builtins.str", "builtins.repr", "builtins.format", "textwrap.dedent", "inspect.cleandoc"}
    | {"builtins.sorted", "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset"}
    | {"builtins.reversed", "builtins.min", "builtins.max", "builtins.next", "builtins.iter"}
)
_STRING_METHODS = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "title", "casefold", "encode", "decode", "splitlines"}
    | {"removeprefix", "removesuffix", "split", "rsplit", "capitalize", "zfill", "ljust", "rjust", "center"}
)
# SQL that an ORM or query builder compiled: identifiers quoted, values bound.
_ORM_METHODS = frozenset({"sql_with_params", "as_sql", "get_compiler", "compile_query"})
_CONFIGURATION_WORDS = frozenset(
    {"settings", "setting", "config", "conf", "configuration", "environ", "getenv", "options", "get_setting"}
    | {"get_config", "app_settings", "env"}
)
_CATALOG = re.compile(
    r"\b(?:sqlite_master|sqlite_schema|sqlite_temp_master|information_schema|pg_catalog|pg_tables|pg_class"
    r"|pg_namespace|pg_indexes|pg_attribute|pg_views|pragma_table_info|pragma\s+table_info|all_tables"
    r"|user_tables|sys\.tables|sys\.objects|show\s+tables|show\s+columns)\b",
    re.IGNORECASE,
)
_FETCH_METHODS = frozenset({"fetchall", "fetchone", "fetchmany", "all", "first", "one", "scalars", "scalar"})
_ESCAPED = re.compile(r"""^[\"'`\[]""")


@dataclass(frozen=True)
class Origin:
    """Where a value comes from: ``kind`` (see the module docstring), the expression traced
    (``node``) and, for the risky kinds, ``source``: what a message names (``request.args``,
    ``parameter `table` of `rows()```, ``fetch_name()``)."""

    kind: str
    node: cst.CSTNode
    source: str = ""

    @property
    def safe(self) -> bool:
        return self.kind in SAFE_KINDS

    @property
    def untrusted(self) -> bool:
        return self.kind == "untrusted"

    @property
    def risk(self) -> int:
        """3 for request data, 2 for a parameter, 1 for unknown, 0 for the safe kinds."""
        return _RISK.get(self.kind, 0)

    def phrase(self, names_part: bool = False) -> str:
        """How a message says where the value comes from (``request data: `request.args```).

        ``names_part`` is for a message whose source already names the value
        itself (``from `changes.items()`, whose origin is not known here``).
        """
        if self.kind == "untrusted":
            return f"request data: {self.source}"
        if self.kind == "parameter":
            return f"{self.source}, whose callers are not known here"
        if self.kind == "unknown":
            if names_part:
                return f"{self.source}, whose origin is not known here"
            return f"origin not known: {self.source}" if self.source else "origin not known"
        return self.kind


def worst(origins: Iterable[Origin], node: cst.CSTNode) -> Origin:
    """The riskiest of several possible origins (a safe one when all are safe)."""
    chosen: Origin | None = None
    for candidate in origins:
        if chosen is None or candidate.risk > chosen.risk:
            chosen = candidate
    return chosen if chosen is not None else Origin("constant", node)


def origin(context: FileContext, node: cst.CSTNode) -> Origin:
    """Where the value of ``node`` comes from, seen from the node being visited."""
    key = ("origin", id(node), id(context.ancestors[-1]) if context.ancestors else 0)
    return context.cached(key, lambda: _Tracer(context).trace(node, 0))


def is_configuration(node: cst.BaseExpression) -> bool:
    """``settings.X``, ``app.config["X"]``, ``os.environ.get("X")``, ``self.setting("x")``: the operator's values."""
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute):
            if node.attr.value.lower() in _CONFIGURATION_WORDS:
                return True
            node = node.value
        elif isinstance(node, cst.Name):
            return node.value.lower() in _CONFIGURATION_WORDS
        else:
            return False


class _Tracer:
    """One question about one expression; ``env`` binds a followed helper's parameters."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.env: dict[str, Origin] = {}
        self.locals: dict[str, cst.BaseExpression] = {}
        self.following: set[int] = set()  # bindings and helpers being followed, so cycles stop

    def trace(self, node: cst.CSTNode, depth: int) -> Origin:
        if depth > _MAX_DEPTH:
            return Origin("unknown", node, self._shown(node))
        depth += 1
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return Origin("number", node)
        if isinstance(node, (cst.SimpleString, cst.Lambda, cst.Comparison, cst.Ellipsis)):
            return Origin("constant", node)
        if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)):
            return self._text(node, depth)
        if isinstance(node, cst.Name):
            return self._name(node, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, depth)
        if isinstance(node, cst.Subscript):
            return self._subscript(node, depth)
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        if isinstance(node, cst.Await):
            found = routes.request_data(self.context, node)
            return Origin("untrusted", node, f"`{found}`") if found else self.trace(node.expression, depth)
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, depth)
        if isinstance(node, cst.UnaryOperation):
            inner = self.trace(node.expression, depth)
            if isinstance(node.operator, cst.Not) or inner.kind == "constant":
                return Origin("number" if inner.kind == "number" else "constant", node)
            return inner
        if isinstance(node, cst.IfExp):
            return worst([self.trace(node.body, depth), self.trace(node.orelse, depth)], node)
        if isinstance(node, cst.BooleanOperation):
            return worst([self.trace(node.left, depth), self.trace(node.right, depth)], node)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return worst((self.trace(element.value, depth) for element in node.elements), node)
        if isinstance(node, cst.Dict):
            return worst(
                (
                    self.trace(part, depth)
                    for element in node.elements
                    for part in (
                        (element.key, element.value)
                        if isinstance(element, cst.DictElement)
                        else (element.value,)
                    )
                ),
                node,
            )
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self._comprehension(node, node.elt, depth)
        if isinstance(node, cst.DictComp):
            return self._comprehension(node, node.value, depth)
        if isinstance(node, cst.NamedExpr):
            return self.trace(node.value, depth)
        return Origin("unknown", node, self._shown(node))

    # -- text --------------------------------------------------------------

    def _text(self, node: cst.CSTNode, depth: int) -> Origin:
        """Strings built from parts: as risky as the riskiest part the string analysis finds."""
        value = strings.analyse(self.context, node)
        if value.is_constant:
            return Origin("constant", node)
        if value.built is None:
            return Origin("unknown", node, self._shown(node))
        return worst((self.trace(part, depth) for part in value.built.dynamic_parts), node)

    def _binary(self, node: cst.BinaryOperation, depth: int) -> Origin:
        if isinstance(node.operator, _ARITHMETIC) and any(
            isinstance(side, (cst.Integer, cst.Float)) for side in (node.left, node.right)
        ):
            return Origin("number", node)  # ``page_size + 1``: a number, or a TypeError for text
        left = self.trace(node.left, depth)
        right = self.trace(node.right, depth)
        if left.kind in ("number", "constant") and right.kind in ("number", "constant"):
            numeric = isinstance(node.operator, (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Power))
            is_number = numeric or "number" in (left.kind, right.kind)
            return Origin("number" if is_number else "constant", node)
        if isinstance(node.operator, (cst.Add, cst.Modulo)):
            value = strings.analyse(self.context, node)
            if value.is_constant:
                return Origin("constant", node)
        return worst([left, right], node)

    # -- names ---------------------------------------------------------------

    def _name(self, node: cst.Name, depth: int) -> Origin:
        name = node.value
        if name in self.env:
            return self.env[name]
        if name in self.locals:
            return self.trace(self.locals[name], depth)
        if name in ("True", "False", "None") or strings.is_constant_name(name):
            return Origin("constant", node)
        bindings = self.context.bindings(name)
        if bindings is None:
            if name in self.context.imports.aliases:
                return self._imported(node, self.context.imports.aliases[name])
            if name in _BUILTINS:
                return Origin("constant", node)
            return Origin("unknown", node, f"`{name}`")
        return worst((self._binding(binding, node, depth) for binding in bindings), node)

    def _binding(self, binding: Binding, use: cst.Name, depth: int) -> Origin:
        if id(binding) in self.following:
            return Origin("constant", use)  # a cycle adds nothing new: the other paths decide
        self.following.add(id(binding))
        try:
            return self._binding_origin(binding, use, depth)
        finally:
            self.following.discard(id(binding))

    def _binding_origin(self, binding: Binding, use: cst.Name, depth: int) -> Origin:
        kind = binding.kind
        if kind in ("assign", "with"):
            if binding.value is not None:
                return self.trace(binding.value, depth)
            statement = binding.node  # ``sql, params = ...``: the unpacked value's origin
            value = getattr(statement, "value", None)
            return self.trace(value, depth) if value is not None else Origin("unknown", use, f"`{use.value}`")
        if kind == "augassign" and isinstance(binding.node, cst.AugAssign):
            return self.trace(binding.node.value, depth)
        if kind == "loop" and binding.value is not None:
            return self._loop_variable(binding, use, depth)
        if kind == "param" and isinstance(binding.node, cst.Param):
            return self._parameter(binding, binding.node, use)
        if kind == "import":
            return self._imported(use, binding.qualified_name or use.value)
        if kind in ("def", "class"):
            return Origin("constant", use)
        return Origin("unknown", use, f"`{use.value}`")

    def _comprehension(self, node: cst.CSTNode, element: cst.BaseExpression, depth: int) -> Origin:
        """``[f"{k} = ?" for k in columns]``: the element, with each target taking its iterable's origin."""
        saved_env = self.env
        self.env = dict(saved_env)
        try:
            clause = getattr(node, "for_in", None)
            while isinstance(clause, cst.CompFor):
                iterated = self.trace(clause.iter, depth)
                targets = [clause.target]
                if isinstance(clause.target, cst.Tuple):
                    targets = [item.value for item in clause.target.elements]
                    if self._numbers_first(clause.iter) and targets:
                        first = targets.pop(0)
                        if isinstance(first, cst.Name):
                            self.env[first.value] = Origin("number", first)
                for target in targets:
                    if isinstance(target, cst.Name):
                        self.env[target.value] = Origin(iterated.kind, target, iterated.source)
                clause = clause.inner_for_in
            return self.trace(element, depth)
        finally:
            self.env = saved_env

    def _numbers_first(self, iterable: cst.BaseExpression) -> bool:
        """``enumerate(...)``: the first item of each element is a counter."""
        return (
            isinstance(iterable, cst.Call)
            and self.context.qualified_name(iterable.func) == "builtins.enumerate"
        )

    def _loop_variable(self, binding: Binding, use: cst.Name, depth: int) -> Origin:
        iterable = binding.value
        loop = binding.node
        target = getattr(loop, "target", None)
        if isinstance(iterable, cst.Call) and isinstance(target, cst.Tuple) and target.elements:
            first = target.elements[0].value
            called = self.context.qualified_name(iterable.func)
            if called == "builtins.enumerate" and isinstance(first, cst.Name) and first.value == use.value:
                return Origin("number", use)
        if isinstance(iterable, cst.Call) and self.context.qualified_name(iterable.func) == "builtins.range":
            return Origin("number", use)
        return self.trace(iterable, depth)  # type: ignore[arg-type]

    def _parameter(self, binding: Binding, param: cst.Param, use: cst.Name) -> Origin:
        function = self._function_of(binding)
        annotation = routes.annotation_name(param)
        if annotation in routes.NUMERIC_TYPES:
            return Origin("number", use)
        if annotation == "Literal" or strings.analyse(self.context, use).is_constant:
            return Origin("constant", use)  # ``direction: Literal["asc", "desc"]``
        if isinstance(function, cst.FunctionDef):
            bound = routes.handler_parameter(self.context, function, param)
            if bound is not None:
                if bound.kind == "number":
                    return Origin("number", use)
                if bound.kind == "injected":
                    return Origin("server", use)
                where = "the request" if bound.kind == "request" else f"parameter `{use.value}`"
                return Origin("untrusted", use, f"{where} of route handler `{bound.handler}()`")
            return Origin("parameter", use, f"parameter `{use.value}` of `{self._qualified(function)}()`")
        return Origin("parameter", use, f"parameter `{use.value}`")

    def _function_of(self, binding: Binding) -> cst.CSTNode | None:
        scope: Scope | None = self.context.scope
        while scope is not None:
            if id(scope.node) == binding.block_id:
                return scope.node
            scope = scope.parent
        return None

    def _qualified(self, function: cst.FunctionDef) -> str:
        owner = self.context.enclosing(cst.ClassDef)
        if isinstance(owner, cst.ClassDef) and any(statement is function for statement in owner.body.body):
            return f"{owner.name.value}.{function.name.value}"
        return function.name.value

    def _imported(self, node: cst.CSTNode, qualified: str) -> Origin:
        if qualified in routes.GLOBAL_REQUESTS:
            return Origin("untrusted", node, "the request")
        if any(part.lower() in _CONFIGURATION_WORDS for part in qualified.split(".")):
            return Origin("configuration", node)
        return Origin("constant", node)  # a module, or a module-level definition of another module

    # -- attributes, subscripts, calls -------------------------------------------

    def _attribute(self, node: cst.Attribute, depth: int) -> Origin:
        found = routes.request_data(self.context, node)
        if found is not None:
            return Origin("untrusted", node, f"`{found}`")
        attr = node.attr.value
        if strings.is_constant_name(attr) or strings.mentions_schema(node):
            return Origin("constant", node)
        if is_configuration(node):
            return Origin("configuration", node)
        if routes.is_request_object(self.context, node):
            return Origin("untrusted", node, "the request")
        if routes.is_request_object(self.context, node.value):
            return Origin("server", node)  # request.user, request.method, request.session
        values = self.context.instance_attribute_values(node) or self.context.class_attribute_values(node)
        if values:
            return worst((self.trace(value, depth) for value in values), node)
        base = self.trace(node.value, depth)  # an attribute of a value comes from where the value does
        return Origin(base.kind, node, base.source)

    def _subscript(self, node: cst.Subscript, depth: int) -> Origin:
        found = routes.request_data(self.context, node)
        if found is not None:
            return Origin("untrusted", node, f"`{found}`")
        if is_configuration(node.value) or self.context.qualified_name(node.value) == "os.environ":
            return Origin("configuration", node)
        if strings.analyse(self.context, node).is_constant:
            return Origin("constant", node)
        return self.trace(node.value, depth)

    def _call(self, node: cst.Call, depth: int) -> Origin:
        found = routes.request_data(self.context, node)
        if found is not None:
            return Origin("untrusted", node, f"`{found}`")
        func = node.func
        qualified = self.context.qualified_name(func) or ""
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        called = method or (func.value if isinstance(func, cst.Name) else "")
        if qualified in _NUMBER_CALLS or method in _NUMBER_METHODS:
            return Origin("number", node)
        if (
            qualified.startswith(_GENERATED_MODULES)
            or qualified in _GENERATED_CALLS
            or method in _GENERATED_METHODS
        ):
            return Origin("generated", node)
        if strings.is_escaping_call(self.context, func) or self._quotes(node):
            return Origin("quoted", node)
        if method in _ORM_METHODS or self._compiles_orm(node, qualified):
            return Origin("orm-sql", node)
        if is_configuration(func) or qualified in ("os.getenv", "os.environ.get"):
            return Origin("configuration", node)
        if self._reads_catalog(node):
            return Origin("catalog", node)
        value = strings.analyse(self.context, node)
        if value.is_constant:
            return Origin("placeholders" if method == "join" else "constant", node)
        if method == "join" and node.args:
            return self.trace(node.args[0].value, depth)
        if method == "format" or method in _STRING_METHODS:
            receiver = self.trace(func.value, depth)  # type: ignore[union-attr]
            return worst([receiver, *(self.trace(arg.value, depth) for arg in node.args)], node)
        if method in ("get", "pop", "setdefault") and isinstance(func, cst.Attribute):
            return self.trace(func.value, depth)  # a value of the mapping
        if qualified in _TEXT_PRESERVING_CALLS and node.args:
            return worst((self.trace(arg.value, depth) for arg in node.args), node)
        helper = self._helper(node, depth)
        if helper is not None:
            return helper
        if qualified.startswith("builtins.") and called in _BUILTINS and not node.args:
            return Origin("constant", node)
        return Origin("unknown", node, f"`{self._shown(func)}()`")

    def _quotes(self, node: cst.Call) -> bool:
        """A helper of this module whose every return value wraps its text in quotes it escapes."""
        call = helpers.helper_call(self.context, node)
        return call is not None and all(_quoting_expression(value) for value in call.returns)

    def _compiles_orm(self, node: cst.Call, qualified: str) -> bool:
        """``statement.compile(...)``, ``str(queryset.query)``: SQL an ORM wrote."""
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "compile":
            return not qualified.startswith(("re.", "regex.", "builtins."))
        if qualified == "builtins.str" and node.args:
            inner = node.args[0].value
            return isinstance(inner, cst.Attribute) and inner.attr.value in ("query", "statement")
        return False

    def _reads_catalog(self, node: cst.Call) -> bool:
        """``conn.execute("select name from sqlite_master").fetchall()``: names the database lists."""
        current: cst.BaseExpression = node
        while isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            method = current.func.attr.value
            if method in ("execute", "exec_driver_sql", "query", "fetch") and current.args:
                text = strings.analyse(self.context, current.args[0].value).text
                return bool(text and _CATALOG.search(text))
            if method not in _FETCH_METHODS:
                return False
            current = current.func.value
        return False

    def _helper(self, node: cst.Call, depth: int) -> Origin | None:
        call = helpers.helper_call(self.context, node)
        if call is None or call.opaque or id(call.definition) in self.following:
            return None
        env = {
            name: self.trace(given, depth)
            if given is not None
            else Origin("unknown", node, self._shown(node))
            for name, given in call.arguments.items()
        }
        saved_env, saved_locals = self.env, self.locals
        self.env = {**saved_env, **env}
        self.locals = {**{k: v for k, v in saved_locals.items() if k not in env}, **call.locals}
        for name in call.locals:
            self.env.pop(name, None)
        self.following.add(id(call.definition))
        try:
            return worst((self.trace(value, depth) for value in call.returns), node)
        finally:
            self.env, self.locals = saved_env, saved_locals
            self.following.discard(id(call.definition))

    def _shown(self, node: cst.CSTNode) -> str:
        text = " ".join(self.context.code(node).split())
        return text if len(text) <= 40 else text[:37] + "..."


def _quoting_expression(node: cst.BaseExpression) -> bool:
    """``'"' + s.replace('"', '""') + '"'``, ``f'"{s.replace(...)}"'``, ``'"{}"'.format(s.replace(...))``."""
    text = _literal_text(node)
    if text is None or not _ESCAPED.match(text):
        return False
    return any(
        isinstance(part, cst.Call)
        and isinstance(part.func, cst.Attribute)
        and part.func.attr.value == "replace"
        for part in _parts(node)
    )


def _literal_text(node: cst.BaseExpression) -> str | None:
    """The literal text a quoting expression starts with."""
    if isinstance(node, cst.FormattedString):
        return "".join(
            part.value if isinstance(part, cst.FormattedStringText) else "?" for part in node.parts
        )
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _literal_text(node.left)
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    ):
        receiver = node.func.value
        if isinstance(receiver, cst.SimpleString) and isinstance(receiver.evaluated_value, str):
            return receiver.evaluated_value
    return None


def _parts(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, cst.FormattedString):
        return [part.expression for part in node.parts if isinstance(part, cst.FormattedStringExpression)]
    if isinstance(node, cst.BinaryOperation):
        return [*_parts(node.left), *_parts(node.right)] if isinstance(node.operator, cst.Add) else [node]
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    ):
        return [arg.value for arg in node.args]
    return [node]

"""Recognising logging calls and reading what they log.

A call logs when its method is a level method (``info``, ``warning``,
``exception``, ``log``...) on a logger: the ``logging`` module itself,
``logging.getLogger(...)`` results, ``structlog.get_logger()``, loguru's
``logger``, or a receiver named like one (``logger``, ``log``, ``LOGGER``,
``self.logger``, ``app.logger``, ``current_app.logger``, ``audit_log``).
Names are trusted because loggers are mostly created in another module or
injected; other receivers are not loggers, so ``messages.info(request, ...)``
(Django's flash messages), ``console.log()`` and ``print()`` are not logging
calls here.

``LoggingCall`` says where the message, the %-args, ``extra=`` and the
key-value fields (structlog, loguru) are; ``interpolations`` pairs every
value that ends up in the message with the constant text just before it
(``"password=%s"`` labels its argument ``password=``). ``bound_fields`` reads
structlog/loguru ``bind(...)`` calls, whose fields go into every later record.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis import strings
from bek_gate.analysis.names import dotted_name

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


LEVEL_METHODS = _words(
    "debug info warning warn error exception critical fatal log msg trace success "
    "adebug ainfo awarning aerror aexception acritical alog"
)
_MODULE_FUNCTIONS = _words("debug info warning warn error exception critical fatal log")
# Arguments the logging libraries read themselves; every other keyword is a logged field.
RESERVED_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel", "extra", "msg", "event", "level"})
# Methods that return a logger with more context: ``log.bind(user=...)``, ``logger.opt(...)``.
_DERIVING_METHODS = frozenset({"bind", "new", "opt", "getChild", "patch", "with_fields", "with_context"})
_LOGGER_FACTORIES = frozenset({"getLogger", "get_logger", "getChild", "wrap_logger", "get_task_logger"})
_LIBRARY_PREFIXES = (("logging", "logging"), ("structlog", "structlog"), ("loguru", "loguru"))
_PERCENT = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_MAX_DEPTH = 4


@dataclass(frozen=True)
class LoggingCall:
    """One call that writes a log record.

    ``logger`` is how the receiver reads (``self.logger``, ``logging``);
    ``library`` is ``logging``, ``structlog``, ``loguru``, or ``""`` when the
    receiver is a logger by name only; ``message`` is the message or event
    argument; ``arguments`` the positional values after it (%-args);
    ``fields`` the key-value keywords; ``extra`` the ``extra=`` mapping.
    """

    call: cst.Call
    logger: str
    method: str
    library: str
    message: cst.BaseExpression | None
    arguments: tuple[cst.BaseExpression, ...]
    fields: tuple[cst.Arg, ...]
    extra: cst.BaseExpression | None
    exc_info: cst.BaseExpression | None

    @property
    def name(self) -> str:
        """``logger.info`` as the call reads, for messages."""
        return f"{self.logger}.{self.method}"

    @property
    def logs_traceback(self) -> bool:
        """Whether the record carries the current exception's traceback."""
        if self.method in ("exception", "aexception"):
            return True
        value = self.exc_info
        return value is not None and not (isinstance(value, cst.Name) and value.value in ("False", "None"))


@dataclass(frozen=True)
class Interpolation:
    """A value that ends up in the message, with the constant text just before it (its label)."""

    value: cst.BaseExpression
    label: str
    conversion: str  # "s", "r", "d"... for %-style; "" when unknown


def logging_call(context: FileContext, call: cst.Call) -> LoggingCall | None:
    """``call`` read as a logging call, or None when it is not one."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in LEVEL_METHODS:
        return None
    method = func.attr.value
    receiver = func.value
    while (
        isinstance(receiver, cst.Call)
        and isinstance(receiver.func, cst.Attribute)
        and receiver.func.attr.value in _DERIVING_METHODS
    ):
        receiver = receiver.func.value
    library = _library(context, receiver)
    if library is None:
        return None
    if library == "logging-module" and method not in _MODULE_FUNCTIONS:
        return None
    positional = [arg for arg in call.args if arg.keyword is None and arg.star != "**"]
    first_message = 1 if method in ("log", "alog") else 0
    message_arg = positional[first_message] if len(positional) > first_message else None
    if message_arg is not None and message_arg.star:
        message_arg = None
    message = message_arg.value if message_arg is not None else _keyword_value(call, "msg", "event")
    keywords = [arg for arg in call.args if arg.keyword is not None]
    return LoggingCall(
        call=call,
        logger=_describe(receiver),
        method=method,
        library="logging" if library == "logging-module" else library,
        message=message,
        arguments=tuple(arg.value for arg in positional[first_message + 1 :]),
        fields=tuple(
            arg
            for arg in call.args
            if arg.star == "**" or (arg.keyword is not None and arg.keyword.value not in RESERVED_KEYWORDS)
        ),
        extra=next((arg.value for arg in keywords if arg.keyword and arg.keyword.value == "extra"), None),
        exc_info=next(
            (arg.value for arg in keywords if arg.keyword and arg.keyword.value == "exc_info"), None
        ),
    )


BINDING_METHODS = frozenset({"bind", "new", "bind_contextvars"})


@dataclass(frozen=True)
class BoundFields:
    """``log.bind(user=...)`` / ``bind_contextvars(...)``: fields written with every later record."""

    call: cst.Call
    name: str  # ``log.bind`` as the call reads
    fields: tuple[cst.Arg, ...]


def bound_fields(context: FileContext, call: cst.Call) -> BoundFields | None:
    """``call`` read as binding context fields to a logger (structlog, loguru), or None."""
    func = call.func
    if isinstance(func, cst.Name) and func.value == "bind_contextvars":
        if not (context.qualified_name(func) or "").startswith("structlog."):
            return None
        name = func.value
    elif isinstance(func, cst.Attribute) and func.attr.value in BINDING_METHODS:
        if func.attr.value == "bind_contextvars":
            if not (context.qualified_name(func) or "").startswith("structlog."):
                return None
        elif _library(context, func.value) is None:
            return None
        name = f"{_describe(func.value)}.{func.attr.value}"
    else:
        return None
    fields = tuple(arg for arg in call.args if arg.keyword is not None or arg.star == "**")
    return BoundFields(call, name, fields)


def is_logger_name(name: str) -> bool:
    """``logger``, ``log``, ``LOGGER``, ``_log``, ``audit_logger``, ``access_log``."""
    lowered = name.lower().lstrip("_")
    return lowered in ("log", "logger") or lowered.endswith(("logger", "_log"))


def _library(context: FileContext, receiver: cst.BaseExpression) -> str | None:
    """Which library the receiver logs with; ``""`` for a logger known by name only; None if no logger."""
    named = isinstance(receiver, (cst.Name, cst.Attribute))
    last = receiver.attr.value if isinstance(receiver, cst.Attribute) else getattr(receiver, "value", "")
    by_name = named and isinstance(last, str) and is_logger_name(last)
    factory = (
        isinstance(receiver, cst.Call) and dotted_name(receiver.func).rsplit(".", 1)[-1] in _LOGGER_FACTORIES
    )
    # Any other plain name may be an import alias (``import logging as lg``); other receivers are not loggers.
    if not (by_name or factory or isinstance(receiver, cst.Name)):
        return None
    qualified = context.qualified_name(receiver) or ""
    if qualified == "logging":
        return "logging-module"
    for prefix, library in _LIBRARY_PREFIXES:
        if qualified.startswith(prefix + "."):
            return library
    return "" if by_name or factory else None


def _describe(receiver: cst.BaseExpression) -> str:
    """The receiver as it reads, with call arguments elided: ``structlog.get_logger(...)``."""
    if isinstance(receiver, cst.Call):
        return f"{_describe(receiver.func)}({'...' if receiver.args else ''})"
    if isinstance(receiver, cst.Attribute):
        return f"{_describe(receiver.value)}.{receiver.attr.value}"
    if isinstance(receiver, cst.Name):
        return receiver.value
    return "<logger>"


def _keyword_value(call: cst.Call, *names: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg.value
    return None


# -- what goes into the message ------------------------------------------------


def interpolations(context: FileContext, log: LoggingCall) -> list[Interpolation]:
    """Every value the message shows, labelled by the constant text before it.

    Covers lazy %-args (and loguru's ``{}`` with positional args), f-strings,
    ``%``, ``.format()`` and ``+`` inside the message, and a message assigned
    earlier. Values that cannot be placed come with an empty label.
    """
    message = log.message
    arguments = list(log.arguments)
    if message is None:
        return [Interpolation(value, "", "") for value in arguments]
    template = strings.constant_text(context, message)
    if template is not None:
        return _label(_template_tokens(template, arguments, braces=log.library == "loguru"))
    tokens = list(_message_tokens(context, message, 0))
    tokens += [(value, "") for value in arguments]
    return _label(tokens)


def string_parts(context: FileContext, node: cst.BaseExpression) -> list[Interpolation]:
    """The values a string expression (f-string, ``%``, ``.format()``, ``+``) shows, labelled by the
    constant text before each: ``f"Bearer {token}"`` -> (token, "Bearer ")."""
    return _label(list(_message_tokens(context, node, 0)))


Token = tuple[object, str]  # (str text, "") or (expression, conversion)


def _label(tokens: list[Token]) -> list[Interpolation]:
    found = []
    text = ""
    for item, conversion in tokens:
        if isinstance(item, str):
            text += item
        else:
            assert isinstance(item, cst.BaseExpression)
            found.append(Interpolation(item, text, conversion))
            text = ""
    return found


def _template_tokens(template: str, values: list[cst.BaseExpression], braces: bool) -> list[Token]:
    """Split a lazy template at its placeholders and place the argument values in them."""
    tokens: list[Token] = []
    remaining = list(values)
    if braces and "%" not in template:
        for text, field, spec, conversion in _brace_fields(template):
            tokens.append((text, ""))
            if field is not None and remaining:
                tokens.append((remaining.pop(0), conversion or _type_letter(spec) or "s"))
    else:
        position = 0
        for match in _PERCENT.finditer(template):
            tokens.append((template[position : match.start()], ""))
            position = match.end()
            if match.group(2) == "%":
                tokens.append(("%", ""))
            elif remaining:
                tokens.append((remaining.pop(0), match.group(2)))
        tokens.append((template[position:], ""))
    tokens += [(value, "") for value in remaining]
    return tokens


def _type_letter(spec: str | None) -> str:
    """The presentation type a format spec ends with (``.2f`` -> ``f``), or ""."""
    return spec[-1] if spec and spec[-1] in _SPEC_TYPES else ""


def _spec_type(spec: Sequence[cst.BaseFormattedStringContent] | None) -> str:
    """``_type_letter`` for an f-string's ``{value:.2f}``; "" when the spec is not constant."""
    if not spec or not all(isinstance(part, cst.FormattedStringText) for part in spec):
        return ""
    return _type_letter("".join(part.value for part in spec))  # type: ignore[union-attr]


_SPEC_TYPES = frozenset("bcdeEfFgGnoxX%")


def _brace_fields(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(template))
    except ValueError:
        return [(template, None, None, None)]


def _message_tokens(context: FileContext, node: cst.BaseExpression, depth: int) -> Iterator[Token]:
    """The message read left to right as constant text and the values placed in it."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        yield (value if isinstance(value, str) else "", "")
    elif isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                yield (part.value, "")
            elif isinstance(part, cst.FormattedStringExpression):
                yield (part.expression, part.conversion or _spec_type(part.format_spec) or "s")
    elif isinstance(node, cst.ConcatenatedString) or (
        isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
    ):
        yield from _message_tokens(context, node.left, depth)
        yield from _message_tokens(context, node.right, depth)
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        template = strings.constant_text(context, node.left)
        if template is None:
            yield (node, "")
            return
        right = node.right
        values = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        yield from _template_tokens(template, values, braces=False)
    elif _is_format_call(node):
        assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
        template = strings.constant_text(context, node.func.value)
        values = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        named = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        if template is None:
            yield (node, "")
            return
        for text, field, spec, conversion in _brace_fields(template):
            yield (text, "")
            if field is None:
                continue
            root = re.split(r"[.\[]", field, maxsplit=1)[0]
            value = named.get(root) if root and not root.isdigit() else None
            if value is None and values:
                value = values[int(root)] if root.isdigit() and int(root) < len(values) else values.pop(0)
            if value is not None:
                yield (value, conversion or _type_letter(spec) or "s")
    elif isinstance(node, cst.Name) and depth < _MAX_DEPTH:
        assigned = context.assigned_values(node.value)
        if assigned is not None and len(assigned) == 1 and isinstance(assigned[0], cst.BaseExpression):
            yield from _message_tokens(context, assigned[0], depth + 1)
        else:
            yield (node, "")
    else:
        yield (node, "")


def _is_format_call(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    )

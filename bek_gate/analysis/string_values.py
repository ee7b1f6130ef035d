"""The values the string analysis answers with, and what it knows to be safe.

``StringValue`` is constant, built (with the ``BuiltString`` that says how and
from which dynamic parts) or unknown; ``combine`` merges the possible values
of a name assigned on several paths. ``strings`` computes them and
``allowlists`` judges collections and guards with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

MAX_DEPTH = 12
# Calls whose result is a number, a date or an id: safe to put in text.
SAFE_CALLS = frozenset(
    {"builtins.int", "builtins.float", "builtins.len", "builtins.bool", "builtins.round", "builtins.abs"}
    | {"builtins.hash", "builtins.id", "uuid.uuid4", "uuid.uuid1", "decimal.Decimal", "math.floor"}
    | {"math.ceil", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today"}
    | {"datetime.date.today", "datetime.timedelta", "time.time", "django.utils.timezone.now"}
)
# Escaping functions: what they return is safe to put in text whatever went in.
ESCAPING_CALLS = frozenset(
    {"shlex.quote", "pipes.quote", "html.escape", "markupsafe.escape", "MySQLdb.escape_string"}
    | {"psycopg2.extensions.quote_ident", "pymysql.converters.escape_string"}
)
# Django's request data is spelled in capitals too.
_REQUEST_DATA = frozenset({"GET", "POST", "FILES", "COOKIES", "META", "REQUEST"})


@dataclass(frozen=True)
class BuiltString:
    """A string built from non-constant values.

    ``how`` reads in a message ("an f-string", "%-formatting", "str.format()",
    "concatenation", "str.join()", "a string.Template"); ``node`` is the
    expression that builds it (possibly an earlier assignment's value);
    ``dynamic_parts`` are the non-constant values; ``text`` is the constant
    text with ``?`` in place of each dynamic part, for keyword checks such as
    "looks like SQL" (when a name has several possible values, from branches
    or ``+=``, their texts are joined in source order).
    """

    how: str
    node: cst.CSTNode
    dynamic_parts: tuple[cst.CSTNode, ...]
    text: str


@dataclass(frozen=True)
class StringValue:
    """The result of the analysis: constant, built, or unknown (no evidence either way)."""

    kind: str  # "constant" | "built" | "unknown"
    text: str | None = None  # the constant's text, when known
    is_str: bool = False
    built: BuiltString | None = None
    # An unknown value that a followed helper received as an argument: the caller's expression,
    # which is what a dynamic part must name (and what the value-origin analysis can trace).
    stands_for: cst.CSTNode | None = None

    @property
    def is_constant(self) -> bool:
        return self.kind == "constant"


UNKNOWN = StringValue("unknown")


def constant(text: str | None, is_str: bool = True) -> StringValue:
    return StringValue("constant", text, is_str)


def built(how: str, node: cst.CSTNode, parts: list[cst.CSTNode], text: str) -> StringValue:
    return StringValue("built", text, True, BuiltString(how, node, tuple(unique(parts)), text))


def is_constant_name(name: str) -> bool:
    """ALL_CAPS names are constants by convention (settings, allow-lists, imported constants).

    Django's ``request.GET``/``POST``/``META``... are the exception: request data.
    """
    return (
        len(name) > 1
        and name.isupper()
        and any(char.isalpha() for char in name)
        and name not in _REQUEST_DATA
    )


def part_for(value: StringValue, node: cst.CSTNode) -> cst.CSTNode:
    """The node to report as a dynamic part for ``value``, found at ``node``."""
    return value.stands_for if value.stands_for is not None else node


def unique(nodes: list[cst.CSTNode]) -> list[cst.CSTNode]:
    seen: set[int] = set()
    result = []
    for node in nodes:
        if id(node) not in seen:
            seen.add(id(node))
            result.append(node)
    return result


def combine(values: list[StringValue]) -> StringValue:
    """Several possible values: built if any is built, constant if all are, else unknown.

    A built result carries the dynamic parts of every built alternative and the
    texts of all of them, so ``q = "SELECT ..."; q += f" AND {x}"`` keeps both.
    """
    builts = [value.built for value in values if value.built is not None]
    if builts:
        if len(values) == 1:
            return values[0]
        parts = [part for item in builts for part in item.dynamic_parts]
        text = " ".join(value.text for value in values if value.text)
        return built(builts[0].how, builts[0].node, parts, text)
    if values and all(value.is_constant for value in values):
        if len(values) == 1:
            return values[0]
        texts = [value.text for value in values]
        text = None if any(t is None for t in texts) else " ".join(t for t in texts if t is not None)
        return constant(text, is_str=any(value.is_str for value in values))
    return UNKNOWN


def unknown_part(node: cst.CSTNode) -> StringValue:
    """An item whose value is unknown: when joined, it is a dynamic part."""
    return built("str.join()", node, [node], "?")

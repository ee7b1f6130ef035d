"""Is a string built from non-constant values? (f-strings, ``%``, ``.format``, ``+``, ``join``)

Every rule that cares where text comes from (SQL, shell commands, templates,
log messages) asks this one analysis, so they all agree on what is constant:
literals, ALL_CAPS constants, values assigned only from constants, numbers
and numeric casts, allow-list lookups in constant dicts, placeholders built
with ``", ".join(["%s"] * n)``. Names are followed through the bindings that
reach the use, so ``q = f"... {x}"; run(q)`` is seen as built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_MAX_DEPTH = 10
_NUMERIC_SPEC = re.compile(r"[bdeEfFgGnoxX%]$")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgG%")
_SAFE_CALLS = frozenset(
    {
        "builtins.int",
        "builtins.float",
        "builtins.len",
        "builtins.bool",
        "builtins.round",
        "builtins.abs",
        "builtins.hash",
        "builtins.id",
        "uuid.uuid4",
        "uuid.uuid1",
    }
)
_TEXT_PRESERVING_CALLS = frozenset({"textwrap.dedent", "inspect.cleandoc", "builtins.str"})
_STRING_METHODS = frozenset(
    {
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "title",
        "casefold",
        "replace",
        "encode",
        "decode",
        "format_map",
    }
)


@dataclass(frozen=True)
class BuiltString:
    """A string built from non-constant values.

    ``how`` reads in a message ("an f-string", "%-formatting", "str.format()",
    "concatenation", "str.join()"); ``node`` is the expression that builds it
    (possibly an earlier assignment's value); ``dynamic_parts`` are the
    non-constant values; ``text`` is the constant text with ``?`` in place of
    each dynamic part, for keyword checks such as "looks like SQL".
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

    @property
    def is_constant(self) -> bool:
        return self.kind == "constant"


UNKNOWN = StringValue("unknown")


def constant(text: str | None, is_str: bool = True) -> StringValue:
    return StringValue("constant", text, is_str)


def built(how: str, node: cst.CSTNode, parts: list[cst.CSTNode], text: str) -> StringValue:
    return StringValue("built", text, True, BuiltString(how, node, tuple(parts), text))


def is_constant_name(name: str) -> bool:
    """ALL_CAPS names are constants by convention (settings, allow-lists, imported constants)."""
    return len(name) > 1 and name.isupper() and any(char.isalpha() for char in name)


def analyse(context: FileContext, node: cst.CSTNode, depth: int = 0) -> StringValue:
    """Classify ``node`` as a constant, a built string, or unknown."""
    if depth > _MAX_DEPTH:
        return UNKNOWN
    depth += 1
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return constant(value.decode("latin-1") if isinstance(value, bytes) else value)
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
        return constant(node.value, is_str=False)
    if isinstance(node, cst.ConcatenatedString):
        return _concatenate(context, node, [node.left, node.right], depth, "an f-string")
    if isinstance(node, cst.FormattedString):
        return _formatted_string(context, node, depth)
    if isinstance(node, cst.Name):
        return _name(context, node, depth)
    if isinstance(node, cst.Attribute):
        return _attribute(context, node, depth)
    if isinstance(node, cst.BinaryOperation):
        return _binary(context, node, depth)
    if isinstance(node, cst.Call):
        return _call(context, node, depth)
    if isinstance(node, cst.IfExp):
        return _combine([analyse(context, node.body, depth), analyse(context, node.orelse, depth)])
    if isinstance(node, cst.Subscript):
        return _lookup(context, node, depth)
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        if all(analyse(context, e.value, depth).is_constant for e in node.elements):
            return constant(None, is_str=False)
        return UNKNOWN
    return UNKNOWN


def _combine(values: list[StringValue]) -> StringValue:
    """Several possible values: built if any is built, constant if all are, else unknown."""
    for value in values:
        if value.kind == "built":
            return value
    if values and all(value.is_constant for value in values):
        return values[0]
    return UNKNOWN


def _concatenate(
    context: FileContext, node: cst.CSTNode, operands: list[cst.CSTNode], depth: int, how: str
) -> StringValue:
    values = [analyse(context, operand, depth) for operand in operands]
    if all(value.is_constant for value in values):
        texts = [value.text for value in values]
        text = None if any(t is None for t in texts) else "".join(t for t in texts if t is not None)
        return constant(text, is_str=any(value.is_str for value in values))
    if not any(value.is_str or value.kind == "built" for value in values):
        return UNKNOWN
    parts: list[cst.CSTNode] = []
    text = []
    built_how = how
    for operand, value in zip(operands, values, strict=False):
        if value.kind == "built" and value.built is not None:
            parts.extend(value.built.dynamic_parts)
            text.append(value.built.text)
            if how == "concatenation" and value.built.how != "concatenation":
                built_how = value.built.how
        elif value.is_constant:
            text.append(value.text or "")
        else:
            parts.append(operand)
            text.append("?")
    return built(built_how, node, parts, "".join(text))


def _safe_format_spec(part: cst.FormattedStringExpression) -> bool:
    if not part.format_spec:
        return False
    spec = "".join(p.value for p in part.format_spec if isinstance(p, cst.FormattedStringText))
    return bool(_NUMERIC_SPEC.search(spec)) and part.conversion is None


def _formatted_string(context: FileContext, node: cst.FormattedString, depth: int) -> StringValue:
    parts: list[cst.CSTNode] = []
    text = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            text.append(part.value)
            continue
        if not isinstance(part, cst.FormattedStringExpression):
            continue
        value = analyse(context, part.expression, depth)
        if value.is_constant:
            text.append(value.text if value.text is not None else "?")
        elif _safe_format_spec(part):
            text.append("?")
        else:
            parts.extend(value.built.dynamic_parts if value.built else (part.expression,))
            text.append("?")
    if parts:
        return built("an f-string", node, parts, "".join(text))
    return constant("".join(text))


def _name(context: FileContext, node: cst.Name, depth: int) -> StringValue:
    if node.value in ("True", "False", "None"):
        return constant(node.value, is_str=False)
    if is_constant_name(node.value):
        return constant(None, is_str=False)
    bindings = context.bindings(node.value)
    if not bindings:
        return UNKNOWN
    return _combine([_binding_value(context, binding, depth) for binding in bindings])


def _binding_value(context: FileContext, binding: object, depth: int) -> StringValue:
    kind = getattr(binding, "kind", "")
    value = getattr(binding, "value", None)
    if kind == "assign" and value is not None:
        return analyse(context, value, depth)
    if kind == "augassign":
        statement = binding.node  # type: ignore[attr-defined]
        if isinstance(statement, cst.AugAssign) and isinstance(statement.operator, cst.AddAssign):
            added = analyse(context, statement.value, depth)
            if added.is_constant:
                return added
            parts = list(added.built.dynamic_parts) if added.built else [statement.value]
            how = added.built.how if added.built else "concatenation"
            return built(how, statement, parts, "?")
        return UNKNOWN
    # ``for column in ("name", "email"):`` iterates over constants.
    if (
        kind == "loop"
        and isinstance(value, (cst.Tuple, cst.List, cst.Set))
        and all(analyse(context, element.value, depth).is_constant for element in value.elements)
    ):
        return constant(None)
    return UNKNOWN


def _attribute(context: FileContext, node: cst.Attribute, depth: int) -> StringValue:
    if is_constant_name(node.attr.value):
        return constant(None, is_str=False)
    values = context.instance_attribute_values(node)
    if values:
        return _combine([analyse(context, value, depth) for value in values])
    return UNKNOWN


def _binary(context: FileContext, node: cst.BinaryOperation, depth: int) -> StringValue:
    operator = node.operator
    if isinstance(operator, cst.Add):
        return _concatenate(context, node, [node.left, node.right], depth, "concatenation")
    if isinstance(operator, cst.Modulo):
        return _percent_format(context, node, depth)
    left = analyse(context, node.left, depth)
    right = analyse(context, node.right, depth)
    if isinstance(operator, cst.Multiply):
        # "?, " * n repeats constant text.
        for side, other in ((left, right), (right, left)):
            if side.is_constant and side.is_str:
                return side if other.kind != "built" else other
    if left.is_constant and right.is_constant:
        return constant(None, is_str=False)
    return _combine([left, right]) if "built" in (left.kind, right.kind) else UNKNOWN


def _percent_format(context: FileContext, node: cst.BinaryOperation, depth: int) -> StringValue:
    template = analyse(context, node.left, depth)
    if template.kind == "built":
        return template
    if not (template.is_constant and template.is_str):
        return UNKNOWN
    right = node.right
    if isinstance(right, cst.Tuple):
        operands: list[cst.CSTNode] = [element.value for element in right.elements]
    elif isinstance(right, cst.Dict):
        operands = [element.value for element in right.elements if isinstance(element, cst.DictElement)]
    else:
        operands = [right]
    dynamic = [operand for operand in operands if not analyse(context, operand, depth).is_constant]
    if not dynamic:
        return constant(template.text)
    conversions = set(_PERCENT_SPEC.findall(template.text or ""))
    if conversions and conversions <= _NUMERIC_CONVERSIONS:
        return constant(template.text)
    return built("%-formatting", node, dynamic, template.text or "")


def _call(context: FileContext, node: cst.Call, depth: int) -> StringValue:
    func = node.func
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        if method == "format":
            return _str_format(context, node, func, depth)
        if method == "join" and len(node.args) == 1:
            return _str_join(context, node, func, depth)
        if method in _STRING_METHODS:
            receiver = analyse(context, func.value, depth)
            if receiver.kind == "built":
                return receiver
            if receiver.is_constant and receiver.is_str:
                args_constant = all(analyse(context, a.value, depth).is_constant for a in node.args)
                return constant(None) if args_constant else UNKNOWN
            return UNKNOWN
    qualified = context.qualified_name(func)
    if qualified in _SAFE_CALLS:
        return constant(None, is_str=False)
    if qualified in _TEXT_PRESERVING_CALLS and node.args:
        inner = analyse(context, node.args[0].value, depth)
        return inner if inner.kind != "unknown" else UNKNOWN
    return UNKNOWN


def _str_format(context: FileContext, node: cst.Call, func: cst.Attribute, depth: int) -> StringValue:
    receiver = analyse(context, func.value, depth)
    if receiver.kind == "built":
        return receiver
    if not (receiver.is_constant and receiver.is_str):
        # ``sql.SQL("...").format(...)`` composes safely; not a str method.
        return UNKNOWN
    dynamic = [arg.value for arg in node.args if not analyse(context, arg.value, depth).is_constant]
    if not dynamic:
        return constant(None)
    return built("str.format()", node, dynamic, receiver.text or "")


def _str_join(context: FileContext, node: cst.Call, func: cst.Attribute, depth: int) -> StringValue:
    separator = analyse(context, func.value, depth)
    if not (separator.is_constant and separator.is_str):
        return UNKNOWN
    iterable = node.args[0].value
    if _constant_items(context, iterable, depth):
        return constant(None)
    return built("str.join()", node, [iterable], "?")


def _constant_items(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """Whether every item an iterable yields is constant (``["%s"] * n``, ``("?" for _ in ids)``)."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(analyse(context, element.value, depth).is_constant for element in node.elements)
    if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
        return analyse(context, node.elt, depth).is_constant
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return any(_constant_items(context, side, depth + 1) for side in (node.left, node.right))
    if isinstance(node, cst.SimpleString):
        return True  # iterating a string yields its characters: "?" * n
    if isinstance(node, cst.Name):
        values = context.assigned_values(node.value)
        return bool(values) and all(_constant_items(context, value, depth + 1) for value in values)
    value = analyse(context, node, depth)
    return value.is_constant and value.is_str


def _lookup(context: FileContext, node: cst.Subscript, depth: int) -> StringValue:
    """``ALLOWED_COLUMNS[key]``: a lookup in a constant mapping yields a constant."""
    container = node.value
    values: list[cst.CSTNode] | None = None
    if isinstance(container, cst.Name):
        if is_constant_name(container.value):
            return constant(None)
        values = context.assigned_values(container.value)
    if isinstance(container, (cst.Dict, cst.List, cst.Tuple)):
        values = [container]
    if not values:
        return UNKNOWN
    for value in values:
        if isinstance(value, cst.Dict):
            items = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
            if len(items) != len(value.elements):
                return UNKNOWN
        elif isinstance(value, (cst.List, cst.Tuple)):
            items = [e.value for e in value.elements]
        else:
            return UNKNOWN
        if not all(analyse(context, item, depth).is_constant for item in items):
            return UNKNOWN
    return constant(None)

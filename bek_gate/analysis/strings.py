"""Is a string built from non-constant values? (f-strings, ``%``, ``.format``, ``+``, ``join``, ``.replace``)

Every rule that cares where text comes from (SQL, shell commands, templates,
log messages) asks this one analysis, so they all agree on what is constant:
literals, ALL_CAPS constants, values assigned only from constants, numbers
and numeric casts, numeric format specs (``{n:d}``, ``%d``), lookups in
constant allow-lists (``ALLOWED[key]``, ``ALLOWED.get(key, "id")``), names
checked against one (``if col not in ALLOWED: raise``), class attributes set
to constants, ``Literal[...]`` parameters, escaping calls (``shlex.quote``,
``quote_name``, ``mogrify``), and placeholders built with
``", ".join(["%s"] * n)`` or with ``clauses.append("x = %s")``.

Names are followed through the bindings that reach the use, so
``q = f"... {x}"; run(q)`` is seen as built, and so is ``q += f"... {x}"``
in a branch. Lists joined into a string are followed through their
``append``/``extend``/``insert`` calls, and calls to helpers defined in the
module through their ``return`` (with the call's arguments).

"Constant" therefore means "not attacker-controlled text", not "a literal":
``int(x)`` and ``shlex.quote(x)`` are constants here. A rule that needs a
literal should look for one in the tree.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis import helpers
from bek_gate.analysis.allowlists import BLOCK_TYPES, AllowLists
from bek_gate.analysis.scopes import Binding, reaching
from bek_gate.analysis.string_values import (
    ESCAPING_CALLS,
    MAX_DEPTH,
    SAFE_CALLS,
    UNKNOWN,
    StringValue,
    built,
    combine,
    constant,
    is_constant_name,
    part_for,
)

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_NUMERIC_SPEC = re.compile(r"[bdeEfFgGnoxX%]$")
_PERCENT_FIELD = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgG%")
# Django's ``SchemaEditor.quote_value`` quotes a value as an SQL literal.
_ESCAPING_METHODS = frozenset(
    {"quote_name", "quote_ident", "quote_identifier", "quote_value", "mogrify", "escape_string"}
    | {"escape_literal"}
)
# ``geo_quote_name``, ``quote_name_unless_alias``: names that say they quote.
_ESCAPING_NAME_PARTS = ("quote_name", "quote_ident", "quote_identifier", "quote_literal")
_QUOTING_WORDS = frozenset({"quote", "quoted", "escape", "escaped", "esc", "sqlquote", "sqlescape"})
_QUOTED_WORDS = frozenset(
    {"sql", "ident", "identifier", "name", "table", "column", "col", "literal", "value", "string", "str"}
    | {"db", "sqlite", "pg", "postgres", "mysql", "like", "fts", "field"}
)
# Composable SQL pieces: psycopg quotes identifiers and literals itself.
_SQL_COMPOSABLES = frozenset({"Identifier", "Literal", "Placeholder"})
_MIN_MAX = frozenset({"builtins.min", "builtins.max"})
_TEXT_PRESERVING_CALLS = frozenset({"textwrap.dedent", "inspect.cleandoc", "builtins.str"})
_STRING_METHODS = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "title", "casefold", "replace", "encode", "decode"}
    | {"removeprefix", "removesuffix"}
)
# Model metadata: table and column names declared in code, never user input.
_SCHEMA_ATTRIBUTES = frozenset({"db_table", "__tablename__", "_meta", "__table__"})
_VALUE_METHODS = frozenset({"isoformat", "strftime", "date", "time", "timestamp", "hex"})


def analyse(context: FileContext, node: cst.CSTNode, depth: int = 0) -> StringValue:
    """Classify ``node`` as a constant, a built string, or unknown."""
    return _Analysis(context).value(node, depth)


def _implicit_parts(node: cst.ConcatenatedString) -> list[cst.CSTNode]:
    """The literals of ``"a" "b" "c"`` (nested to the right), as one flat list.

    A chain counts as one level of ``MAX_DEPTH``, not one per literal: a long
    constant query split over many lines must stay constant.
    """
    parts: list[cst.CSTNode] = [node.left]
    current: cst.CSTNode = node.right
    while isinstance(current, cst.ConcatenatedString) and not current.lpar:
        parts.append(current.left)
        current = current.right
    parts.append(current)
    return parts


def _added_operands(node: cst.BinaryOperation) -> list[cst.CSTNode]:
    """The operands of ``a + b + c`` (nested to the left), as one flat list, for the same reason."""
    operands: list[cst.CSTNode] = [node.right]
    current: cst.CSTNode = node.left
    while (
        isinstance(current, cst.BinaryOperation)
        and isinstance(current.operator, cst.Add)
        and not current.lpar
    ):
        operands.append(current.right)
        current = current.left
    operands.append(current)
    operands.reverse()
    return operands


class _Analysis(AllowLists):
    """One question about one expression; remembers which names are being resolved."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        # Comprehension variables, known from the comprehension itself.
        self.overrides: dict[str, StringValue] = {}
        # Names whose assignment is being analysed: ``q = q + x`` reads the earlier ``q``.
        self.before: dict[str, Binding] = {}
        # Helpers being followed, so recursive ones stop.
        self.helpers: set[int] = set()
        # A followed helper's local variables, by the expression each was assigned once.
        self.aliases: dict[str, cst.CSTNode] = {}
        self.allow_listed: dict[str, bool] = {}

    def value(self, node: cst.CSTNode, depth: int) -> StringValue:
        if depth > MAX_DEPTH:
            return UNKNOWN
        depth += 1
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return constant(value.decode("latin-1") if isinstance(value, bytes) else value)
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return constant(node.value, is_str=False)
        if isinstance(node, cst.ConcatenatedString):
            return self._concatenate(node, _implicit_parts(node), depth, "an f-string")
        if isinstance(node, cst.FormattedString):
            return self._formatted_string(node, depth)
        if isinstance(node, cst.Name):
            return self._name(node, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, depth)
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, depth)
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        if isinstance(node, cst.IfExp):
            return combine([self.value(node.body, depth), self.value(node.orelse, depth)])
        if isinstance(node, cst.BooleanOperation):
            return combine([self.value(node.left, depth), self.value(node.right, depth)])
        if isinstance(node, cst.Subscript):
            return self._subscript(node, depth)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            if all(self.value(e.value, depth).is_constant for e in node.elements):
                return constant(None, is_str=False)
            return UNKNOWN
        if isinstance(node, cst.UnaryOperation):
            return constant(None, is_str=False) if self.value(node.expression, depth).is_constant else UNKNOWN
        if isinstance(node, cst.Comparison):
            return constant(None, is_str=False)
        if isinstance(node, cst.NamedExpr):
            return self.value(node.value, depth)
        return UNKNOWN

    # -- building operations -------------------------------------------------

    def _concatenate(
        self, node: cst.CSTNode, operands: list[cst.CSTNode], depth: int, how: str
    ) -> StringValue:
        values = [self.value(operand, depth) for operand in operands]
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
                parts.append(part_for(value, operand))
                text.append("?")
        return built(built_how, node, parts, "".join(text))

    def _formatted_string(self, node: cst.FormattedString, depth: int) -> StringValue:
        parts: list[cst.CSTNode] = []
        text = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text.append(part.value)
                continue
            if not isinstance(part, cst.FormattedStringExpression):
                continue
            value = self.value(part.expression, depth)
            if value.is_constant:
                text.append(value.text if value.text is not None else "?")
            elif _numeric_format_spec(part):
                text.append("?")
            else:
                parts.extend(
                    value.built.dynamic_parts if value.built else (part_for(value, part.expression),)
                )
                text.append("?")
        if parts:
            return built("an f-string", node, parts, "".join(text))
        return constant("".join(text))

    def _binary(self, node: cst.BinaryOperation, depth: int) -> StringValue:
        operator = node.operator
        if isinstance(operator, cst.Add):
            return self._concatenate(node, _added_operands(node), depth, "concatenation")
        if isinstance(operator, cst.Modulo):
            return self._percent_format(node, depth)
        left = self.value(node.left, depth)
        right = self.value(node.right, depth)
        if isinstance(operator, cst.Multiply):
            # "?, " * n repeats constant text.
            for side, other in ((left, right), (right, left)):
                if side.is_constant and side.is_str:
                    return side if other.kind != "built" else other
        if left.is_constant and right.is_constant:
            return constant(None, is_str=False)
        return combine([left, right]) if "built" in (left.kind, right.kind) else UNKNOWN

    def _percent_format(self, node: cst.BinaryOperation, depth: int) -> StringValue:
        template = self.value(node.left, depth)
        if template.kind == "built":
            return template
        if not _is_template(template):
            return constant(None, is_str=False) if template.is_constant else UNKNOWN  # 7 % 3
        right = node.right
        # Each operand with the conversion it meets: ``%d`` makes a number of anything.
        specs = [
            (match.group(1), match.group(2))
            for match in _PERCENT_FIELD.finditer(template.text or "")
            if match.group(2) != "%"
        ]
        numeric = {conversion in _NUMERIC_CONVERSIONS for _key, conversion in specs}
        operands: list[tuple[cst.CSTNode, bool]]
        if isinstance(right, cst.Tuple) and len(right.elements) == len(specs):
            operands = [
                (element.value, conversion in _NUMERIC_CONVERSIONS)
                for element, (_key, conversion) in zip(right.elements, specs, strict=True)
            ]
        elif isinstance(right, cst.Dict):
            by_key = {key: conversion in _NUMERIC_CONVERSIONS for key, conversion in specs if key}
            operands = []
            for element in right.elements:
                if not isinstance(element, cst.DictElement):
                    return built("%-formatting", node, [element.value], template.text or "")
                key = self.value(element.key, depth).text
                operands.append((element.value, by_key.get(key or "", numeric == {True})))
        else:
            elements = right.elements if isinstance(right, cst.Tuple) else None
            values = [element.value for element in elements] if elements is not None else [right]
            operands = [(value, numeric == {True}) for value in values]
        dynamic = []
        for operand, is_number in operands:
            value = self.value(operand, depth) if not is_number else constant(None)
            if not value.is_constant:
                dynamic.extend(value.built.dynamic_parts if value.built else (part_for(value, operand),))
        if not dynamic:
            return constant(template.text)
        return built("%-formatting", node, dynamic, template.text or "")

    def _call(self, node: cst.Call, depth: int) -> StringValue:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "format":
                return self._str_format(node, func, depth)
            if method == "format_map" and len(node.args) == 1:
                return self._format_map(node, func, depth)
            if method == "join" and len(node.args) == 1:
                return self._str_join(node, func, depth)
            if method in ("substitute", "safe_substitute"):
                return self._template_substitute(node, func, depth)
            if _is_escaping_name(method):
                return constant(None)
            if method in _SQL_COMPOSABLES:
                return constant(None, is_str=False)
            if method == "get" and node.args and self._is_constant_collection(func.value, depth):
                default = node.args[1].value if len(node.args) > 1 else None
                if default is None or self.value(default, depth).is_constant:
                    return constant(None)
            if method in _VALUE_METHODS and self.value(func.value, depth).is_constant:
                return constant(None)  # ``now.isoformat()``, ``day.strftime("%Y")``
            if method in _STRING_METHODS:
                receiver = self.value(func.value, depth)
                if receiver.kind == "built":
                    return receiver
                if method == "replace" and _is_template(receiver):
                    return self._replace(node, receiver, depth)
                if receiver.is_constant and receiver.is_str:
                    args_constant = all(self.value(a.value, depth).is_constant for a in node.args)
                    return constant(None) if args_constant else UNKNOWN
                return UNKNOWN
        elif isinstance(func, cst.Name) and self._is_escaping_function(func):
            return constant(None)
        qualified = self.context.qualified_name(func)
        if (
            qualified
            and qualified.startswith(("psycopg.sql.", "psycopg2.sql."))
            and qualified.rsplit(".", 1)[-1] in _SQL_COMPOSABLES
        ):
            return constant(None, is_str=False)
        if qualified in SAFE_CALLS or qualified in ESCAPING_CALLS:
            return constant(None, is_str=qualified in ESCAPING_CALLS)
        if qualified in _MIN_MAX and node.args:
            if all(self.value(arg.value, depth).is_constant for arg in node.args):
                return constant(None, is_str=False)
            return UNKNOWN
        if qualified in _TEXT_PRESERVING_CALLS and node.args:
            inner = self.value(node.args[0].value, depth)
            return inner if inner.kind != "unknown" else UNKNOWN
        return self._helper_result(node, depth)

    def _replace(self, node: cst.Call, template: StringValue, depth: int) -> StringValue:
        """``TEMPLATE.replace("%s", value)``: a constant template filled in, like ``%``-formatting."""
        if len(node.args) < 2 or any(arg.keyword is not None or arg.star for arg in node.args[:2]):
            return UNKNOWN
        old, new = (self.value(arg.value, depth) for arg in node.args[:2])
        if not (old.is_constant and old.is_str):
            return UNKNOWN  # what is replaced is not known, so neither is the text
        if new.is_constant:
            return constant(None)
        text = template.text.replace(old.text, "?") if template.text and old.text else "?"
        parts = list(new.built.dynamic_parts) if new.built else [part_for(new, node.args[1].value)]
        return built("str.replace()", node, parts, text)

    def _template_substitute(self, node: cst.Call, func: cst.Attribute, depth: int) -> StringValue:
        """``string.Template("... $name").substitute(name=value)``."""
        template = func.value
        if isinstance(template, cst.Name):
            values = self.context.assigned_values(template.value) or []
            template = values[0] if len(values) == 1 else template
        if not (
            isinstance(template, cst.Call)
            and self.context.qualified_name(template.func) == "string.Template"
            and template.args
        ):
            return UNKNOWN
        text = self.value(template.args[0].value, depth)
        if not text.is_constant:
            return text if text.kind == "built" else UNKNOWN
        dynamic = [arg.value for arg in node.args if not self.value(arg.value, depth).is_constant]
        if not dynamic:
            return constant(None)
        return built("a string.Template", node, dynamic, (text.text or "").replace("$", "?"))

    def _format_map(self, node: cst.Call, func: cst.Attribute, depth: int) -> StringValue:
        receiver = self.value(func.value, depth)
        if receiver.kind == "built" or not _is_template(receiver):
            return receiver if receiver.kind == "built" else UNKNOWN
        mapping = node.args[0].value
        if self._is_constant_collection(mapping, depth):
            return constant(None)
        return built("str.format()", node, [mapping], receiver.text or "")

    def _helper_result(self, node: cst.Call, depth: int) -> StringValue:
        """What a helper defined in this module returns, given this call's arguments.

        ``def where(name): return f"name = '{name}'"`` called as ``where(term)``
        builds a string from ``term``; called as ``where("x")``, a constant. The
        helper's parameters take the call's arguments, and its local variables
        are followed when each is assigned once at the top of its body.
        """
        call = helpers.helper_call(self.context, node)
        if call is None or call.opaque or id(call.definition) in self.helpers:
            return UNKNOWN
        overrides: dict[str, StringValue] = {}
        for name, given in call.arguments.items():
            if given is None:
                overrides[name] = UNKNOWN
                continue
            value = self.value(given, depth)
            if value.kind == "unknown" and name not in call.defaulted:
                value = StringValue("unknown", stands_for=part_for(value, given))
            overrides[name] = value
        saved, saved_aliases = self.overrides, self.aliases
        self.overrides = {**saved, **overrides}
        self.aliases = {name: node for name, node in saved_aliases.items() if name not in overrides}
        self.aliases.update(call.locals)
        for name in call.locals:
            self.overrides.pop(name, None)
        self.helpers.add(id(call.definition))
        try:
            return combine([self.value(value, depth) for value in call.returns])
        finally:
            self.overrides = saved
            self.aliases = saved_aliases
            self.helpers.discard(id(call.definition))

    def _is_escaping_function(self, func: cst.Name) -> bool:
        """``quote_name(x)``, or ``qn(x)`` after ``qn = connection.ops.quote_name``."""
        if _is_escaping_name(func.value):
            return True
        values = self.context.assigned_values(func.value) or []
        return bool(values) and all(
            isinstance(value, cst.Attribute) and _is_escaping_name(value.attr.value) for value in values
        )

    def _str_format(self, node: cst.Call, func: cst.Attribute, depth: int) -> StringValue:
        receiver = self.value(func.value, depth)
        if receiver.kind == "built":
            return receiver
        if not _is_template(receiver):
            # ``sql.SQL("...").format(...)`` composes safely; not a str method.
            return UNKNOWN
        numeric = _numeric_format_fields(receiver.text)
        dynamic = []
        position = 0
        for arg in node.args:
            if arg.keyword is None and not arg.star:
                safe = str(position) in numeric
                position += 1
            else:
                safe = arg.keyword is not None and arg.keyword.value in numeric
            value = constant(None) if safe else self.value(arg.value, depth)
            if not value.is_constant:
                dynamic.extend(value.built.dynamic_parts if value.built else (part_for(value, arg.value),))
        if not dynamic:
            return constant(None)
        return built("str.format()", node, dynamic, receiver.text or "")

    def _str_join(self, node: cst.Call, func: cst.Attribute, depth: int) -> StringValue:
        separator = self.value(func.value, depth)
        if not (separator.is_constant and separator.is_str):
            return UNKNOWN
        iterable = node.args[0].value
        items = self.items(iterable, depth)
        if items.is_constant:
            return constant(None)
        if items.built is not None:
            return built(items.built.how, node, list(items.built.dynamic_parts), items.built.text)
        return built("str.join()", node, [part_for(items, iterable)], "?")

    # -- names and attributes --------------------------------------------------

    def _name(self, node: cst.Name, depth: int) -> StringValue:
        name = node.value
        if name in self.overrides:
            return self.overrides[name]
        if name in self.aliases:
            return self.value(self.aliases[name], depth)
        if name in ("True", "False", "None"):
            return constant(name, is_str=False)
        bindings = self._bindings(name)
        if is_constant_name(name):
            # Its text when it is assigned here (for keyword checks); a constant either way.
            known = [self._binding_value(b, depth) for b in reversed(bindings or []) if b.kind == "assign"]
            if known and len(known) == len(bindings or []) and all(value.is_constant for value in known):
                return combine(known)
            return constant(None, is_str=False)
        if not bindings:
            return UNKNOWN
        result = combine([self._binding_value(binding, depth) for binding in reversed(bindings)])
        if not result.is_constant and self._allow_listed(name, depth):
            return constant(None)
        return result

    def _bindings(self, name: str) -> list[Binding] | None:
        current = self.before.get(name)
        if current is None:
            return self.context.bindings(name)
        for scope in self.context.scope.visible_chain():
            recorded = scope.bindings.get(name)
            if not recorded:
                continue
            index = next((i for i, binding in enumerate(recorded) if binding is current), None)
            if index is None:
                return self.context.bindings(name)
            block_ids = {id(node) for node in self.context.ancestors if isinstance(node, BLOCK_TYPES)}
            block_ids.add(id(scope.node))
            return reaching(recorded[:index], block_ids)
        return None

    def _binding_value(self, binding: Binding, depth: int) -> StringValue:
        kind = binding.kind
        if kind in ("assign", "with") and binding.value is not None:
            previous = self.before.get(binding.name)
            self.before[binding.name] = binding
            try:
                return self.value(binding.value, depth)
            finally:
                if previous is None:
                    del self.before[binding.name]
                else:
                    self.before[binding.name] = previous
        if kind == "augassign":
            statement = binding.node
            if isinstance(statement, cst.AugAssign) and isinstance(statement.operator, cst.AddAssign):
                added = self.value(statement.value, depth)
                if added.kind != "unknown":
                    return added
                return built("concatenation", statement, [statement.value], "?")
            return UNKNOWN
        if kind == "loop" and binding.value is not None:
            items = self.items(binding.value, depth)
            return constant(None) if items.is_constant else UNKNOWN
        if kind == "param" and isinstance(binding.node, cst.Param):
            return self._literal_annotation(binding.node.annotation, depth)
        return UNKNOWN

    def _literal_annotation(self, annotation: cst.Annotation | None, depth: int) -> StringValue:
        """``direction: Literal["asc", "desc"]`` admits only those strings."""
        if annotation is None or not isinstance(annotation.annotation, cst.Subscript):
            return UNKNOWN
        subscript = annotation.annotation
        name = subscript.value
        if not (
            (isinstance(name, cst.Name) and name.value == "Literal")
            or (isinstance(name, cst.Attribute) and name.attr.value == "Literal")
        ):
            return UNKNOWN
        for element in subscript.slice:
            index = element.slice
            if not isinstance(index, cst.Index) or not self.value(index.value, depth).is_constant:
                return UNKNOWN
        return constant(None)

    def _attribute(self, node: cst.Attribute, depth: int) -> StringValue:
        attr = node.attr.value
        if is_constant_name(attr) or attr in _SCHEMA_ATTRIBUTES or mentions_schema(node.value):
            return constant(None, is_str=False)
        values = self.context.instance_attribute_values(node)
        if values:
            return combine([self.value(value, depth) for value in values])
        class_values = self.context.class_attribute_values(node)
        if class_values:
            return combine([self.value(value, depth) for value in class_values])
        # ``Status.ACTIVE.value``, ``uuid4().hex``: an attribute of a constant.
        if self.value(node.value, depth).is_constant:
            return constant(None, is_str=False)
        return UNKNOWN

    def _subscript(self, node: cst.Subscript, depth: int) -> StringValue:
        # ``sql[:-5]`` trims a built string: still built.
        if any(isinstance(element.slice, cst.Slice) for element in node.slice):
            inner = self.value(node.value, depth)
            if inner.kind == "built" or (inner.is_constant and inner.is_str):
                return inner if inner.kind == "built" else constant(None)
            return UNKNOWN
        if self._is_constant_collection(node.value, depth) or self.value(node.value, depth).is_constant:
            return constant(None)
        return UNKNOWN

    # -- collections -----------------------------------------------------------


def is_escaping_call(context: FileContext, func: cst.BaseExpression) -> bool:
    """Whether calling ``func`` quotes or escapes its argument (``shlex.quote``, ``qn`` after
    ``qn = connection.ops.quote_name``, ``escape_sqlite``, ``conn.mogrify``)."""
    if isinstance(func, cst.Attribute) and _is_escaping_name(func.attr.value):
        return True
    if isinstance(func, cst.Name) and _Analysis(context)._is_escaping_function(func):
        return True
    return context.qualified_name(func) in ESCAPING_CALLS


def _is_escaping_name(name: str) -> bool:
    """``quote_name``, ``escape_sqlite``, ``sql_quote``: a function named for quoting or escaping.

    The first word says so (``escape_*``, ``quote_*``), or the last does after a
    word naming what is quoted (``sql_quote``, ``ident_escape``); ``get_quote``
    and ``unescape`` do not.
    """
    if name in _ESCAPING_METHODS or any(part in name for part in _ESCAPING_NAME_PARTS):
        return True
    words = [word.lower() for word in re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", name) if word]
    if not words:
        return False
    if words[0] in _QUOTING_WORDS:
        return True
    return len(words) > 1 and words[-1] in _QUOTING_WORDS and bool(_QUOTED_WORDS.intersection(words[:-1]))


def _is_template(value: StringValue) -> bool:
    """A constant that can be a format template: a string, or a constant of unknown type (``QUERY``)."""
    return value.is_constant and (value.is_str or value.text is None)


def _numeric_format_spec(part: cst.FormattedStringExpression) -> bool:
    if not part.format_spec:
        return False
    spec = "".join(p.value for p in part.format_spec if isinstance(p, cst.FormattedStringText))
    return bool(_NUMERIC_SPEC.search(spec)) and part.conversion is None


def _numeric_format_fields(template: str | None) -> set[str]:
    """Fields of a ``str.format`` template with a numeric spec (``{:d}``, ``{limit:d}``)."""
    if not template:
        return set()
    fields: set[str] = set()
    position = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return set()
    for _text, field, spec, conversion in parsed:
        if field is None:
            continue
        key = field.split(".", 1)[0].split("[", 1)[0]
        if key == "":
            key = str(position)
            position += 1
        if spec and _NUMERIC_SPEC.search(spec) and conversion is None:
            fields.add(key)
    return fields


def mentions_schema(node: cst.CSTNode) -> bool:
    """``Model._meta.db_table``, ``User.__table__.name``: names declared by the schema."""
    while isinstance(node, cst.Attribute):
        if node.attr.value in _SCHEMA_ATTRIBUTES:
            return True
        node = node.value
    return False


def constant_text(context: FileContext, node: cst.BaseExpression) -> str | None:
    """The text of a string literal, or of a name or expression built only from constants."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, (cst.Name, cst.Attribute, cst.ConcatenatedString, cst.FormattedString)):
        value = analyse(context, node)
        if value.is_constant and value.is_str:
            return value.text
    return None

"""Allow-lists and guards: what iterating a collection yields, and names checked before use.

``ALLOWED[key]``, ``for column in COLUMNS``, ``if column not in ALLOWED: raise``,
``assert name.isidentifier()``: the string analysis treats such values as
constants. This part of it answers what a collection's items are (constant,
built, unknown) and whether a name was validated on the way to its use. It
is a mixin of ``strings._Analysis``, whose ``value`` it calls back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import libcst as cst

from bek_gate.analysis.scopes import Binding, target_names
from bek_gate.analysis.string_values import (
    ESCAPING_CALLS,
    MAX_DEPTH,
    SAFE_CALLS,
    UNKNOWN,
    StringValue,
    combine,
    constant,
    is_constant_name,
    part_for,
    unknown_part,
)
from bek_gate.analysis.tree import iter_children

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_T = TypeVar("_T")
BLOCK_TYPES = (cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite)
_ITEM_PRESERVING_CALLS = frozenset(
    {
        "builtins.sorted",
        "builtins.list",
        "builtins.tuple",
        "builtins.set",
        "builtins.frozenset",
        "builtins.reversed",
    }
)
_NUMERIC_TYPES = frozenset({"int", "float", "bool", "Decimal", "UUID"})
_VALIDATING_METHODS = frozenset({"isdigit", "isdecimal", "isnumeric", "isalnum", "isalpha", "isidentifier"})
_STOPPING_STATEMENTS = (cst.Raise, cst.Return, cst.Continue, cst.Break)


class AllowLists:
    """Collections and guards, for the string analysis (``strings._Analysis`` mixes it in)."""

    context: FileContext
    overrides: dict[str, StringValue]
    aliases: dict[str, cst.CSTNode]
    allow_listed: dict[str, bool]

    def value(self, node: cst.CSTNode, depth: int) -> StringValue:
        raise NotImplementedError

    def _bindings(self, name: str) -> list[Binding] | None:
        raise NotImplementedError

    def _is_constant_collection(self, node: cst.CSTNode, depth: int) -> bool:
        """A container whose values are all constants: ``ALLOWED``, a dict literal, ``self.SORTS``."""
        if isinstance(node, cst.Name) and is_constant_name(node.value):
            return True
        if isinstance(node, cst.Attribute) and is_constant_name(node.attr.value):
            return True
        if isinstance(node, cst.Dict):
            return all(
                isinstance(e, cst.DictElement) and self.value(e.value, depth).is_constant
                for e in node.elements
            )
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return all(self.value(element.value, depth).is_constant for element in node.elements)
        if isinstance(node, cst.Name) and depth <= MAX_DEPTH:
            values = self.context.assigned_values(node.value)
            return bool(values) and all(self._is_constant_collection(v, depth + 1) for v in values)
        return False

    def items(self, node: cst.CSTNode, depth: int) -> StringValue:
        """What iterating ``node`` yields: constant items, built items (with their parts), or unknown."""
        if depth > MAX_DEPTH:
            return UNKNOWN
        depth += 1
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            values = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    values.append(self.items(element.value, depth))
                    continue
                value = self.value(element.value, depth)
                values.append(
                    value if value.kind != "unknown" else unknown_part(part_for(value, element.value))
                )
            return combine(values) if values else constant(None)
        if isinstance(node, cst.Dict):
            keys = [e.key for e in node.elements if isinstance(e, cst.DictElement)]
            if len(keys) == len(node.elements) and all(self.value(k, depth).is_constant for k in keys):
                return constant(None)
            return UNKNOWN
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self._comprehension_items(node, depth)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Add)):
            sides = [self.items(side, depth) for side in (node.left, node.right)]
            if isinstance(node.operator, cst.Multiply):
                sides = [side for side in sides if side.kind != "unknown"] or sides
            return combine(sides)
        if isinstance(node, cst.SimpleString):
            return constant(None)  # iterating a string yields its characters: "?" * n
        if isinstance(node, cst.Name):
            return self._name_items(node, depth)
        if isinstance(node, cst.Attribute) and is_constant_name(node.attr.value):
            return constant(None)
        if isinstance(node, cst.Call):
            return self._call_items(node, depth)
        value = self.value(node, depth)
        return constant(None) if value.is_constant and value.is_str else UNKNOWN

    def _comprehension_items(
        self, node: cst.ListComp | cst.GeneratorExp | cst.SetComp, depth: int
    ) -> StringValue:
        saved = dict(self.overrides)
        try:
            comp_for: cst.CompFor | None = node.for_in
            while comp_for is not None:
                items = self.items(comp_for.iter, depth)
                for name in _bound_names(comp_for.target):
                    # ``for c in data if c in ALLOWED`` keeps only allowed values; a variable
                    # drawn from unknown items stands for them in messages.
                    allowed = items.is_constant or any(
                        self._validates(condition.test, name, depth, negated=False)
                        for condition in comp_for.ifs
                    )
                    self.overrides[name] = (
                        constant(None) if allowed else unknown_part(part_for(items, comp_for.iter))
                    )
                comp_for = comp_for.inner_for_in
            element = self.value(node.elt, depth)
        finally:
            self.overrides = saved
        return element if element.kind != "unknown" else unknown_part(part_for(element, node.elt))

    def _name_items(self, node: cst.Name, depth: int) -> StringValue:
        if node.value in self.overrides:
            given = self.overrides[node.value]
            return constant(None) if given.is_constant else given if given.kind == "unknown" else UNKNOWN
        if node.value in self.aliases:
            return self.items(self.aliases[node.value], depth)
        if is_constant_name(node.value):
            return constant(None)
        bindings = self._bindings(node.value)
        if not bindings:
            return UNKNOWN
        values = []
        for binding in reversed(bindings):
            if binding.kind == "assign" and binding.value is not None:
                values.append(self.items(binding.value, depth))
            elif binding.kind == "augassign" and isinstance(binding.node, cst.AugAssign):
                values.append(self.items(binding.node.value, depth))
            else:
                return UNKNOWN
        for call in _mutations(self.context, node.value):
            method = call.func.attr.value  # type: ignore[attr-defined]
            if method == "extend" and call.args:
                values.append(self.items(call.args[0].value, depth))
            elif method in ("append", "insert") and call.args:
                added = call.args[-1].value
                value = self.value(added, depth)
                values.append(value if value.kind != "unknown" else unknown_part(part_for(value, added)))
        return combine(values)

    def _call_items(self, node: cst.Call, depth: int) -> StringValue:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("keys", "values", "items")
            and not node.args
        ):
            if self._is_constant_collection(func.value, depth):
                return constant(None)
            return UNKNOWN
        qualified = self.context.qualified_name(func)
        if qualified == "builtins.range":
            return constant(None)
        if qualified in _ITEM_PRESERVING_CALLS and node.args:
            return self.items(node.args[0].value, depth)
        if qualified == "builtins.enumerate" and node.args:
            return self.items(node.args[0].value, depth)
        if qualified == "builtins.map" and len(node.args) == 2:
            converter = self.context.qualified_name(node.args[0].value)
            if converter in SAFE_CALLS or converter in ESCAPING_CALLS:
                return constant(None)
            if converter == "builtins.str":
                return self.items(node.args[1].value, depth)
        return UNKNOWN

    # -- allow-list guards -----------------------------------------------------

    def _allow_listed(self, name: str, depth: int) -> bool:
        """Whether ``name`` was checked against a constant allow-list on the way to here."""
        known = self.allow_listed.get(name)
        if known is None:
            known = self.allow_listed[name] = self._find_guard(name, depth)
        return known

    def _find_guard(self, name: str, depth: int) -> bool:
        ancestors = self.context.ancestors
        for index, ancestor in enumerate(ancestors[:-1]):
            following = ancestors[index + 1]
            if isinstance(ancestor, cst.If):
                if following is ancestor.body and self._validates(ancestor.test, name, depth, negated=False):
                    return True
            elif isinstance(ancestor, BLOCK_TYPES):
                positions, candidates = _guard_candidates(self.context, ancestor)
                before = positions.get(id(following), 0)
                for position, statement in candidates:
                    if position >= before:
                        break
                    if self._guards(statement, name, depth):
                        return True
        return False

    def _guards(self, statement: cst.CSTNode, name: str, depth: int) -> bool:
        """``if name not in ALLOWED: raise ...`` / ``assert name in ALLOWED``."""
        if isinstance(statement, cst.SimpleStatementLine):
            return any(
                isinstance(small, cst.Assert) and self._validates(small.test, name, depth, negated=False)
                for small in statement.body
            )
        if not isinstance(statement, cst.If) or not self._validates(
            statement.test, name, depth, negated=True
        ):
            return False
        body = statement.body.body
        last = body[-1] if body else None
        if isinstance(last, cst.SimpleStatementLine):
            small = last.body[-1]
            if isinstance(small, _STOPPING_STATEMENTS):
                return True
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                func = small.value.func
                called = self.context.qualified_name(func) or getattr(func, "value", "")
                return isinstance(called, str) and called.rsplit(".", 1)[-1] == "abort"
            if isinstance(small, cst.Assign):
                return self.value(small.value, 0).is_constant
        return False

    def _validates(self, test: cst.CSTNode, name: str, depth: int, negated: bool) -> bool:
        """Whether ``test`` (or ``not test`` when ``negated``) proves ``name`` is an allowed value."""
        if isinstance(test, cst.BooleanOperation):
            # ``a in X and b in Y`` proves both; ``a not in X or b not in Y`` rejects either.
            wanted = cst.Or if negated else cst.And
            if isinstance(test.operator, wanted):
                return self._validates(test.left, name, depth, negated) or self._validates(
                    test.right, name, depth, negated
                )
            return False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._validates(test.expression, name, depth, not negated)
        if isinstance(test, cst.Call):
            return not negated and self._validator_call(test, name)
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
            return False
        target = test.comparisons[0]
        operator = cst.NotIn if negated else cst.In
        if not (isinstance(test.left, cst.Name) and test.left.value == name):
            return False
        if not isinstance(target.operator, operator):
            return False
        container = target.comparator
        if (
            isinstance(container, cst.Call)
            and isinstance(container.func, cst.Attribute)
            and container.func.attr.value == "keys"
        ):
            container = container.func.value
        return self._is_constant_collection(container, depth) or self.items(container, depth).is_constant

    def _validator_call(self, call: cst.Call, name: str) -> bool:
        """``name.isdigit()``, ``re.fullmatch(PATTERN, name)``, ``isinstance(name, int)``."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _VALIDATING_METHODS and not call.args:
            return isinstance(func.value, cst.Name) and func.value.value == name
        arguments = [arg.value for arg in call.args if arg.keyword is None and not arg.star]

        def is_name(position: int) -> bool:
            return (
                len(arguments) > position
                and isinstance(arguments[position], cst.Name)
                and arguments[position].value == name  # type: ignore[attr-defined]
            )

        qualified = self.context.qualified_name(func) or ""
        if qualified in ("re.match", "re.fullmatch"):
            return is_name(1)
        if qualified == "builtins.isinstance" and is_name(0) and len(arguments) == 2:
            kinds = arguments[1]
            types = [element.value for element in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
            return all(isinstance(kind, cst.Name) and kind.value in _NUMERIC_TYPES for kind in types)
        # A compiled pattern: ``SLUG.fullmatch(name)``.
        return isinstance(func, cst.Attribute) and func.attr.value in ("match", "fullmatch") and is_name(0)


# -- list mutations ----------------------------------------------------------

_MUTATING_METHODS = frozenset({"append", "extend", "insert"})


def _cached(context: FileContext, key: tuple[str, int], compute: Callable[[], _T]) -> _T:
    """Facts computed once per block or function of the file being checked."""
    return context.cached(("strings", *key), compute)


def _guard_candidates(
    context: FileContext, block: cst.CSTNode
) -> tuple[dict[int, int], list[tuple[int, cst.CSTNode]]]:
    """A block's statement positions, and the statements shaped like a guard (``if``, ``assert``)."""

    def compute() -> tuple[dict[int, int], list[tuple[int, cst.CSTNode]]]:
        statements = getattr(block, "body", ())
        positions = {id(statement): position for position, statement in enumerate(statements)}
        candidates = [
            (position, statement)
            for position, statement in enumerate(statements)
            if isinstance(statement, cst.If)
            or (
                isinstance(statement, cst.SimpleStatementLine)
                and any(isinstance(small, cst.Assert) for small in statement.body)
            )
        ]
        return positions, candidates

    return _cached(context, ("guards", id(block)), compute)


def _mutations(context: FileContext, name: str) -> list[cst.Call]:
    """``name.append(...)``/``extend``/``insert`` calls in the function (or module) where the use is."""
    scope_node: cst.CSTNode = context.enclosing_function() or context.module
    calls = _cached(context, ("mutations", id(scope_node)), lambda: _collect_mutations(scope_node))
    return calls.get(name, [])


def _collect_mutations(scope_node: cst.CSTNode) -> dict[str, list[cst.Call]]:
    # Imported here: the walker imports the engine, which imports this module.

    found: dict[str, list[cst.Call]] = {}
    stack = [scope_node]
    while stack:
        node = stack.pop()
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _MUTATING_METHODS
            and isinstance(node.func.value, cst.Name)
        ):
            found.setdefault(node.func.value.value, []).append(node)
        stack.extend(iter_children(node))
    return found


def _bound_names(target: cst.CSTNode) -> list[str]:
    return [name.value for name in target_names(target)] if isinstance(target, cst.BaseExpression) else []

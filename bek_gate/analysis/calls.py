"""Reading a call's arguments the way Python binds them (keyword or position, ``**`` splats)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis import helpers
from bek_gate.analysis.tree import iter_children

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

MISSING = object()


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The ``name=...`` argument of ``call``, if given by keyword."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def argument(call: cst.Call, position: int | None, name: str) -> cst.BaseExpression | None:
    """The value bound to parameter ``name`` (at ``position`` when passed positionally).

    Positional counting stops at the first ``*args`` splat, since what follows
    cannot be placed.
    """
    found = keyword(call, name)
    if found is not None:
        return found.value
    if position is None:
        return None
    index = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        if arg.star == "*":
            return None
        if index == position:
            return arg.value
        index += 1
    return None


def has_star_args(call: cst.Call) -> bool:
    """Whether ``*args`` could fill positional parameters we cannot see."""
    return any(arg.star == "*" for arg in call.args)


def splatted_keywords(context: FileContext, call: cst.Call) -> set[str] | None:
    """Keys that ``**mapping`` splats in ``call`` are known to carry.

    Returns the set of keys when every splat is a dict literal or ``dict(...)``
    call (directly or through a name assigned one earlier and never changed
    after), an empty set when there is no splat, and None when some splat's
    keys cannot be known (a parameter, a function result, a mapping that is
    updated or passed elsewhere): callers should then assume any key may be
    present.
    """
    keys: set[str] = set()
    for arg in call.args:
        if arg.star != "**":
            continue
        known = _mapping_keys(context, arg.value, depth=0)
        if known is None:
            return None
        keys |= known
    return keys


def _mapping_keys(context: FileContext, node: cst.BaseExpression, depth: int) -> set[str] | None:
    if depth > 5:
        return None
    if isinstance(node, cst.Dict):
        keys: set[str] = set()
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                inner = _mapping_keys(context, element.value, depth + 1)
                if inner is None:
                    return None
                keys |= inner
            elif isinstance(element.key, cst.SimpleString) and isinstance(element.key.evaluated_value, str):
                keys.add(element.key.evaluated_value)
            else:
                return None
        return keys
    if isinstance(node, cst.Call) and context.qualified_name(node.func) == "builtins.dict":
        keys = set()
        for arg in node.args:
            if arg.keyword is not None:
                keys.add(arg.keyword.value)
            else:
                return None
        return keys
    if isinstance(node, cst.Call):
        return _helper_keys(context, node, depth)
    if isinstance(node, cst.Name):
        values = context.assigned_values(node.value)
        if not values or _may_gain_keys(context, node.value):
            return None
        union: set[str] = set()
        for value in values:
            inner = _mapping_keys(context, value, depth + 1)
            if inner is None:
                return None
            union |= inner
        return union
    return None


def _helper_keys(context: FileContext, call: cst.Call, depth: int) -> set[str] | None:
    """``**self._request_options()`` where the method of this module returns dict literals."""
    helper = helpers.helper_call(context, call)
    if helper is None or helper.opaque:
        return None
    keys: set[str] = set()
    for value in helper.returns:
        if isinstance(value, cst.Name) and value.value in helper.locals:
            value = helper.locals[value.value]
        if not isinstance(value, (cst.Dict, cst.Call)):
            return None
        known = _mapping_keys(context, value, depth + 1)
        if known is None:
            return None
        keys |= known
    return keys


_MUTATING_METHODS = frozenset({"update", "setdefault", "__setitem__", "pop", "popitem", "clear", "__ior__"})


def _may_gain_keys(context: FileContext, name: str) -> bool:
    """Whether a mapping's literal keys cannot be trusted: ``opts["timeout"] = 5``,
    ``opts.update(...)``, ``apply_defaults(opts)`` or ``self.opts = opts`` anywhere
    in the scope that binds it. One walk per scope and name, cached for the file."""
    scope = next((s for s in context.scope.visible_chain() if name in s.bindings), None)
    if scope is None:
        return True
    return context.cached(("mapping-changes", id(scope.node), name), lambda: _changes_in(scope.node, name))


def _changes_in(root: cst.CSTNode, name: str) -> bool:
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if _changes_mapping(node, name):
            return True
        stack.extend(iter_children(node))
    return False


def _changes_mapping(node: cst.CSTNode, name: str) -> bool:
    def is_name(expr: cst.CSTNode | None) -> bool:
        return isinstance(expr, cst.Name) and expr.value == name

    targets: list[cst.CSTNode] = []
    if isinstance(node, cst.Assign):
        if is_name(node.value):
            return True  # aliased: ``self.opts = opts``
        targets = [target.target for target in node.targets]
    elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.Del)):
        targets = [node.target]
    elif isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and is_name(func.value) and func.attr.value in _MUTATING_METHODS:
            return True
        return any(arg.star == "" and is_name(arg.value) for arg in node.args)
    return any(
        (isinstance(target, cst.Subscript) and is_name(target.value))
        or (isinstance(node, cst.AugAssign) and is_name(target))
        for target in targets
    )

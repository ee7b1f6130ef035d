"""Helpers defined in the module being checked, followed through their ``return``.

``def where(name): return f"name = '{name}'"`` called as ``where(term)``:
the string analysis and the value-origin analysis both look into such a
helper, with its parameters bound to the call's arguments. This module finds
the helper a call names (a module-level function, or a method of the
enclosing class called through ``self``/``cls``), its return values, how
the call binds its parameters, and which of its local variables can be
followed (those assigned once, at the top of its body).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis.scopes import target_names
from bek_gate.analysis.tree import iter_children

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_MUTATING_METHODS = frozenset({"append", "extend", "insert"})


@dataclass(frozen=True)
class HelperCall:
    """A call to a helper of this module, with its parameters bound.

    ``arguments`` maps every parameter to the caller's argument, else its
    default (those are in ``defaulted``), else None (unknown, such as
    ``*args``). ``locals`` are the helper's variables that can be followed, by
    the expression each was assigned (a parameter reassigned once at the top
    is one of them, and that value wins). ``opaque`` is true when a return value
    uses a local that cannot be followed, so what it returns is not known.
    """

    definition: cst.FunctionDef
    returns: tuple[cst.BaseExpression, ...]
    arguments: dict[str, cst.BaseExpression | None]
    defaulted: frozenset[str]
    locals: dict[str, cst.BaseExpression]
    opaque: bool


def helper_call(context: FileContext, call: cst.Call) -> HelperCall | None:
    """The helper ``call`` calls, with what it binds; None when it is not a helper of this module
    (or the helper returns nothing, or yields)."""
    definition = _helper_definition(context, call.func)
    if definition is None:
        return None
    returns = _return_values(definition)
    if not returns:
        return None
    params = definition.params
    positional = [*params.posonly_params, *params.params]
    if isinstance(call.func, cst.Attribute) and positional:
        positional = positional[1:]  # self / cls
    bound = _bind_arguments(call, positional)
    arguments: dict[str, cst.BaseExpression | None] = {}
    defaulted = set()
    for param in [*positional, *params.kwonly_params]:
        name = param.name.value
        given = bound.get(name)
        if given is None and param.default is not None:
            given = param.default
            defaulted.add(name)
        arguments[name] = given
    for extra in (params.star_arg, params.star_kwarg):
        if isinstance(extra, cst.Param):
            arguments[extra.name.value] = None
    followed, blocked = _helper_locals(definition)
    locals_: dict[str, cst.BaseExpression] = {}
    for name, value in followed:
        used = _names_in(value)
        if used & blocked or name in used:
            blocked.add(name)
        else:
            locals_[name] = value
    opaque = any(_names_in(value) & blocked for value in returns)
    return HelperCall(definition, tuple(returns), arguments, frozenset(defaulted), locals_, opaque)


def _helper_definition(context: FileContext, func: cst.CSTNode) -> cst.FunctionDef | None:
    """The ``def`` a call names: a module-level function, or a method of the enclosing class via ``self``."""
    if isinstance(func, cst.Name):
        bindings = context.bindings(func.value)
        if bindings is not None and any(binding.kind != "def" for binding in bindings):
            return None
        body: object = context.module.body
    elif (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    ):
        enclosing = context.enclosing(cst.ClassDef)
        if not isinstance(enclosing, cst.ClassDef):
            return None
        body = enclosing.body.body
    else:
        return None
    name = func.value if isinstance(func, cst.Name) else func.attr.value
    found = context.cached(("helper-definitions", id(body)), lambda: _definitions(body)).get(name, [])
    return found[0] if len(found) == 1 else None


def _definitions(body: object) -> dict[str, list[cst.FunctionDef]]:
    found: dict[str, list[cst.FunctionDef]] = {}
    for statement in body:  # type: ignore[attr-defined]
        if isinstance(statement, cst.FunctionDef):
            found.setdefault(statement.name.value, []).append(statement)
    return found


def _return_values(function: cst.FunctionDef) -> list[cst.BaseExpression]:

    values: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.Return):
            if node.value is None:
                return []
            values.append(node.value)
        elif isinstance(node, (cst.Yield, cst.Await)):
            return []
        stack.extend(iter_children(node))
    return values


def _helper_locals(function: cst.FunctionDef) -> tuple[list[tuple[str, cst.BaseExpression]], set[str]]:
    """A helper's local variables: those assigned once at the top of its body (in order), and the others.

    A list filled with ``append``/``extend`` is among the others.
    """

    counts: dict[str, int] = {}
    stack: list[cst.CSTNode] = [function.body]
    mutated: set[str] = set()
    while stack:
        node = stack.pop()
        targets: list[cst.CSTNode] = []
        if isinstance(node, cst.Assign):
            targets = [target.target for target in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr)):
            targets = [node.target]
        elif isinstance(node, cst.AsName):
            targets = [node.name]
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _MUTATING_METHODS
            and isinstance(node.func.value, cst.Name)
        ):
            mutated.add(node.func.value.value)
        for target in targets:
            for name in (
                [name.value for name in target_names(target)]
                if isinstance(target, cst.BaseExpression)
                else []
            ):
                counts[name] = counts.get(name, 0) + 1
        stack.extend(iter_children(node))
    followed = []
    for statement in function.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
            ):
                name = small.targets[0].target.value
                if counts.get(name) == 1 and name not in mutated:
                    followed.append((name, small.value))
    blocked = set(counts) - {name for name, _ in followed}
    return followed, blocked


def _names_in(node: cst.CSTNode) -> set[str]:

    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        stack.extend(iter_children(current))
    return names


def _bind_arguments(call: cst.Call, positional: list[cst.Param]) -> dict[str, cst.BaseExpression]:
    bound: dict[str, cst.BaseExpression] = {}
    index = 0
    for arg in call.args:
        if arg.star:
            continue
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg.value
        elif index < len(positional):
            bound[positional[index].name.value] = arg.value
            index += 1
    return bound

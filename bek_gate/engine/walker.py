"""One fast, read-only walk per file that dispatches each node to the rules that asked for it.

libcst's generic visitor costs as much as the parse itself (SPEC 9); this walk
reads each node's child fields directly (skipping whitespace and punctuation),
iteratively (deep expressions cannot overflow the stack), and calls only the
handlers registered for the node's type. It also keeps the ancestor stack and
records bindings (``FileContext.bindings``) as it goes.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from bek_gate.analysis.names import import_aliases
from bek_gate.analysis.scopes import Binding, Scope, target_names
from bek_gate.analysis.tree import IS_NODE_TYPE, child_fields, is_node_type
from bek_gate.engine.context import BLOCK_TYPES, FileContext
from bek_gate.rules.base import Rule
from bek_gate.rules.loader import LoadedRule


@dataclass(frozen=True)
class RuleCrash:
    """A rule raised while handling a node: reported as an internal-error notice."""

    rule_id: str
    error: str
    where: str  # "file:line" of the innermost frame, usually inside the rule

    @classmethod
    def of(cls, rule_id: str, error: BaseException) -> RuleCrash:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        return cls(rule_id, f"{type(error).__name__}: {error}", f"{frame.filename}:{frame.lineno}")


Handler = Callable[[cst.CSTNode], object]
Tracker = Callable[[FileContext, cst.CSTNode], None]


@dataclass(frozen=True)
class _TypePlan:
    """Everything the walk does for one node type, looked up once per node."""

    visitors: tuple[tuple[str, Handler], ...]
    leavers: tuple[tuple[str, Handler], ...]
    on_enter: Tracker | None
    on_leave: Tracker | None
    fields: tuple[str, ...]

    @property
    def needs_leave(self) -> bool:
        return bool(self.leavers) or self.on_leave is not None


class Dispatcher:
    """For each node type, the bound handlers of the rule instances that asked for it."""

    def __init__(self, rules: list[tuple[LoadedRule, Rule]]) -> None:
        self._rules = rules
        self._plans: dict[type[cst.CSTNode], _TypePlan] = {}
        self.disabled: set[str] = set()

    def plan(self, node_type: type[cst.CSTNode]) -> _TypePlan:
        plan = self._plans.get(node_type)
        if plan is None:
            plan = self._plans[node_type] = _TypePlan(
                visitors=self._handlers(node_type, leaving=False),
                leavers=self._handlers(node_type, leaving=True),
                on_enter=_ON_ENTER.get(node_type),
                on_leave=_ON_LEAVE.get(node_type),
                fields=child_fields(node_type),
            )
        return plan

    def _handlers(self, node_type: type[cst.CSTNode], leaving: bool) -> tuple[tuple[str, Handler], ...]:
        handlers = []
        for loaded, instance in self._rules:
            if loaded.id in self.disabled:
                continue
            table = loaded.leaves if leaving else loaded.visits
            for registered_type, method in table.items():
                # A rule may ask for an abstract type (BaseCompoundStatement).
                if issubclass(node_type, registered_type):
                    handlers.append((loaded.id, getattr(instance, method)))
        return tuple(handlers)

    def disable(self, rule_id: str) -> None:
        self.disabled.add(rule_id)
        self._plans.clear()


def walk(context: FileContext, dispatcher: Dispatcher) -> list[RuleCrash]:
    """Walk ``context.module`` once, calling the rules' handlers; return the crashes.

    The stack holds (node, depth); a leave marker (node, -depth - 1) is pushed
    only for node types that have leave handlers or trackers. The ancestor
    list is cut back to each node's depth, so it needs no leave marker.
    """
    crashes: list[RuleCrash] = []
    ancestors = context.ancestors
    is_node = IS_NODE_TYPE
    plan_for = dispatcher.plan
    stack: list[tuple[cst.CSTNode, int]] = [(context.module, 0)]
    while stack:
        node, depth = stack.pop()
        if depth < 0:
            del ancestors[-depth - 1 :]
            plan = plan_for(type(node))
            if plan.leavers:
                _call(plan.leavers, node, dispatcher, crashes)
            if plan.on_leave is not None:
                plan.on_leave(context, node)
            continue
        del ancestors[depth:]
        plan = plan_for(type(node))
        if plan.on_enter is not None:
            plan.on_enter(context, node)
        if plan.visitors:
            _call(plan.visitors, node, dispatcher, crashes)
        if plan.needs_leave:
            stack.append((node, -depth - 1))
        ancestors.append(node)
        children: list[cst.CSTNode] = []
        for name in plan.fields:
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                children.extend(item for item in value if is_node_type(is_node, type(item)))
            elif is_node_type(is_node, value_type):
                children.append(value)
        child_depth = depth + 1
        for child in reversed(children):
            stack.append((child, child_depth))
    return crashes


def _call(
    handlers: tuple[tuple[str, Handler], ...],
    node: cst.CSTNode,
    dispatcher: Dispatcher,
    crashes: list[RuleCrash],
) -> None:
    for rule_id, handler in handlers:
        try:
            handler(node)
        except (Exception, SystemExit) as error:  # a broken rule (even sys.exit()) must not stop the others
            crashes.append(RuleCrash.of(rule_id, error))
            dispatcher.disable(rule_id)


# -- binding tracking ---------------------------------------------------------


def _block_id(context: FileContext) -> int:
    for ancestor in reversed(context.ancestors):
        if isinstance(ancestor, BLOCK_TYPES):
            return id(ancestor)
    return id(context.module)


def _bind(context: FileContext, name: str, kind: str, value: cst.CSTNode | None, node: cst.CSTNode) -> None:
    context.scope.add(Binding(name, kind, value, node, _block_id(context)))


def _bind_targets(
    context: FileContext, target: cst.BaseExpression, value: cst.CSTNode | None, node: cst.CSTNode
) -> None:
    if isinstance(target, cst.Name):
        _bind(context, target.value, "assign", value, node)
        return
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        _bind_instance_attribute(context, target, value, node)
        return
    values: list[cst.CSTNode | None]
    if (
        isinstance(target, (cst.Tuple, cst.List))
        and isinstance(value, (cst.Tuple, cst.List))
        and len(target.elements) == len(value.elements)
    ):
        values = [element.value for element in value.elements]
        for element, element_value in zip(target.elements, values, strict=False):
            _bind_targets(context, element.value, element_value, node)
        return
    for name in target_names(target):
        _bind(context, name.value, "assign", None, node)


def _bind_instance_attribute(
    context: FileContext, target: cst.Attribute, value: cst.CSTNode | None, node: cst.CSTNode
) -> None:
    scope = context.scope
    class_scope = scope.method_class()
    if (
        class_scope is not None
        and isinstance(target.value, cst.Name)
        and target.value.value == scope.self_name
    ):
        binding = Binding(target.attr.value, "assign", value, node, _block_id(context))
        class_scope.instance_attributes.setdefault(target.attr.value, []).append(binding)


def _enter_function(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, (cst.FunctionDef, cst.Lambda))
    parent = context.scope
    if isinstance(node, cst.FunctionDef):
        _bind(context, node.name.value, "def", None, node)
    scope = Scope("function", node, parent)
    params = node.params
    positional = [*params.posonly_params, *params.params]
    if isinstance(node, cst.FunctionDef) and parent.kind == "class" and positional:
        decorators = {getattr(d.decorator, "value", "") for d in node.decorators}
        if "staticmethod" not in decorators:
            scope.self_name = positional[0].name.value
    every = [*positional, *params.kwonly_params]
    for extra in (params.star_arg, params.star_kwarg):
        if isinstance(extra, cst.Param):
            every.append(extra)
    for param in every:
        scope.add(Binding(param.name.value, "param", param.default, param, id(node)))
    context.scope = scope


def _enter_class(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, cst.ClassDef)
    _bind(context, node.name.value, "class", None, node)
    context.scope = Scope("class", node, context.scope)
    context.class_scopes[id(node)] = context.scope


def _leave_scope(context: FileContext, node: cst.CSTNode) -> None:
    if context.scope.node is node and context.scope.parent is not None:
        context.scope = context.scope.parent


def _enter_for(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, (cst.For, cst.CompFor))
    for name in target_names(node.target):
        _bind(context, name.value, "loop", node.iter, node)


def _enter_except(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler))
    if node.name is not None and isinstance(node.name.name, cst.Name):
        _bind(context, node.name.name.value, "except", node.type, node)


def _enter_import(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, (cst.Import, cst.ImportFrom))
    for local, qualified in import_aliases(node):
        context.scope.add(Binding(local, "import", None, node, _block_id(context), qualified))


def _leave_assign(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, cst.Assign)
    for target in node.targets:
        _bind_targets(context, target.target, node.value, node)


def _leave_ann_assign(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, cst.AnnAssign)
    if node.value is not None:
        _bind_targets(context, node.target, node.value, node)


def _leave_aug_assign(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, cst.AugAssign)
    if isinstance(node.target, cst.Name):
        _bind(context, node.target.value, "augassign", node.value, node)


def _leave_named_expr(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, cst.NamedExpr)
    if isinstance(node.target, cst.Name):
        _bind(context, node.target.value, "assign", node.value, node)


def _leave_with_item(context: FileContext, node: cst.CSTNode) -> None:
    assert isinstance(node, cst.WithItem)
    if node.asname is not None and isinstance(node.asname.name, cst.Name):
        _bind(context, node.asname.name.value, "with", node.item, node)


_ON_ENTER: dict[type[cst.CSTNode], Callable[[FileContext, cst.CSTNode], None]] = {
    cst.FunctionDef: _enter_function,
    cst.Lambda: _enter_function,
    cst.ClassDef: _enter_class,
    cst.For: _enter_for,
    cst.CompFor: _enter_for,
    cst.ExceptHandler: _enter_except,
    cst.ExceptStarHandler: _enter_except,
    cst.Import: _enter_import,
    cst.ImportFrom: _enter_import,
}
_ON_LEAVE: dict[type[cst.CSTNode], Callable[[FileContext, cst.CSTNode], None]] = {
    cst.FunctionDef: _leave_scope,
    cst.Lambda: _leave_scope,
    cst.ClassDef: _leave_scope,
    cst.Assign: _leave_assign,
    cst.AnnAssign: _leave_ann_assign,
    cst.AugAssign: _leave_aug_assign,
    cst.NamedExpr: _leave_named_expr,
    cst.WithItem: _leave_with_item,
}

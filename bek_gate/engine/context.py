"""What a rule sees of the file being checked: names, bindings, ancestors, and ``report``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import libcst as cst

from bek_gate.analysis import names, string_values, strings
from bek_gate.analysis.scopes import Binding, Scope, reaching

T = TypeVar("T")
BLOCK_TYPES = (cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite)
_MAX_LINEAGE = 16


@dataclass(frozen=True)
class Report:
    """A rule's raw report: a node and a message; positions come later."""

    rule_id: str
    node: cst.CSTNode
    message: str
    confidence: str
    statement: cst.CSTNode | None


@dataclass(frozen=True)
class RawFact:
    rule_id: str
    kind: str
    data: dict[str, Any]
    node: cst.CSTNode | None
    statement: cst.CSTNode | None


class FileContext:
    """Per-file state shared by all rules during the single walk.

    Rules use: ``path``, ``source``, ``module``, ``ancestors`` (outermost
    first, not including the node being visited), ``imports``,
    ``qualified_name(node)``, ``bindings(name)``, ``assigned_values(name)``,
    ``instance_attribute_values(attr)``, ``class_attribute_values(attr)``,
    ``class_lineage(scope)``,
    ``built_string(expr)``, ``code(node)`` and ``enclosing(*types)``.
    """

    def __init__(self, path: str, source: str, module: cst.Module) -> None:
        self.path = path
        self.source = source
        self.module = module
        self.imports = names.ImportTable.from_module(module)
        self.ancestors: list[cst.CSTNode] = []
        self.scope = Scope("module", module, None)
        # Each class walked so far, by ``id()`` of its ``ClassDef``: base classes are found here.
        self.class_scopes: dict[int, Scope] = {}
        self.reports: list[Report] = []
        self.facts: list[RawFact] = []
        self._cache: dict[tuple[object, ...], Any] = {}

    # -- reporting -----------------------------------------------------------

    def add_report(self, rule_id: str, node: cst.CSTNode, message: str, confidence: str) -> None:
        self.reports.append(Report(rule_id, node, message, confidence, self._statement_of(node)))

    def add_fact(self, rule_id: str, kind: str, data: dict[str, Any], node: cst.CSTNode | None) -> None:
        self.facts.append(RawFact(rule_id, kind, data, node, self._statement_of(node) if node else None))

    def _statement_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return node
        for ancestor in reversed(self.ancestors):
            if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return ancestor
        return None

    def cached(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per file for ``key`` (analyses keep per-block facts here)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]  # type: ignore[no-any-return]

    # -- structure -----------------------------------------------------------

    def enclosing(self, *types: type[cst.CSTNode]) -> cst.CSTNode | None:
        """The innermost ancestor of one of ``types``, or None."""
        for ancestor in reversed(self.ancestors):
            if isinstance(ancestor, types):
                return ancestor
        return None

    def enclosing_function(self) -> cst.FunctionDef | None:
        function = self.enclosing(cst.FunctionDef)
        return function if isinstance(function, cst.FunctionDef) else None

    def code(self, node: cst.CSTNode) -> str:
        """The source text of ``node`` (generated from the tree, so exact)."""
        return self.module.code_for_node(node)

    # -- names and values ----------------------------------------------------

    def bindings(self, name: str) -> list[Binding] | None:
        """Bindings of ``name`` that reach the current node, latest first.

        None when no visible scope binds the name at all (it may be a
        module-level import, a builtin, or undefined).
        """
        for scope in self.scope.visible_chain():
            recorded = scope.bindings.get(name)
            if recorded:
                block_ids = {id(node) for node in self.ancestors if isinstance(node, BLOCK_TYPES)}
                block_ids.add(id(scope.node))
                return reaching(recorded, block_ids)
        return None

    def assigned_values(self, name: str) -> list[cst.CSTNode] | None:
        """The expressions ``name`` was assigned from, if every reaching binding is an assignment."""
        bindings = self.bindings(name)
        if not bindings:
            return None
        values = []
        for binding in bindings:
            if binding.kind not in ("assign", "with") or binding.value is None:
                return None
            values.append(binding.value)
        return values

    def instance_attribute_values(self, node: cst.Attribute) -> list[cst.CSTNode] | None:
        """Values assigned to ``self.<attr>`` in the class's methods, for ``self.<attr>``.

        The methods of its base classes defined earlier in this module
        (``class_lineage``) write to the same instance, so their assignments
        count too: all of them are possible values.
        """
        if not isinstance(node.value, cst.Name):
            return None
        for scope in self.scope.visible_chain():
            if scope.kind != "function":
                continue
            class_scope = scope.method_class()
            if class_scope is None or scope.self_name != node.value.value:
                continue
            attr = node.attr.value
            recorded = [
                b
                for owner in self.class_lineage(class_scope)
                for b in owner.instance_attributes.get(attr, ())
            ]
            if not recorded or any(b.kind != "assign" or b.value is None for b in recorded):
                return None
            return [binding.value for binding in recorded if binding.value is not None]
        return None

    def class_attribute_values(self, node: cst.Attribute) -> list[cst.CSTNode] | None:
        """``self.table`` / ``cls.table`` where the class body (or a base class's) says ``table = "users"``."""
        if not isinstance(node.value, cst.Name):
            return None
        for scope in self.scope.visible_chain():
            class_scope = scope.method_class()
            if class_scope is None or scope.self_name != node.value.value:
                continue
            lineage = self.class_lineage(class_scope)
            if any(node.attr.value in owner.instance_attributes for owner in lineage):
                return None
            # The nearest class body that sets it wins, as attribute lookup goes.
            recorded = next(
                (o.bindings[node.attr.value] for o in lineage if node.attr.value in o.bindings), None
            )
            if not recorded or any(b.kind != "assign" or b.value is None for b in recorded):
                return None
            return [binding.value for binding in recorded if binding.value is not None]
        return None

    def class_lineage(self, class_scope: Scope) -> list[Scope]:
        """``class_scope``, then the scopes of its base classes defined earlier in this module, nearest first.

        A base is found by its name, as it is bound where the class is defined
        (and only when that binding is the class statement); bases imported
        from other modules are not followed.
        """
        return self.cached(("class-lineage", id(class_scope.node)), lambda: self._lineage(class_scope))

    def _lineage(self, class_scope: Scope) -> list[Scope]:
        lineage = [class_scope]
        for owner in lineage:  # grows as bases are found: breadth first, each class once
            if len(lineage) > _MAX_LINEAGE:
                break
            node = owner.node
            if not isinstance(node, cst.ClassDef) or owner.parent is None:
                continue
            for base in node.bases:
                if base.keyword is not None or base.star or not isinstance(base.value, cst.Name):
                    continue
                found = self._class_named(base.value.value, node, owner.parent)
                if found is not None and all(found is not known for known in lineage):
                    lineage.append(found)
        return lineage

    def _class_named(self, name: str, subclass: cst.ClassDef, where: Scope) -> Scope | None:
        for scope in where.visible_chain():
            recorded = scope.bindings.get(name)
            if not recorded:
                continue
            # ``class Client(Client)`` binds its own name first; the base is the binding before it.
            earlier = [binding for binding in recorded if binding.node is not subclass]
            if not earlier or earlier[-1].kind != "class":
                return None
            return self.class_scopes.get(id(earlier[-1].node))
        return None

    def qualified_name(self, node: cst.CSTNode) -> str | None:
        """What ``node`` refers to (``requests.get``, ``requests.Session().get``), if known."""
        return names.qualified_name(self, node)

    def built_string(self, node: cst.CSTNode) -> string_values.BuiltString | None:
        """How ``node`` builds a string from non-constant values; None if it does not."""
        return strings.analyse(self, node).built

    def is_constant(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` is a value known without running the code (a literal, a constant)."""
        return strings.analyse(self, node).is_constant

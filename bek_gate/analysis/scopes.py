"""Which values a name was bound to earlier, tracked during the engine's single walk.

The walker records a binding when it leaves an assignment (so ``q = q + x``
does not see itself), enters a ``for`` loop, a ``with ... as`` item, an
``except ... as`` handler, a function's parameters, or an import inside a
function. A rule asking about a name at some node gets the bindings that can
reach that node: walking back from the latest one, it stops at the first
binding made in a block that encloses the node, because that one always runs
before the node does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass(frozen=True)
class Binding:
    """One binding of a name.

    kind: ``assign`` (value is the assigned expression), ``augassign`` (node is
    the ``AugAssign``), ``loop``, ``with`` (value is the context expression),
    ``param`` (value is the default, if any), ``import`` (qualified_name set),
    ``def``, ``class``, ``except``.
    """

    name: str
    kind: str
    value: cst.CSTNode | None
    node: cst.CSTNode
    block_id: int
    qualified_name: str | None = None


@dataclass
class Scope:
    """A module, class or function scope and the bindings recorded in it so far."""

    kind: str  # "module", "class", "function"
    node: cst.CSTNode
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    # For a class: assignments to ``self.<attr>`` made in any of its methods.
    instance_attributes: dict[str, list[Binding]] = field(default_factory=dict)
    # For a method: the name of its first parameter (``self``), and its class scope.
    self_name: str | None = None

    def add(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)

    def visible_chain(self) -> list[Scope]:
        """This scope and the enclosing ones whose names it can see (class bodies are skipped)."""
        chain = [self]
        scope = self.parent
        while scope is not None:
            if scope.kind != "class":
                chain.append(scope)
            scope = scope.parent
        return chain

    def method_class(self) -> Scope | None:
        if self.kind == "function" and self.parent is not None and self.parent.kind == "class":
            return self.parent
        return None


def reaching(bindings: list[Binding], enclosing_block_ids: set[int]) -> list[Binding]:
    """The bindings that can reach a use, latest first, up to the first unconditional one."""
    result = []
    for binding in reversed(bindings):
        result.append(binding)
        # ``q += x`` extends the previous value, so the walk goes on past it.
        if binding.block_id in enclosing_block_ids and binding.kind != "augassign":
            break
    return result


def target_names(target: cst.BaseExpression) -> list[cst.Name]:
    """Names bound by an assignment target (``a``, ``a, b``, ``[a, *b]``)."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[cst.Name] = []
        for element in target.elements:
            value = element.value
            names.extend(target_names(value))
        return names
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []

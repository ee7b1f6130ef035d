"""Import aliases and qualified names, without libcst's QualifiedNameProvider.

A per-module alias table maps each imported local name to what it stands for
(``from requests import get as fetch`` makes ``fetch`` mean ``requests.get``).
``qualified_name`` then resolves an expression through that table and through
earlier assignments: ``r.Session().get`` and ``s.get`` after
``s = requests.Session()`` both resolve to ``requests.Session().get``.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_BUILTIN_NAMES = frozenset(dir(builtins))
_MAX_DEPTH = 8


def dotted_name(node: cst.BaseExpression | cst.ImportFrom | None) -> str:
    """``a.b.c`` for a Name/Attribute chain, ``""`` for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def import_aliases(node: cst.Import | cst.ImportFrom) -> Iterator[tuple[str, str]]:
    """(local name, qualified name) pairs an import statement binds."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                yield alias.asname.name.value, full
            else:
                # ``import os.path`` binds ``os``.
                top = full.split(".", 1)[0]
                yield top, top
        return
    if isinstance(node.names, cst.ImportStar):
        return
    module = "." * len(node.relative) + dotted_name(node.module) if node.module else "." * len(node.relative)
    for alias in node.names:
        imported = dotted_name(alias.name)
        local = imported
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        separator = "" if module.endswith(".") or not module else "."
        yield local, f"{module}{separator}{imported}"


@dataclass
class ImportTable:
    """Module-level import aliases, found before the walk so every function sees them."""

    aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_module(cls, module: cst.Module) -> ImportTable:
        table = cls()
        table._scan(module.body)
        return table

    def _scan(self, body: object) -> None:
        # Module-level statements, including those inside ``if``/``try``/``with``
        # blocks (``try: import ujson as json``), but not inside defs or classes.
        if isinstance(body, cst.If):
            body = [body]  # an ``elif``: scan it as the ``if`` statement it is
        statements = body if isinstance(body, (list, tuple)) else getattr(body, "body", ())
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        for local, qualified in import_aliases(small):
                            self.aliases.setdefault(local, qualified)
            elif isinstance(statement, (cst.If, cst.Try, cst.TryStar, cst.With)):
                self._scan(statement.body)
                for extra in _other_blocks(statement):
                    self._scan(extra)


def _other_blocks(statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(statement, cst.If) and statement.orelse is not None:
        yield statement.orelse.body if isinstance(statement.orelse, cst.Else) else statement.orelse
    if isinstance(statement, (cst.Try, cst.TryStar)):
        for handler in statement.handlers:
            yield handler.body
        if statement.orelse is not None:
            yield statement.orelse.body
        if statement.finalbody is not None:
            yield statement.finalbody.body


def qualified_name(context: FileContext, node: cst.CSTNode, _depth: int = 0) -> str | None:
    """What ``node`` refers to, as a dotted name, or None when it cannot be told.

    Calls add ``()``: ``requests.Session().get``. Builtins are ``builtins.<name>``
    unless shadowed. Names bound to different things on different paths give None.
    """
    if _depth > _MAX_DEPTH:
        return None
    if isinstance(node, cst.Name):
        return _name_qualified(context, node.value, _depth)
    if isinstance(node, cst.Attribute):
        instance_values = context.instance_attribute_values(node)
        if instance_values is not None:
            return _same_or_none(qualified_name(context, value, _depth + 1) for value in instance_values)
        base = qualified_name(context, node.value, _depth + 1)
        return f"{base}.{node.attr.value}" if base else None
    if isinstance(node, cst.Call):
        base = qualified_name(context, node.func, _depth + 1)
        return f"{base}()" if base else None
    if isinstance(node, cst.Await):
        # ``conn = await asyncpg.connect()``: the awaited value is what the call makes.
        return qualified_name(context, node.expression, _depth + 1)
    return None


def _name_qualified(context: FileContext, name: str, depth: int) -> str | None:
    bindings = context.bindings(name)
    if bindings is None:
        alias = context.imports.aliases.get(name)
        if alias is not None:
            return alias
        return f"builtins.{name}" if name in _BUILTIN_NAMES else None
    results = []
    for binding in bindings:
        if binding.kind == "import":
            results.append(binding.qualified_name)
        elif binding.kind in ("assign", "with") and binding.value is not None:
            results.append(qualified_name(context, binding.value, depth + 1))
        else:
            return None
    return _same_or_none(results)


def _same_or_none(results: object) -> str | None:
    found: set[str | None] = set(results)  # type: ignore[arg-type]
    if len(found) == 1:
        return found.pop()
    return None

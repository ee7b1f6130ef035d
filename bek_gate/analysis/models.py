"""Model fields the module declares, and what type of value each holds.

Django models (``token = models.UUIDField(default=uuid.uuid4)``), SQLAlchemy
columns (``Column(Integer)``, ``mapped_column(Uuid)``, ``Mapped[uuid.UUID]``),
pydantic models and dataclasses (``token: UUID``): a rule that sees
``transaction.token`` asks what ``token`` is declared as here, so an
identifier is not taken for a secret because of its name.

The same declarations tell which fields are pydantic secrets
(``password: SecretStr``), which print as stars (``declared_secret_type``).

Only this module's classes are known: a field declared in another module is
not (the rules that use this stay with their name-based judgement then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis.names import dotted_name

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

IDENTIFIER = "identifier"  # UUIDs, integers, slugs: they name a row, they do not grant anything
OTHER = "other"

# The last part of a field class or column type name that declares an identifier.
_IDENTIFIER_TYPES = frozenset(
    {
        "UUIDField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "SlugField",
        "ShortUUIDField",
        "UUID",
        "Uuid",
        "Integer",
        "BigInteger",
        "SmallInteger",
        "int",
        "UUID4",
        "UUID1",
    }
)
_COLUMN_CALLS = frozenset({"Column", "mapped_column", "Field"})
# pydantic types whose str() and repr() print stars.
_SECRET_TYPES = frozenset({"SecretStr", "SecretBytes"})


def field_kinds(context: FileContext) -> dict[str, frozenset[str]]:
    """For each field name declared by a class of this module, the kinds it is declared as."""
    return context.cached(("models.field_kinds",), lambda: _field_kinds(context.module))


def is_identifier_field(context: FileContext, name: str) -> bool:
    """Whether every class of this module that declares ``name`` declares it as an identifier."""
    return field_kinds(context).get(name) == frozenset({IDENTIFIER})


def _field_kinds(module: cst.Module) -> dict[str, frozenset[str]]:
    kinds: dict[str, set[str]] = {}
    stack: list[cst.CSTNode] = list(module.body)
    while stack:
        statement = stack.pop()
        if isinstance(statement, (cst.If, cst.Try)):
            stack.extend(statement.body.body)
            continue
        if not isinstance(statement, cst.ClassDef):
            continue
        for line in statement.body.body:
            if isinstance(line, cst.ClassDef):
                stack.append(line)
            for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                declared = _declaration(small)
                if declared is not None:
                    kinds.setdefault(declared[0], set()).add(declared[1])
    return {name: frozenset(found) for name, found in kinds.items()}


def _declaration(statement: cst.BaseSmallStatement) -> tuple[str, str] | None:
    """``(name, kind)`` for ``name = SomeField(...)`` or ``name: Type [= ...]``."""
    if isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name):
        kind = _annotation_kind(statement.annotation.annotation)
        if isinstance(statement.value, cst.Call) and kind == OTHER:
            kind = _field_call_kind(statement.value)
        return statement.target.value, kind
    if (
        isinstance(statement, cst.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
        and isinstance(statement.value, cst.Call)
    ):
        return statement.targets[0].target.value, _field_call_kind(statement.value)
    return None


def _field_call_kind(call: cst.Call) -> str:
    """``models.UUIDField()``, ``Column(Integer, ...)``, ``mapped_column(sa.Uuid)``."""
    name = _last_name(call.func)
    if name in _IDENTIFIER_TYPES:
        return IDENTIFIER
    if name in _COLUMN_CALLS and call.args and call.args[0].keyword is None:
        first = call.args[0].value
        if isinstance(first, cst.Call):
            first = first.func
        if _last_name(first) in _IDENTIFIER_TYPES:
            return IDENTIFIER
    return OTHER


def _annotation_kind(annotation: cst.BaseExpression) -> str:
    """``uuid.UUID``, ``int``, ``Mapped[uuid.UUID]``, ``Optional[int]``, ``UUID | None``."""
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        sides = [side for side in (annotation.left, annotation.right) if _last_name(side) != "None"]
        return _annotation_kind(sides[0]) if len(sides) == 1 else OTHER
    if isinstance(annotation, cst.Subscript):
        if _last_name(annotation.value) in ("Mapped", "Optional") and len(annotation.slice) == 1:
            inner = annotation.slice[0].slice
            return _annotation_kind(inner.value) if isinstance(inner, cst.Index) else OTHER
        return OTHER
    return IDENTIFIER if _last_name(annotation) in _IDENTIFIER_TYPES else OTHER


def _last_name(node: cst.BaseExpression) -> str:
    dotted = dotted_name(node)
    return dotted.rsplit(".", 1)[-1] if dotted else ""


def declared_secret_type(context: FileContext, node: cst.Attribute) -> bool:
    """``body.password`` where ``body: Signup`` is a parameter and this module declares
    ``class Signup(BaseModel): password: SecretStr``: pydantic prints such values as stars."""
    classes = context.cached(("models.secret_fields",), lambda: _secret_fields(context))
    if not classes or not isinstance(node.value, cst.Name):
        return False
    bindings = context.bindings(node.value.value)
    if not bindings:
        return False
    for binding in bindings:
        annotation = binding.node.annotation if isinstance(binding.node, cst.Param) else None
        model = annotation.annotation if annotation is not None else None
        if not isinstance(model, cst.Name) or node.attr.value not in classes.get(model.value, ()):
            return False
    return True


def _secret_fields(context: FileContext) -> dict[str, frozenset[str]]:
    """For each class this module defines, the fields it (or a base defined here) annotates as a
    pydantic secret type."""
    own: dict[str, set[str]] = {}
    bases: dict[str, list[str]] = {}
    for statement in context.module.body:
        if not isinstance(statement, cst.ClassDef):
            continue
        name = statement.name.value
        bases[name] = [base.value.value for base in statement.bases if isinstance(base.value, cst.Name)]
        fields = own.setdefault(name, set())
        for line in statement.body.body:
            for item in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                if (
                    isinstance(item, cst.AnnAssign)
                    and isinstance(item.target, cst.Name)
                    and _is_secret_type(context, item.annotation.annotation)
                ):
                    fields.add(item.target.value)
    if not any(own.values()):
        return {}  # the usual case: no pydantic secrets declared here
    result = {}
    for name in own:
        fields, pending, seen = set(), [name], set()
        while pending:
            current = pending.pop()
            if current in own and current not in seen:
                seen.add(current)
                fields |= own[current]
                pending += bases[current]
        result[name] = frozenset(fields)
    return result


def _is_secret_type(context: FileContext, annotation: cst.BaseExpression) -> bool:
    """``SecretStr``, ``pydantic.SecretStr``, ``SecretStr | None``, ``Optional[SecretStr]``."""
    if isinstance(annotation, cst.BinaryOperation):
        parts = [annotation.left, annotation.right]
        return any(_is_secret_type(context, part) for part in parts) and all(
            _is_secret_type(context, part) or (isinstance(part, cst.Name) and part.value == "None")
            for part in parts
        )
    if isinstance(annotation, cst.Subscript) and dotted_name(annotation.value).endswith("Optional"):
        inner = annotation.slice[0].slice
        return (
            len(annotation.slice) == 1
            and isinstance(inner, cst.Index)
            and _is_secret_type(context, inner.value)
        )
    qualified = context.qualified_name(annotation) or ""
    return qualified.startswith("pydantic") and qualified.rsplit(".", 1)[-1] in _SECRET_TYPES

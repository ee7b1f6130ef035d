"""Reading a libcst tree's structure fast: the meaningful child fields of each node type.

Whitespace, punctuation and parentheses are skipped; fields are listed in
source order. The engine's walk and the analyses' sub-walks share this.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

_TRIVIA_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "trailing_whitespace",
        "comma",
        "semicolon",
        "colon",
        "equal",
        "dot",
        "star",
        "newline",
        "indent",
        "relative",
        "asynchronous",
        "encoding",
        "default_indent",
        "default_newline",
        "has_trailing_newline",
    }
)
# Where dataclass field order differs from source order and the order matters
# for bindings: decorators run before the body is defined.
_LEXICAL_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.ListComp: ("for_in", "elt"),
    cst.SetComp: ("for_in", "elt"),
    cst.GeneratorExp: ("for_in", "elt"),
    cst.DictComp: ("for_in", "key", "value"),
}
_CHILD_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    """The fields of a node type that can hold meaningful child nodes, in source order."""
    names = _CHILD_FIELDS.get(node_type)
    if names is None:
        names = _LEXICAL_ORDER.get(node_type) or tuple(
            field.name
            for field in dataclasses.fields(node_type)
            if field.name not in _TRIVIA_FIELDS and not field.name.startswith("whitespace")
        )
        _CHILD_FIELDS[node_type] = names
    return names


# Whether a value's type is a libcst node, by type: faster than isinstance() on
# CSTNode, an ABC, for the millions of field values a large tree holds.
IS_NODE_TYPE: dict[type, bool] = {}


def is_node_type(cache: dict[type, bool], value_type: type) -> bool:
    known = cache.get(value_type)
    if known is None:
        known = cache[value_type] = issubclass(value_type, cst.CSTNode)
    return known


def iter_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The meaningful children of ``node``, in source order."""
    for name in child_fields(type(node)):
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            for item in value:
                if is_node_type(IS_NODE_TYPE, type(item)):
                    yield item
        elif is_node_type(IS_NODE_TYPE, value_type):
            yield value

"""Positions for the few nodes that need them, computed once per file that has findings.

libcst's PositionProvider regenerates the whole module's code, so it is only
run for files where a rule reported something, and on the original tree
(``unsafe_skip_copy``: the engine never mutates it).
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from bek_gate.findings import Location

UNKNOWN_LOCATION = Location(1, 1, 1, 1)


def resolve_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange] | None:
    """Every node's range, or None when the tree is too deep to generate code for."""
    try:
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except RecursionError:
        return None


def location_of(positions: Mapping[cst.CSTNode, CodeRange] | None, node: cst.CSTNode) -> Location:
    """1-based line and column; the end column points just past the last character."""
    if positions is None or node not in positions:
        return UNKNOWN_LOCATION
    span = positions[node]
    return Location(span.start.line, span.start.column + 1, span.end.line, span.end.column + 1)


def statement_lines(
    positions: Mapping[cst.CSTNode, CodeRange] | None,
    statement: cst.CSTNode | None,
    location: Location,
) -> tuple[int, int]:
    """The lines a suppression comment may sit on for a finding at ``location``.

    A simple statement counts whole; a compound statement (``with``, ``if``,
    ``def``...) only up to its header's end, since its body holds other
    statements. Decorators belong to the ``def`` they decorate.
    """
    first, last = location.line, location.end_line
    if positions is None or statement is None or statement not in positions:
        return first, last
    span = positions[statement]
    if not span.start.line <= location.line <= span.end.line:
        return first, last  # the rule reported a node outside the current statement
    start = span.start.line
    for decorator in getattr(statement, "decorators", ()):
        if decorator in positions:
            start = min(start, positions[decorator].start.line)
    end = span.end.line
    body = getattr(statement, "body", None)
    if isinstance(statement, cst.BaseCompoundStatement) and isinstance(body, cst.IndentedBlock):
        end = max(last, positions[body].start.line - 1) if body in positions else last
    return min(start, first), max(end, last)

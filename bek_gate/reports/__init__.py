"""Reports: each format renders a ``GateResult`` to a string, the same bytes for the same result and view.

``RENDERERS`` maps a ``--format`` name to ``render(result, view) -> str``. The
``View`` (colour, ``-v``, the directory paths are relative to) matters only to
the reports people read: text, concise and github.
"""

from __future__ import annotations

from collections.abc import Callable

from bek_gate.reports import concise, github, json_report, junit, markdown, sarif, text
from bek_gate.reports.common import PLAIN, View
from bek_gate.verdict import GateResult

Renderer = Callable[[GateResult, View], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "concise": concise.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "markdown": markdown.render,
}
FORMATS = tuple(RENDERERS)


def render(format_name: str, result: GateResult, view: View = PLAIN) -> str:
    """The report in ``format_name`` (one of ``FORMATS``)."""
    try:
        renderer = RENDERERS[format_name]
    except KeyError:
        raise ValueError(f"unknown report format '{format_name}'; valid: {', '.join(FORMATS)}") from None
    return renderer(result, view)


__all__ = ["FORMATS", "PLAIN", "RENDERERS", "View", "render"]

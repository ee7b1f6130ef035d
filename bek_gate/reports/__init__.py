"""Reports: each format renders a ``GateResult`` to a string, the same bytes for the same result.

``RENDERERS`` maps a ``--format`` name to ``render(result, *, color=False) -> str``;
only the text report uses ``color``.
"""

from __future__ import annotations

from collections.abc import Callable

from bek_gate.reports import github, json_report, junit, markdown, sarif, text
from bek_gate.verdict import GateResult

Renderer = Callable[..., str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "markdown": markdown.render,
}
FORMATS = tuple(RENDERERS)


def render(format_name: str, result: GateResult, *, color: bool = False) -> str:
    """The report in ``format_name`` (one of ``FORMATS``)."""
    try:
        renderer = RENDERERS[format_name]
    except KeyError:
        raise ValueError(f"unknown report format '{format_name}'; valid: {', '.join(FORMATS)}") from None
    return renderer(result, color=color)


__all__ = ["FORMATS", "RENDERERS", "render"]

"""Where the built-in rules, checklists and schemas are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The built-in ``rules``, ``checklists`` or ``patterns`` directory.

    A wheel carries them under ``bek_gate/_data``; a source checkout (or an
    editable install) keeps them at the repository root, next to ``bek_gate``.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


def schema_path(name: str) -> Path:
    """Path of one of the JSON Schemas shipped in ``bek_gate/schemas``."""
    return _PACKAGE_DIR / "schemas" / name

"""``bek doctor``: is this machine and this configuration ready to run the gate?"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bek_gate import __version__
from bek_gate.config import DEFAULT_CACHE_DIR, find_config
from bek_gate.errors import BekError
from bek_gate.findings import PARSE_ERROR
from bek_gate.rules.catalog import CATALOG_RULE_IDS

MINIMUM_PYTHON = (3, 10)
MINIMUM_LIBCST = (1, 1)


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``ok``, ``warn`` (works, but look at it) or ``fail``."""

    name: str
    status: str
    message: str


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(char for char in piece if char.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _python() -> Check:
    version = platform.python_version()
    if sys.version_info[:2] < MINIMUM_PYTHON:
        return Check(
            "python", "fail", f"Python {version}; bek needs {'.'.join(map(str, MINIMUM_PYTHON))} or newer"
        )
    return Check("python", "ok", f"Python {version} ({sys.executable})")


def _libcst() -> Check:
    try:
        version = metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return Check("libcst", "fail", "libcst is not installed")
    if _version_tuple(version) < MINIMUM_LIBCST:
        return Check(
            "libcst", "fail", f"libcst {version}; bek needs {'.'.join(map(str, MINIMUM_LIBCST))} or newer"
        )
    try:
        import libcst

        libcst.parse_module("x = 1\n")
    except Exception as error:  # the native parser extension may be missing or broken
        return Check("libcst", "fail", f"libcst {version} cannot parse: {type(error).__name__}: {error}")
    return Check("libcst", "ok", f"libcst {version}, native parser working")


def run_checks(cwd: Path, config_path: Path | None = None) -> list[Check]:
    """Every check, in a fixed order; a broken config does not stop the others."""
    from bek_gate.gate import load_project

    checks = [Check("bek", "ok", f"bek {__version__}"), _python(), _libcst()]
    try:
        located = config_path if config_path is not None else find_config(cwd)
    except BekError as error:
        located = None
        checks.append(Check("config", "fail", error.message))
    project = None
    if not any(check.name == "config" for check in checks):
        try:
            project = load_project(located, cwd)
            where = str(located) if located else "no config file found; using the defaults"
            checks.append(Check("config", "ok", where))
        except BekError as error:
            checks.append(Check("config", "fail", error.message))
    if project is not None:
        checks += _knowledge_base_checks(project)
        cache_dir = project.config.cache_dir or (cwd / DEFAULT_CACHE_DIR)
        checks.append(_cache_check(cache_dir))
    checks.append(_git_check())
    return checks


def _selection_check(project: Any) -> Check:
    """Which loaded rules the gate runs with this config, and which it does not and why."""
    from bek_gate import checklists as checklist_module

    config = project.config
    requested = config.checklists or [checklist_module.ALL]  # for_run's default, named in the message
    try:
        selected = checklist_module.for_run(requested, project.checklists, project.rule_set)
    except BekError as error:
        return Check("selection", "fail", f"{config.label} checklists: {error.message}")
    team = next((checklist for checklist in selected if checklist.id == checklist_module.TEAM), None)
    named = {rule_id for checklist in selected for rule_id in checklist.rule_ids()}
    loaded = set(project.rule_set.ids()) - {PARSE_ERROR}
    disabled = sorted(loaded & set(config.disable))
    idle = sorted(loaded - named - set(disabled))
    runs = len(loaded & named) - len(set(disabled) & named)
    text = f"{runs} of {len(loaded)} rules run with checklists {', '.join(requested)}"
    if team is not None:
        text += f" (team group: {', '.join(team.rule_ids())})"
    if disabled:
        text += f"; disabled in config: {', '.join(disabled)}"
    if idle:
        text += f"; no selected checklist runs: {', '.join(idle)}"
    return Check("selection", "warn" if idle else "ok", text)


def _knowledge_base_checks(project: object) -> list[Check]:
    rule_set = project.rule_set  # type: ignore[attr-defined]
    checklists = project.checklists  # type: ignore[attr-defined]
    implemented = set(rule_set.ids())
    checks = [Check("rules", "ok", f"{len(implemented)} rules loaded, ids unique")]
    missing: dict[str, list[str]] = {}
    for checklist in checklists.values():
        for item in checklist.items:
            for rule_id in item.rules:
                if rule_id not in implemented:
                    missing.setdefault(rule_id, []).append(item.id)
    item_count = sum(len(checklist.items) for checklist in checklists.values())
    if missing:
        waiting = len({item for items in missing.values() for item in items})
        checks.append(
            Check(
                "checklists",
                "warn",
                f"{len(checklists)} checklists, {item_count} items; {waiting} items name rules not implemented "
                f"yet and are reported as 'not automated yet': {', '.join(sorted(missing))}",
            )
        )
    else:
        checks.append(
            Check("checklists", "ok", f"{len(checklists)} checklists, {item_count} items, every rule exists")
        )
    checks.append(_selection_check(project))
    unused = sorted(set(CATALOG_RULE_IDS) - implemented - set(missing))
    if unused:
        checks.append(
            Check("catalog", "warn", f"catalog rules neither implemented nor used: {', '.join(unused)}")
        )
    return checks


def _cache_check(cache_dir: Path) -> Check:
    # Check without creating anything: doctor must not leave a cache directory behind.
    existing = cache_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
        state = "is writable" if existing == cache_dir else f"can be created (in {existing})"
        return Check("cache", "ok", f"{cache_dir} {state}")
    return Check("cache", "warn", f"{cache_dir} is not writable; runs will not be cached")


def _git_check() -> Check:
    git = shutil.which("git")
    if git is None:
        return Check(
            "git", "warn", "git not found: .gitignore is not honoured and --diff-base is unavailable"
        )
    return Check("git", "ok", git)


def render_checks(checks: list[Check], *, as_json: bool, color: bool = False) -> str:
    if as_json:
        payload = {"ok": not any(c.status == "fail" for c in checks), "checks": [asdict(c) for c in checks]}
        return json.dumps(payload, indent=2)
    marks = {"ok": ("✓", "32"), "warn": ("!", "33"), "fail": ("✗", "31")}
    lines = []
    for check in checks:
        mark, code = marks[check.status]
        if color:
            mark = f"\033[{code}m{mark}\033[0m"
        lines.append(f"{mark} {check.name:<10} {check.message}")
    failed = sum(1 for c in checks if c.status == "fail")
    warned = sum(1 for c in checks if c.status == "warn")
    lines.append("")
    lines.append(f"{failed} failed, {warned} warnings" if failed or warned else "all checks passed")
    return "\n".join(lines)

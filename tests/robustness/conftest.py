"""Helpers for the robustness tests: the real CLI with a hard time limit, and team projects.

Every run of the CLI has a ``timeout``: a hang fails the test instead of
stalling CI. A "team project" is a tmp repository with ``rule-dirs`` and a
checklist of its own, for rules that misbehave on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A file with one finding of a built-in rule (missing-timeout, medium: below the projects'
# ``fail-on = "high"``, so on its own it does not fail the gate). Its finding proves the other files
# were still checked.
CLEAN_NEIGHBOUR = 'import requests\n\n\ndef fetch():\n    return requests.get("https://example.com")\n'


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def findings(self) -> set[tuple[str, str]]:
        return {(finding["path"], finding["ruleId"]) for finding in self.json()["findings"]}

    def notices(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [notice for notice in self.json()["notices"] if kind is None or notice["kind"] == kind]

    def error_lines(self) -> list[str]:
        return self.stderr.splitlines()


def bek(*args: str | Path, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None) -> Run:
    """``python -I -m bek_gate ARGS`` in ``cwd``; exceeding ``timeout`` seconds fails the test.

    ``-I``: without it ``python -m`` puts ``cwd`` first on ``sys.path``, and a scanned
    ``json.py`` would be imported by the test harness (the ``bek`` script does not do that).
    """
    completed = subprocess.run(
        [sys.executable, "-I", "-m", "bek_gate", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def rule_module(rule_id: str, body: str, imports: str = "") -> str:
    """The source of a team rule module whose class body is ``body`` (indented by us)."""
    class_name = "".join(part.title() for part in rule_id.split("-"))
    header = f'''\
"""A team rule that misbehaves on purpose ({rule_id})."""

import libcst as cst

from bek_gate.rules import Rule
{imports}

class {class_name}(Rule):
    """Misbehaves on purpose."""

    id = "{rule_id}"
    title = "Misbehaves on purpose"
    severity = "high"
    fix = "Nothing to fix: this rule is a test double."

'''
    return header + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"


def team_project(
    root: Path,
    rules: dict[str, str],
    files: dict[str, str | bytes],
    config: str = "",
    checklist_rules: list[str] | None = None,
) -> Path:
    """A repository with the team rules ``rules`` (id -> module source) in ``ci/rules``,
    a checklist ``checklist-team`` with one item per rule (plus missing-timeout and
    sql-injection), and the source ``files``."""
    (root / "ci" / "rules").mkdir(parents=True)
    (root / "ci" / "checklists").mkdir()
    for rule_id, source in rules.items():
        (root / "ci" / "rules" / f"{rule_id.replace('-', '_')}.py").write_text(source)
    items = []
    for index, rule_id in enumerate(checklist_rules or [*rules, "missing-timeout", "sql-injection"], start=1):
        items.append(
            f"  - id: team-{index:02d}\n    title: Checked by {rule_id}\n    why: A test.\n"
            f"    pattern: rel-timeouts\n    rules: [{rule_id}]\n"
        )
    (root / "ci" / "checklists" / "team.yaml").write_text(
        "id: checklist-team\ntitle: Team checks\nscope: team\n"
        "description: Team rules that misbehave, and built-in ones.\nitems:\n" + "".join(items)
    )
    (root / "bek.toml").write_text(
        'rule-dirs = ["ci/rules"]\nchecklists-dir = "ci/checklists"\nchecklists = ["checklist-team"]\n'
        'exclude = ["ci"]\nfail-on = "high"\n' + config
    )
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root

"""Hostile configuration: exit 2 and ONE line on stderr naming the file, the key and what was
expected; never a traceback, never an exit code that passes for a verdict.

The cases run through ``bek_gate.cli.main`` in-process (the CLI's own error handling, at a
fraction of a subprocess's cost); a sample of them also runs as a real process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bek_gate.cli import main
from bek_gate.datafiles import load_yaml
from bek_gate.errors import ConfigError
from tests.conftest import REPO
from tests.robustness.conftest import CLEAN_NEIGHBOUR, bek, rule_module

TEAM_CONFIG = 'rule-dirs = ["ci/rules"]\nchecklists-dir = "ci/checklists"\nchecklists = ["checklist-team"]\n'
TEAM_CHECKLIST = """\
id: checklist-team
title: Team checks
scope: team
description: A team checklist.
items:
  - id: team-01
    title: Outbound calls have timeouts
    why: They hang otherwise.
    pattern: rel-timeouts
    rules: [missing-timeout]
"""
GOOD_RULE = rule_module("team-rule", "def visit_Call(self, node: cst.Call) -> None:\n    pass\n")
GOOD_ATTESTATION = "attestations:\n  - item: sec-13\n    status: done\n    by: ops\n    date: 2026-01-10\n"


def billion_laughs(last_key: str) -> str:
    """Nine levels of nine aliases: 387 million values in a few hundred bytes."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + f"\n{last_key}: *i\n"


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str | bytes]
    expected: list[str]  # substrings of the one error line, after "bek: error: "
    args: list[str] = field(default_factory=list)


def team(**files: str | bytes) -> dict[str, str | bytes]:
    """A team setup (rule dir, checklists dir) with some of its files replaced."""
    return {
        "bek.toml": TEAM_CONFIG,
        "ci/rules/team_rule.py": GOOD_RULE,
        "ci/checklists/team.yaml": TEAM_CHECKLIST,
        **{name.replace("__", "/").replace("_dot_", "."): content for name, content in files.items()},
    }


def attested(content: str | bytes) -> dict[str, str | bytes]:
    return {".bek/attestations.yaml": content}


CASES = [
    # -- TOML -----------------------------------------------------------------------------------
    Case("invalid TOML", {"bek.toml": 'fail-on = "high\n'}, ["bek.toml: invalid TOML", "line 1"]),
    Case("invalid TOML in pyproject", {"pyproject.toml": "[tool.bek\nfail-on = 1\n"},
         ["pyproject.toml: invalid TOML"]),
    Case("TOML that is not UTF-8", {"bek.toml": b'fail-on = "high"\n# caf\xe9\n'},
         ["bek.toml: invalid TOML: not UTF-8 text"]),
    Case("unknown key", {"bek.toml": 'fial-on = "high"\n'},
         ["bek.toml: fial-on: unknown key", "did you mean 'fail-on'", "allowed keys: "]),
    Case("unknown option", {"bek.toml": "[rule-options.sensitive-data-in-logs]\nextra-nmes = []\n"},
         ["bek.toml rule-options.sensitive-data-in-logs extra-nmes: unknown key", "allowed keys: extra-names"]),
    Case("wrong type", {"bek.toml": 'exclude = "build"\n'},
         ["bek.toml: exclude: expected a list, got string 'build'"]),
    Case("wrong type in pyproject", {"pyproject.toml": '[tool.bek]\njobs = "many"\n'},
         ["pyproject.toml: [tool.bek] jobs: expected an integer, got string 'many'"]),
    Case("wrong value", {"bek.toml": 'fail-on = "sometimes"\n'},
         ["bek.toml: fail-on: expected one of critical, high, medium, low, got 'sometimes'"]),
    Case("wrong option type", {"bek.toml": '[rule-options.sensitive-data-in-logs]\nextra-names = "pin"\n'},
         ["bek.toml rule-options.sensitive-data-in-logs extra-names: expected a list, got string 'pin'"]),
    Case("tool.bek not a table", {"pyproject.toml": "[tool]\nbek = 3\n"},
         ["pyproject.toml: [tool.bek] must be a table, got int"]),
    Case("zero file-timeout", {"bek.toml": "file-timeout = 0\n"}, ["bek.toml: file-timeout: ", "0"]),
    Case("unknown rule id", {"bek.toml": 'disable = ["sql-injections"]\n'},
         ["bek.toml disable: unknown rule id 'sql-injections' (did you mean 'sql-injection'?)"]),
    Case("unknown rule id in severity", {"bek.toml": '[severity]\nmissing-timeouts = "low"\n'},
         ["bek.toml severity.missing-timeouts: unknown rule id 'missing-timeouts'"]),
    Case("unknown rule id in per-path-ignores", {"bek.toml": '[per-path-ignores]\n"tests/*" = ["nope"]\n'},
         ["bek.toml per-path-ignores.\"tests/*\": unknown rule id 'nope'"]),
    Case("options of a rule without options", {"bek.toml": "[rule-options.sql-injection]\nlevel = 1\n"},
         ["bek.toml rule-options.sql-injection: this rule has no options"]),
    Case("unknown checklist in config", {"bek.toml": 'checklists = ["checklist-securty-review"]\n'},
         ["bek.toml checklists: unknown checklist 'checklist-securty-review'",
          "(did you mean 'checklist-security-review'?)", "valid: checklist-api-review, "]),
    Case("unknown checklist on the command line", {}, ["unknown checklist 'checklist-nope'", "; valid: checklist-api-review, "],
         args=["-c", "checklist-nope"]),
    Case("rule-dirs entry that does not exist", {"bek.toml": 'rule-dirs = ["ci/rules"]\n'},
         ["bek.toml rule-dirs[0]: expected a directory, 'ci/rules' is not one"]),
    Case("checklists-dir that does not exist", {"pyproject.toml": '[tool.bek]\nchecklists-dir = "ci/lists"\n'},
         ["pyproject.toml: [tool.bek] checklists-dir: expected a directory, 'ci/lists' is not one"]),
    Case("config file that does not exist", {}, ["nope.toml: config file does not exist"],
         args=["--config", "nope.toml"]),
    Case("baseline that is not JSON", {"base.json": "{"}, ["base.json: baseline is not valid JSON"],
         args=["--baseline", "base.json"]),
    # -- a team checklist ------------------------------------------------------------------------
    Case("invalid YAML in a team checklist", team(ci__checklists__team_dot_yaml="id: [\n"),
         ["ci/checklists/team.yaml: invalid YAML (line 2)"]),
    Case("team checklist that is not UTF-8", team(ci__checklists__team_dot_yaml=b"id: caf\xe9\n"),
         ["ci/checklists/team.yaml: cannot be read", "utf-8"]),
    Case("team checklist with a wrong value",
         team(ci__checklists__team_dot_yaml=TEAM_CHECKLIST.replace("[missing-timeout]", "missing-timeout")),
         ["ci/checklists/team.yaml: items[0].rules: expected a list, got string 'missing-timeout'"]),
    Case("team checklist item stating its own severity",
         team(ci__checklists__team_dot_yaml=TEAM_CHECKLIST.replace("    why:", "    severity: high\n    why:")),
         ["ci/checklists/team.yaml: items[0].severity: an item has no severity of its own"]),
    Case("team checklist item missing several keys",
         team(ci__checklists__team_dot_yaml=TEAM_CHECKLIST.replace("    title: Outbound calls have timeouts\n", "")
              .replace("  - id: team-01\n", "  - why: x\n")),
         ["missing required key 'id'", "missing required key 'title'"]),
    Case("team checklist without a title",
         team(ci__checklists__team_dot_yaml=TEAM_CHECKLIST.replace("title: Team checks\n", "")),
         ["ci/checklists/team.yaml: ", "missing required key 'title'"]),
    Case("team checklist naming an unknown rule",
         team(ci__checklists__team_dot_yaml=TEAM_CHECKLIST.replace("[missing-timeout]", "[no-such-rule]")),
         ["ci/checklists/team.yaml: item team-01 names unknown rule 'no-such-rule'"]),
    Case("team checklist with a billion laughs", team(ci__checklists__team_dot_yaml=billion_laughs("id")),
         ["ci/checklists/team.yaml: its aliases (*name) expand to more than 100,000 values"]),
    Case("team checklist that contains itself", team(ci__checklists__team_dot_yaml="id: &loop [*loop]\n"),
         ["ci/checklists/team.yaml: its aliases (*name) expand", "refer to themselves"]),
    # -- attestations ----------------------------------------------------------------------------
    Case("invalid YAML in attestations", attested("attestations:\n  - item: [sec-13\n"),
         [".bek/attestations.yaml: invalid YAML (line 3)"]),
    Case("attestations of the wrong type", attested("attestations: 5\n"),
         [".bek/attestations.yaml: attestations: expected a list, got integer 5"]),
    Case("attestation with an unknown key", attested(GOOD_ATTESTATION + "    signed: yes\n"),
         [".bek/attestations.yaml: attestations[0].signed: unknown key"]),
    Case("attestation on an impossible date", attested(GOOD_ATTESTATION.replace("2026-01-10", "2026-02-30")),
         [".bek/attestations.yaml: invalid value in YAML: day is out of range for month"]),
    Case("attestations nested 500 deep", attested("attestations: " + "[" * 500 + "]" * 500 + "\n"),
         [".bek/attestations.yaml: invalid YAML: nested too deeply"]),
    Case("attestations with a billion laughs", attested(billion_laughs("attestations")),
         [".bek/attestations.yaml: its aliases (*name) expand to more than 100,000 values"]),
    # -- team rules ------------------------------------------------------------------------------
    Case("team rule that raises at import", team(ci__rules__team_rule_dot_py="raise RuntimeError('boom')\n"),
         ["ci/rules/team_rule.py: importing the rule module failed at line 1: RuntimeError: boom"]),
    Case("team rule that exits at import", team(ci__rules__team_rule_dot_py="import sys\n\nsys.exit(0)\n"),
         ["ci/rules/team_rule.py: importing the rule module failed at line 3: SystemExit: 0"]),
    Case("team rule with a syntax error", team(ci__rules__team_rule_dot_py="def rule(:\n"),
         ["ci/rules/team_rule.py: importing the rule module failed at line 1: SyntaxError: "]),
    Case("team rule importing what is not installed", team(ci__rules__team_rule_dot_py="import no_such_module\n"),
         ["ci/rules/team_rule.py: importing the rule module failed at line 1: ModuleNotFoundError: "]),
    Case("team rule module with two rules", team(ci__rules__team_rule_dot_py=GOOD_RULE + GOOD_RULE.split(
        "\n\n\n", 1)[1].replace("class TeamRule", "class OtherRule").replace('"team-rule"', '"other-rule"')),
         ["ci/rules/team_rule.py: a rule module must define exactly one Rule subclass (found: OtherRule, TeamRule)"]),
    Case("team rule with a wrong severity",
         team(ci__rules__team_rule_dot_py=GOOD_RULE.replace('severity = "high"', 'severity = "urgent"')),
         ["ci/rules/team_rule.py: TeamRule.severity must be one of critical, high, medium, low, got 'urgent'"]),
    Case("team rule taking a built-in rule's id",
         team(ci__rules__team_rule_dot_py=GOOD_RULE.replace('"team-rule"', '"sql-injection"')),
         ["rule id 'sql-injection' is already defined in ", "rule ids must be unique"]),
    Case("team rule visiting a node type that does not exist",
         team(ci__rules__team_rule_dot_py=GOOD_RULE.replace("visit_Call", "visit_Cal")),
         ["ci/rules/team_rule.py: TeamRule.visit_Cal names no libcst node type 'Cal'"]),
]  # fmt: skip


def run_in_process(directory: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["gate", "--no-cache", *args, "."])
    return int(exit_info.value.code or 0), capsys.readouterr().err


def write(directory: Path, files: dict[str, str | bytes]) -> None:
    (directory / "app.py").write_text(CLEAN_NEIGHBOUR)
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def assert_one_error_line(exit_code: int, stderr: str, expected: list[str]) -> None:
    assert exit_code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bek: error: "), stderr
    for part in expected:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_configuration_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], case: Case
) -> None:
    write(tmp_path, case.files)
    monkeypatch.chdir(tmp_path)
    args = case.args if "checklists" in str(case.files) or "-c" in case.args else ["-c", "all", *case.args]
    exit_code, stderr = run_in_process(tmp_path, args, capsys)
    assert_one_error_line(exit_code, stderr, case.expected)


EXECUTES = "!!python/object/apply:os.system ['touch {marker}']"


@pytest.mark.parametrize(
    "where", [".bek/attestations.yaml", "ci/checklists/team.yaml", "ci/checklists/yaml_python_object.yaml"]
)
def test_yaml_that_would_run_a_command_is_refused_unexecuted(tmp_path: Path, where: str) -> None:
    """A real process: if the tag were honoured, ``os.system`` would create the marker."""
    marker = tmp_path / "MARKER"
    files = team() if where.startswith("ci/") else {}
    payload = EXECUTES.format(marker=marker)
    files[where] = f"id: {payload}\n" if where.startswith("ci/") else f"attestations:\n  - {payload}\n"
    write(tmp_path, files)
    run = bek("gate", "--no-cache", *([] if files.get("bek.toml") else ["-c", "all"]), ".", cwd=tmp_path)
    assert_one_error_line(run.exit_code, run.stderr, [f"{where}: invalid YAML (line ", "python/object/apply"])
    assert not marker.exists()
    with pytest.raises(ConfigError, match="could not determine a constructor"):
        load_yaml(tmp_path / where)
    assert not marker.exists()


@pytest.mark.parametrize(
    "case",
    [
        case
        for case in CASES
        if case.id in {"invalid TOML", "wrong type in pyproject", "team rule that exits at import"}
    ],
    ids=lambda case: case.id,
)
def test_hostile_configuration_in_a_real_process(tmp_path: Path, case: Case) -> None:
    write(tmp_path, case.files)
    args = case.args if "checklists" in str(case.files) else ["-c", "all", *case.args]
    run = bek("gate", "--no-cache", *args, ".", cwd=tmp_path)
    assert_one_error_line(run.exit_code, run.stderr, case.expected)
    assert run.stdout == ""


# Every way PyYAML can build arbitrary Python objects; ``yaml.load(`` itself only with a safe Loader.
UNSAFE_YAML = re.compile(
    r"yaml\.(?:unsafe_load|full_load|load_all|unsafe_load_all|full_load_all)\b"
    r"|\b(?:C?(?:Full|Unsafe)Loader)\b|Loader\s*=\s*(?:yaml\.)?C?Loader\b"
)
SAFE_LOADER = 'getattr(yaml, "CSafeLoader", yaml.SafeLoader)'


def test_yaml_is_only_ever_loaded_with_a_safe_loader() -> None:
    """The only modules that call ``yaml.load`` are the data-file loader and the pattern front
    matter loader, and both pass the safe loader (C or Python)."""
    sources = sorted((REPO / "bek_gate").rglob("*.py")) + sorted((REPO / "rules").rglob("*.py"))
    callers = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(REPO).as_posix()
        assert not UNSAFE_YAML.search(text), f"{relative}: {UNSAFE_YAML.search(text)}"
        calls = re.findall(r"yaml\.load\((.*)", text)
        if calls:
            callers.add(relative)
            assert all(call.rstrip(")").endswith("Loader=_SAFE_LOADER") for call in calls), (relative, calls)
            assert f"_SAFE_LOADER = {SAFE_LOADER}" in text, relative
    assert callers == {"bek_gate/datafiles.py", "bek_gate/knowledge/patterns.py"}

"""The GitHub Action's entry point: ``python -m bek_gate.action`` (SPEC 8).

``action.yml`` passes the action's inputs as environment variables (never by
expanding ``${{ }}`` inside a script, which would let an input inject shell):

==============================  ==========================================================
``INPUT_CHECKLISTS``            checklist ids, separated by spaces, commas or newlines
``INPUT_PATHS``                 paths to check: one per line, or separated by commas/spaces
``INPUT_FAIL_ON``               ``critical``, ``high``, ``medium`` or ``low``
``INPUT_BASELINE``              baseline file (``bek baseline -o FILE``)
``INPUT_DIFF_BASE``             git ref for diff mode; ``none`` turns the pull request
                                default (``origin/<GITHUB_BASE_REF>``) off
``INPUT_SARIF_FILE``            where the SARIF goes; the other reports are written beside it
``INPUT_UPLOAD_SARIF``          boolean: whether the next step uploads the SARIF
``INPUT_SUMMARY``               boolean: append the Markdown summary to the job summary
``INPUT_CONFIG``                config file (default: the nearest bek.toml / pyproject.toml)
``INPUT_REQUIRE_ATTESTATIONS``  boolean: unattested manual items fail the gate
``INPUT_REPORT_UNUSED_IGNORES`` boolean: report ``# bek: ignore`` comments that ignore nothing
``INPUT_CACHE``                 boolean: use bek's per-file result cache
==============================  ==========================================================

Booleans accept ``true``/``false``, ``yes``/``no``, ``on``/``off``, ``1``/``0``;
an empty value means the default. From the runner it reads ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``, ``GITHUB_EVENT_NAME``, ``GITHUB_BASE_REF``,
``RUNNER_TEMP`` and ``GITHUB_WORKSPACE``.

It runs the gate once, writes SARIF, JUnit, JSON and Markdown reports, prints
annotations on stdout, appends the summary and sets the step outputs. It then
exits 0, so that the SARIF upload still runs; the action's last step fails the
job with the ``exit-code`` output. Outside a runner (no ``GITHUB_OUTPUT``) it
exits with the gate's exit code itself.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bek_gate.errors import BekError, ConfigError
from bek_gate.findings import SEVERITIES
from bek_gate.reports import View, github, markdown
from bek_gate.verdict import EXIT_INTERNAL, EXIT_USAGE, GateResult

TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0"})
NO_DIFF_BASE = frozenset({"none", "false", "no", "off"})
# GITHUB_BASE_REF is set for these events only; for both it names the pull request's target branch.
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
SARIF_NAME = "bek.sarif"


class InputError(BekError):
    """An action input that cannot be understood."""


@dataclass(frozen=True)
class ReportFiles:
    """Where the reports go: SARIF where asked, the others beside it with the same stem."""

    sarif: Path
    junit: Path
    json: Path
    summary: Path

    @classmethod
    def beside(cls, sarif: Path) -> ReportFiles:
        stem = sarif.name.removesuffix(sarif.suffix) if sarif.suffix else sarif.name
        json_name = f"{stem}.report.json" if sarif.suffix == ".json" else f"{stem}.json"
        return cls(
            sarif=sarif,
            junit=sarif.with_name(f"{stem}.junit.xml"),
            json=sarif.with_name(json_name),
            summary=sarif.with_name(f"{stem}.summary.md"),
        )


@dataclass(frozen=True)
class ActionInputs:
    checklists: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fail_on: str | None = None
    baseline: Path | None = None
    diff_base: str | None = None
    diff_base_from_event: bool = False  # the pull request default, not a value the user gave
    reports: ReportFiles = field(default_factory=lambda: ReportFiles.beside(Path(SARIF_NAME)))
    upload_sarif: bool = True
    summary: bool = True
    config: Path | None = None
    require_attestations: bool = False
    report_unused_ignores: bool = False
    cache: bool = False

    def command_line(self) -> str:
        """The equivalent ``bek gate`` command, to reproduce the run locally."""
        words = ["bek", "gate"]
        for checklist in self.checklists:
            words += ["--checklist", checklist]
        for flag, value in (
            ("--fail-on", self.fail_on),
            ("--config", self.config),
            ("--baseline", self.baseline),
            ("--diff-base", self.diff_base),
        ):
            if value is not None:
                words += [flag, str(value)]
        words += [flag for flag, on in self._flags() if on]
        return shlex.join([*words, *self.paths])

    def _flags(self) -> list[tuple[str, bool]]:
        return [
            ("--require-attestations", self.require_attestations),
            ("--report-unused-ignores", self.report_unused_ignores),
            ("--no-cache", not self.cache),
        ]


@dataclass
class ActionOutcome:
    """What the step reports: its outputs (``name -> value``) and the gate's exit code."""

    exit_code: int
    outputs: dict[str, str]
    result: GateResult | None = None


def split_list(value: str) -> list[str]:
    """Ids separated by commas, spaces or newlines, without empties and duplicates."""
    return list(dict.fromkeys(part for part in re.split(r"[\s,]+", value) if part))


def split_paths(value: str) -> list[str]:
    """One path per line when the value has several lines (so a path may hold spaces), else a list."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > 1:
        return list(dict.fromkeys(lines))
    return split_list(value)


def parse_bool(name: str, value: str, default: bool) -> bool:
    word = value.strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InputError(f"input '{name}': expected true or false, got '{value.strip()}'")


def _optional_path(value: str, cwd: Path) -> Path | None:
    text = value.strip()
    return cwd / text if text else None


def read_inputs(env: Mapping[str, str], cwd: Path) -> ActionInputs:
    """The action's inputs from ``INPUT_*`` variables; an InputError names the input and what it expects."""

    def raw(name: str) -> str:
        return env.get("INPUT_" + name.upper().replace("-", "_"), "")

    fail_on = raw("fail-on").strip().lower() or None
    if fail_on is not None and fail_on not in SEVERITIES:
        raise InputError(
            f"input 'fail-on': expected one of {', '.join(SEVERITIES)}, got '{raw('fail-on').strip()}'"
        )
    diff_base, from_event = _diff_base(raw("diff-base").strip(), env)
    sarif = _optional_path(raw("sarif-file"), cwd) or _default_reports_dir(env, cwd) / SARIF_NAME
    if raw("sarif-file").strip().endswith(("/", "\\")) or sarif.is_dir():
        raise InputError(f"input 'sarif-file': expected a file name, got the directory '{sarif}'")
    return ActionInputs(
        checklists=split_list(raw("checklists")),
        paths=split_paths(raw("paths")),
        fail_on=fail_on,
        baseline=_optional_path(raw("baseline"), cwd),
        diff_base=diff_base,
        diff_base_from_event=from_event,
        reports=ReportFiles.beside(sarif.absolute()),
        upload_sarif=parse_bool("upload-sarif", raw("upload-sarif"), True),
        summary=parse_bool("summary", raw("summary"), True),
        config=_optional_path(raw("config"), cwd),
        require_attestations=parse_bool("require-attestations", raw("require-attestations"), False),
        report_unused_ignores=parse_bool("report-unused-ignores", raw("report-unused-ignores"), False),
        cache=parse_bool("cache", raw("cache"), False),
    )


def _diff_base(value: str, env: Mapping[str, str]) -> tuple[str | None, bool]:
    """The ref diff mode compares with, and whether it came from the pull request event."""
    if value.lower() in NO_DIFF_BASE:
        return None, False
    if value:
        return value, False
    base_ref = env.get("GITHUB_BASE_REF", "").strip()
    if env.get("GITHUB_EVENT_NAME") in PULL_REQUEST_EVENTS and base_ref:
        return f"origin/{base_ref}", True
    return None, False


def _default_reports_dir(env: Mapping[str, str], cwd: Path) -> Path:
    for name in ("RUNNER_TEMP", "GITHUB_WORKSPACE"):
        if env.get(name):
            return Path(env[name])
    return cwd


def run_action(env: Mapping[str, str], cwd: Path, out: TextIO) -> ActionOutcome:
    """Run the gate once as the action does; user errors become an ``::error::`` line and exit code 2."""
    try:
        inputs = read_inputs(env, cwd)
    except BekError as error:
        return _failure(EXIT_USAGE, error.message, "bek input error", env, out)
    print(f"bek: running the equivalent of: {inputs.command_line()}", file=out)
    try:
        result = _run_gate(inputs, cwd)
        _write_reports(result, inputs.reports)
    except BekError as error:
        message = _workflow_advice(error, inputs)
        title = "bek configuration error" if isinstance(error, ConfigError) else "bek error"
        return _failure(error.exit_code or EXIT_USAGE, message, title, env, out)
    except Exception as error:  # a bug in bek: one line naming where, exit code 3 like a rule crash
        frame = traceback.extract_tb(error.__traceback__)[-1]
        message = (
            f"internal error: {type(error).__name__}: {error} (at {frame.filename}:{frame.lineno}); "
            "please report this with the action's inputs"
        )
        return _failure(EXIT_INTERNAL, message, "bek internal error", env, out)

    # Annotation paths relative to the workspace, the checkout GitHub resolves them in.
    workspace = Path(env["GITHUB_WORKSPACE"]) if env.get("GITHUB_WORKSPACE") else cwd
    out.write(github.render(result, View(cwd=workspace)))
    if inputs.summary:
        _append_summary(env, inputs.reports.summary.read_text(encoding="utf-8"), out)
    outputs = _result_outputs(result, inputs)
    _write_outputs(env, outputs)
    return ActionOutcome(result.verdict.exit_code, outputs, result)


def _workflow_advice(error: BekError, inputs: ActionInputs) -> str:
    """The error, plus what to change in the workflow when diff mode lacks history.

    The gate's own hint is a ``git fetch`` command, right in a terminal; on a runner the
    usual fix is the checkout step's ``fetch-depth: 0`` (actions/checkout fetches a single
    commit and no other branch by default), or running that fetch in a step before bek.
    """
    from bek_gate.baseline import MissingHistoryError

    message = error.message
    missing_history = isinstance(error, MissingHistoryError)
    if not (missing_history or (inputs.diff_base_from_event and message.startswith("--diff-base"))):
        return message
    fixes = ["check out with actions/checkout `fetch-depth: 0`"]
    if isinstance(error, MissingHistoryError) and error.fetch:
        fixes.append("run that fetch in a step before bek")
    if inputs.diff_base_from_event:
        fixes.append("set the input `diff-base: none`")
        return (
            message + f" [the action compares pull requests with {inputs.diff_base}: {', or '.join(fixes)}]"
        )
    return message + f" [on GitHub Actions: {', or '.join(fixes)}]"


def _run_gate(inputs: ActionInputs, cwd: Path) -> GateResult:
    from bek_gate.gate import GateOptions, run_gate

    options = GateOptions(
        paths=inputs.paths,
        checklists=inputs.checklists,
        fail_on=inputs.fail_on,
        config_path=inputs.config,
        use_cache=inputs.cache,
        cwd=cwd,
        require_attestations=inputs.require_attestations,
        baseline=inputs.baseline,
        diff_base=inputs.diff_base,
        report_unused_ignores=inputs.report_unused_ignores,
    )
    return run_gate(options)


def _write_reports(result: GateResult, reports: ReportFiles) -> None:
    from bek_gate.reports import render

    for file_format, destination in (
        ("sarif", reports.sarif),
        ("junit", reports.junit),
        ("json", reports.json),
        ("markdown", reports.summary),
    ):
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(render(file_format, result), encoding="utf-8")
        except OSError as error:
            raise BekError(f"{destination}: cannot write the report: {error.strerror or error}") from None


def _result_outputs(result: GateResult, inputs: ActionInputs) -> dict[str, str]:
    from bek_gate.reports.sarif import automation_id

    verdict = result.verdict
    new = sum(1 for finding in result.findings if not finding.suppressed and finding.baseline_state == "new")
    outputs = {
        "verdict": verdict.label,
        "exit-code": str(verdict.exit_code),
        **{severity: str(verdict.counts.get(severity, 0)) for severity in SEVERITIES},
        "new-findings": str(new),
        "sarif-file": str(inputs.reports.sarif),
        "junit-file": str(inputs.reports.junit),
        "json-file": str(inputs.reports.json),
        "summary-file": str(inputs.reports.summary),
        # Read by action.yml's own steps: the upload step's condition and its category.
        "upload-sarif": "true" if inputs.upload_sarif else "false",
        "sarif-category": automation_id(result),
    }
    if inputs.diff_base is not None:
        outputs["diff-base"] = inputs.diff_base
    return outputs


def _failure(exit_code: int, message: str, title: str, env: Mapping[str, str], out: TextIO) -> ActionOutcome:
    """The gate did not run to the end: one annotation, a note in the summary, no SARIF to upload."""
    out.write(github.command("error", message, title=title) + "\n")
    outputs = {"verdict": "error", "exit-code": str(exit_code), "upload-sarif": "false"}
    try:
        if parse_bool("summary", env.get("INPUT_SUMMARY", ""), True):
            _append_summary(env, f"## bek gate: {title}\n\n{markdown.cell(message, limit=4000)}\n", out)
    except BekError:
        pass  # the bad input is already the error being reported
    _write_outputs(env, outputs)
    return ActionOutcome(exit_code, outputs)


def _append_summary(env: Mapping[str, str], markdown: str, out: TextIO) -> None:
    """Append, never overwrite: other steps of the job write to the same summary."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as stream:
            if stream.tell():  # a blank line, so that a previous step's table or list ends here
                stream.write("\n")
            stream.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as error:  # a missing summary must not hide the verdict
        out.write(github.command("warning", f"cannot write the job summary: {error}", title="bek") + "\n")


def format_outputs(outputs: Mapping[str, str]) -> str:
    """``GITHUB_OUTPUT`` lines: ``name=value``, or ``name<<DELIMITER`` for values with line breaks."""
    lines = []
    for name, value in outputs.items():
        if "\n" not in value and "\r" not in value:
            lines.append(f"{name}={value}")
            continue
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        while delimiter in value:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
        lines += [f"{name}<<{delimiter}", value, delimiter]
    return "".join(line + "\n" for line in lines)


def _write_outputs(env: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as stream:
        stream.write(format_outputs(outputs))


def main() -> None:
    outcome = run_action(os.environ, Path.cwd(), sys.stdout)
    sys.stdout.flush()
    # On a runner the action's last step applies the exit code, after the SARIF upload.
    sys.exit(0 if os.environ.get("GITHUB_OUTPUT") else outcome.exit_code)


if __name__ == "__main__":
    main()

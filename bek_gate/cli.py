"""The ``bek`` command line (SPEC 3): data on stdout, diagnostics on stderr, exit codes 0/1/2/3."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bek_gate import __version__
from bek_gate.errors import BekError
from bek_gate.findings import SEVERITIES, Notice
from bek_gate.verdict import EXIT_INTERNAL, EXIT_USAGE

# The names of bek_gate.reports.FORMATS (a test keeps them equal): importing the
# reports here would slow every command down.
FORMATS = ("text", "concise", "json", "sarif", "junit", "github", "markdown")
_NOTICES_SHOWN = 20


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _use_color(choice: str, stream: Any) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="bek")
def cli() -> None:
    """bek: a quality gate for Python backends, driven by backend review checklists."""


_PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=str))
_CHECKLISTS = click.option(
    "-c",
    "--checklist",
    "checklist_ids",
    multiple=True,
    metavar="ID",
    help="Checklist to gate on (repeatable): checklist-security-review, checklist.api-review, an unambiguous "
    "abbreviation (security, rel), or 'all' [default: the config's, else all].",
)
_CONFIG_FILE = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: nearest bek.toml or pyproject.toml with [tool.bek]).",
)
_JOBS = click.option(
    "-j", "--jobs", type=click.IntRange(min=0), help="Worker processes; 0: one per core [default: 0]."
)
_NO_CACHE = click.option("--no-cache", is_flag=True, help="Ignore and do not update the result cache.")


@cli.command()
@_PATHS
@_CHECKLISTS
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Fail on findings at or above this severity [default: medium].",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULE[,RULE]",
    help="Run only these rules (repeatable, comma-separated), within the selected checklists.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULE[,RULE]",
    help="Do not run these rules (repeatable, comma-separated).",
)
@click.option(
    "--min-confidence",
    type=click.Choice(["high", "medium", "low"]),
    help="Report findings at or above this confidence [default: each rule's own; sql-injection: high].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report written to stdout (concise: one line per finding).",
)
@click.option(
    "--json-output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON report here."
)
@click.option(
    "--sarif-output", type=click.Path(dir_okay=False, path_type=Path), help="Also write SARIF 2.1.0 here."
)
@click.option(
    "--junit-output", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML here."
)
@click.option(
    "--summary-output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the Markdown summary here.",
)
@_CONFIG_FILE
@_JOBS
@_NO_CACHE
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Findings recorded in this baseline (bek baseline -o FILE) do not gate; only new ones do.",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="Only findings on lines added or changed since the merge base with REF gate (e.g. origin/main).",
)
@click.option(
    "--report-unused-ignores", is_flag=True, help="List `# bek: ignore` comments that suppress nothing."
)
@click.option(
    "--no-project-rules",
    is_flag=True,
    help="Run only per-file rules, so results do not depend on which files are passed (pre-commit).",
)
@click.option(
    "--require-attestations",
    is_flag=True,
    help="Fail the gate when a manual item of the selected checklists is unattested or its attestation expired.",
)
@click.option(
    "--require-automated",
    is_flag=True,
    help="Fail the gate when an automatable item of the selected checklists has no rule implemented yet.",
)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Show progress, every notice, and in the text report every item id and the status table.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print no notices on stderr (internal errors are always printed)."
)
def gate(
    paths: tuple[str, ...],
    checklist_ids: tuple[str, ...],
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    min_confidence: str | None,
    output_format: str,
    json_output: Path | None,
    sarif_output: Path | None,
    junit_output: Path | None,
    summary_output: Path | None,
    config_path: Path | None,
    jobs: int | None,
    no_cache: bool,
    baseline_path: Path | None,
    diff_base: str | None,
    report_unused_ignores: bool,
    no_project_rules: bool,
    require_attestations: bool,
    require_automated: bool,
    color: str,
    verbose: bool,
    quiet: bool,
) -> None:
    """Check PATHS (default: the configured paths, else the repository root, else the current directory).

    Exit codes: 0 passed, 1 failed, 2 usage or configuration error, 3 internal error.
    """
    from bek_gate.gate import GateOptions, run_gate
    from bek_gate.reports import View, render

    show_progress = verbose or (_stderr_is_terminal() and not quiet)
    options = GateOptions(
        paths=list(paths),
        checklists=list(checklist_ids),
        fail_on=fail_on,
        min_confidence=min_confidence,
        config_path=config_path,
        jobs=jobs,
        use_cache=not no_cache,
        require_attestations=require_attestations,
        require_automated=require_automated,
        select=list(select),
        ignore=list(ignore),
        baseline=baseline_path,
        diff_base=diff_base,
        report_unused_ignores=report_unused_ignores,
        project_rules=not no_project_rules,
        progress=_progress_printer() if show_progress else None,
    )
    result = run_gate(options)
    if verbose:  # timings stay out of the reports, which must be byte-identical run to run
        click.echo(f"bek: checked {result.files_checked} files in {result.duration_seconds:.2f} s", err=True)
    colored = output_format == "text" and _use_color(color, sys.stdout)
    view = View(color=colored, verbose=verbose, cwd=Path.cwd())
    if output_format != "text":  # the text report lists the notices itself
        _print_notices(result.notices, verbose=verbose, quiet=quiet, display=view.paths(result))
    for file_format, destination in (
        ("json", json_output),
        ("sarif", sarif_output),
        ("junit", junit_output),
        ("markdown", summary_output),
    ):
        if destination is not None:
            _write(destination, render(file_format, result))
    stdout_text = render(output_format, result, view)
    # click strips ANSI codes when stdout is not a terminal; --color always and FORCE_COLOR mean keep them.
    click.echo(stdout_text, nl=not stdout_text.endswith("\n"), color=colored or None)
    sys.exit(result.verdict.exit_code)


@cli.command()
@_PATHS
@_CHECKLISTS
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to write.",
)
@_CONFIG_FILE
@_JOBS
@_NO_CACHE
def baseline(
    paths: tuple[str, ...],
    checklist_ids: tuple[str, ...],
    output: Path,
    config_path: Path | None,
    jobs: int | None,
    no_cache: bool,
) -> None:
    """Record today's findings so that `bek gate --baseline FILE` fails only on new ones."""
    from bek_gate.baseline import baseline_document
    from bek_gate.gate import GateOptions, run_gate

    options = GateOptions(
        paths=list(paths),
        checklists=list(checklist_ids),
        config_path=config_path,
        jobs=jobs,
        use_cache=not no_cache,
        use_baseline=False,
    )
    result = run_gate(options)
    _print_notices(result.notices, verbose=False, quiet=False)
    _write(output, baseline_document(result.findings))
    recorded = sum(1 for finding in result.findings if not finding.suppressed)
    click.echo(f"bek: wrote {output} with {recorded} findings", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@_CONFIG_FILE
def doctor(as_json: bool, config_path: Path | None) -> None:
    """Check the environment and the configuration. Exit 1 when a check fails."""
    from bek_gate.doctor import render_checks, run_checks

    checks = run_checks(Path.cwd(), config_path)
    click.echo(render_checks(checks, as_json=as_json, color=not as_json and _use_color("auto", sys.stdout)))
    sys.exit(1 if any(check.status == "fail" for check in checks) else 0)


def _knowledge_base(config_path: Path | None) -> Any:
    from bek_gate.gate import load_project
    from bek_gate.knowledge.base import KnowledgeBase

    project = load_project(config_path, Path.cwd())
    return KnowledgeBase.load(project.checklists, project.rule_set)


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--scope",
    help="Only this scope: api, security (sec), database (db), reliability (rel), observability (obs), tenancy (tenant).",
)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@_CONFIG_FILE
def search(
    query: tuple[str, ...], scope: str | None, limit: int, as_json: bool, config_path: Path | None
) -> None:
    """Ranked search over patterns and checklist items (typos tolerated)."""
    import json

    from bek_gate.knowledge.base import scope_name

    scopes = {scope_name(scope)} if scope else None
    kb = _knowledge_base(config_path)
    text = " ".join(query)
    hits = kb.index.search(text, scopes, limit)
    if as_json:
        results = [
            {
                "id": hit.document.id,
                "kind": hit.document.kind,
                "title": hit.document.title,
                "scope": hit.document.scope,
                "score": round(hit.score, 4),
                "summary": hit.document.summary,
            }
            for hit in hits
        ]
        click.echo(
            json.dumps(
                {"query": text, "scope": sorted(scopes) if scopes else None, "results": results}, indent=2
            )
        )
        return
    if not hits:
        click.echo(f"no results for '{text}'", err=True)
        return
    width = max(len(hit.document.id) for hit in hits)
    for rank, hit in enumerate(hits, start=1):
        document = hit.document
        click.echo(
            f"{rank:>2}. {document.id:<{width}}  {document.title}  [{document.scope}, {document.kind}]"
        )
        summary = document.summary if len(document.summary) <= 110 else document.summary[:107] + "..."
        click.echo(f"    {summary}")
    click.echo("\nbek show <id> for the whole entry", err=True)


@cli.command()
@click.argument("entry_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON.")
@_CONFIG_FILE
def show(entry_id: str, as_json: bool, config_path: Path | None) -> None:
    """Show a pattern, checklist, checklist item or rule (api-error-model, api.error-model, checklist-api-review, sec-01, sql-injection)."""
    import json

    from bek_gate.knowledge.render import entry_json, entry_markdown, terminal

    kb = _knowledge_base(config_path)
    entry = kb.resolve(entry_id)
    if as_json:
        click.echo(json.dumps(entry_json(kb, entry), indent=2))
        return
    markdown = entry_markdown(kb, entry)
    click.echo(terminal(markdown) if _use_color("auto", sys.stdout) else markdown, nl=False)


@cli.command(name="list")
@click.argument("kind", required=False, type=click.Choice(["patterns", "checklists", "rules"]))
@click.option("--scope", help="Only this scope (name or prefix).")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@_CONFIG_FILE
def list_command(kind: str | None, scope: str | None, as_json: bool, config_path: Path | None) -> None:
    """List the patterns, checklists and rules."""
    import json

    from bek_gate.knowledge.base import scope_name

    kb = _knowledge_base(config_path)
    wanted = scope_name(scope) if scope else None
    rows: dict[str, list[dict[str, str]]] = {}
    if kind in (None, "patterns"):
        rows["patterns"] = [
            {"id": p.id, "title": p.title, "scope": p.scope}
            for p in kb.patterns.values()
            if wanted is None or p.scope == wanted
        ]
    if kind in (None, "checklists"):
        rows["checklists"] = [
            {"id": c.id, "title": c.title, "scope": c.scope, "items": str(len(c.items))}
            for c in kb.checklists.values()
            if wanted is None or c.scope == wanted
        ]
    if kind in (None, "rules"):
        rows["rules"] = []
        for loaded in kb.rule_set.rules.values():
            pattern = kb.patterns.get(loaded.cls.pattern or "")
            rule_scope = pattern.scope if pattern else ""
            if wanted is None or rule_scope == wanted:
                rows["rules"].append(
                    {
                        "id": loaded.id,
                        "title": loaded.cls.title,
                        "scope": rule_scope,
                        "severity": loaded.cls.severity,
                    }
                )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for section, entries in rows.items():
        click.echo(f"{section} ({len(entries)})")
        width = max((len(entry["id"]) for entry in entries), default=0)
        for entry in entries:
            extra = entry.get("severity") or (
                f"{entry['items']} items" if "items" in entry else entry["scope"]
            )
            click.echo(f"  {entry['id']:<{width}}  {entry['title']}  [{extra}]")
        click.echo("")


@cli.command(name="lint-kb")
@_CONFIG_FILE
@click.option("-v", "--verbose", is_flag=True, help="List every warning, not only their count.")
def lint_kb(config_path: Path | None, verbose: bool) -> None:
    """Validate the knowledge base: pattern schema and sections, cross-references between patterns, checklists and rules."""
    from bek_gate.gate import load_project
    from bek_gate.knowledge.lint import lint
    from bek_gate.resources import data_dir

    project = load_project(config_path, Path.cwd())
    problems = lint(data_dir("patterns"), project.checklists, project.rule_set)
    for problem in problems:
        if problem.level == "error" or verbose:
            click.echo(problem.line(), err=problem.level == "error")
    errors = sum(1 for problem in problems if problem.level == "error")
    warnings = len(problems) - errors
    hint = (
        " (-v lists them: rules the knowledge base names but bek does not implement yet)"
        if warnings and not verbose
        else ""
    )
    click.echo(f"lint-kb: {errors} errors, {warnings} warnings{hint}")
    sys.exit(1 if errors else 0)


def _progress_printer() -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        if total < 50:
            return
        end = "\n" if done == total else ""
        click.echo(f"\rbek: checked {done}/{total} files", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return show


def _print_notices(
    notices: list[Notice], *, verbose: bool, quiet: bool, display: Callable[[str], str] = str
) -> None:
    """Notices on stderr, internal errors always; ``display`` turns a repository path into the printed one."""
    from bek_gate.reports.common import notice_location

    def where(notice: Notice) -> str:
        location = notice_location(notice, display)
        return f"{location}: " if location else ""

    errors = [notice for notice in notices if notice.kind == "internal-error"]
    others = [notice for notice in notices if notice.kind != "internal-error"]
    for notice in errors:
        click.echo(f"bek: internal error: {where(notice)}{notice.message}", err=True)
    if quiet:
        return
    shown = others if verbose else others[:_NOTICES_SHOWN]
    for notice in shown:
        click.echo(f"bek: {notice.kind}: {where(notice)}{notice.message}", err=True)
    if len(others) > len(shown):
        click.echo(
            f"bek: ... and {len(others) - len(shown)} more notices (use --verbose to see them)", err=True
        )


def _write(destination: Path, text: str) -> None:
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
    except OSError as error:
        raise BekError(f"{destination}: cannot write the report: {error.strerror or error}") from None


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line and exit 2; bugs exit 3 with a short message."""
    try:
        # Not click's standalone mode: it turns Ctrl-C into "Aborted!" and exit 1, the code of a failed gate.
        cli.main(args=argv, prog_name="bek", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("bek: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        # One line, as for every other user error: click's own form is three (Usage, Try, Error).
        command = ""
        if isinstance(error, click.UsageError) and error.ctx is not None:
            command = f"{error.ctx.command_path}: "
        click.echo(f"bek: error: {command}{error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Exit as error:  # --help, --version
        sys.exit(error.exit_code)
    except BekError as error:
        click.echo(f"bek: error: {error.message}", err=True)
        sys.exit(error.exit_code if error.exit_code else EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("bek: interrupted", err=True)
        sys.exit(130)
    except Exception as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        click.echo(
            f"bek: internal error: {type(error).__name__}: {error} (at {frame.filename}:{frame.lineno}); "
            "please report this with the command you ran",
            err=True,
        )
        if os.environ.get("BEK_DEBUG"):
            traceback.print_exc()
        sys.exit(EXIT_INTERNAL)

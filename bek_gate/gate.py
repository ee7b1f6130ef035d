"""``bek gate``: the whole pipeline, from configuration to the verdict (SPEC 5.1).

discover files -> cache lookup -> parse each once, run the per-file rules in
one walk -> project rules -> suppressions and per-path ignores -> verdict.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bek_gate import __version__, checklists
from bek_gate.attestations import DEFAULT_PATH as DEFAULT_ATTESTATIONS
from bek_gate.attestations import Attestation, load_attestations
from bek_gate.baseline import apply_baseline, apply_diff, changed_lines, load_baseline
from bek_gate.config import (
    DEFAULT_CACHE_DIR,
    Config,
    check_directories,
    check_rule_ids,
    find_config,
    load_config,
    resolve_rule_options,
)
from bek_gate.discovery import Excluder, TestPaths, discover, git_toplevel
from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.engine.cache import ResultCache, cache_key
from bek_gate.engine.project import decide_project_rules
from bek_gate.engine.runner import analyse_files, default_jobs
from bek_gate.errors import ConfigError, did_you_mean
from bek_gate.findings import CONFIDENCES, PARSE_ERROR, Finding, Notice
from bek_gate.knowledge.patterns import load_some
from bek_gate.resources import data_dir
from bek_gate.rules.catalog import CATALOG_RULE_IDS
from bek_gate.rules.loader import RuleSet, load_rule_dirs
from bek_gate.verdict import GateResult, ManualPolicy, decide, evaluate_items


@dataclass
class GateOptions:
    """What the command line asked for; None means "use the config file or the default"."""

    paths: list[str] = field(default_factory=list)
    checklists: list[str] = field(default_factory=list)
    fail_on: str | None = None
    min_confidence: str | None = None
    config_path: Path | None = None
    jobs: int | None = None
    use_cache: bool = True
    cwd: Path = field(default_factory=Path.cwd)
    progress: Callable[[int, int], None] | None = None
    require_attestations: bool = False
    require_automated: bool = False
    select: list[str] = field(default_factory=list)  # --select: only these rules run
    ignore: list[str] = field(default_factory=list)  # --ignore: these rules do not run
    today: dt.date = field(default_factory=dt.date.today)
    baseline: Path | None = None
    use_baseline: bool = True  # False when writing a baseline: every finding counts
    diff_base: str | None = None
    report_unused_ignores: bool = False
    project_rules: bool = (
        True  # False for per-file runs (pre-commit): results must not depend on the file list
    )


@dataclass
class Project:
    """The configuration and the knowledge base it selects: shared by gate, doctor and friends."""

    config: Config
    rule_set: RuleSet
    checklists: dict[str, checklists.Checklist]
    rule_options: dict[str, dict[str, object]]

    @property
    def known_rule_ids(self) -> set[str]:
        return set(self.rule_set.ids()) | set(CATALOG_RULE_IDS)


def load_project(config_path: Path | None, start: Path) -> Project:
    """Config, rules and checklists, all validated (ConfigError names what is wrong)."""
    config = load_config(config_path if config_path is not None else find_config(start), start)
    check_directories(config)
    rule_set = load_rule_dirs([data_dir("rules"), *config.rule_dirs])
    checklist_dirs = [data_dir("checklists")]
    if config.checklists_dir is not None:
        checklist_dirs.append(config.checklists_dir)
    available = checklists.load_checklist_dirs(checklist_dirs)
    checklists.check_rule_references(available.values(), set(rule_set.ids()), set(CATALOG_RULE_IDS))
    project = Project(config, rule_set, available, {})
    check_rule_ids(config, project.known_rule_ids)
    project.rule_options = resolve_rule_options(
        config, {loaded.id: loaded.cls.options for loaded in rule_set.rules.values() if loaded.cls.options}
    )
    return project


def _root_for(targets: list[Path], config: Config) -> Path:
    """Where report paths start: the git work tree, else the config's directory, else the cwd."""
    first = targets[0]
    toplevel = git_toplevel(first if first.is_dir() else first.parent)
    candidates = [toplevel, config.path.parent.resolve() if config.path else None, Path.cwd().resolve()]
    for candidate in candidates:
        if candidate is not None and all(_within(target, candidate) for target in targets):
            return candidate
    # Nothing above contains the targets: the first one (a directory, even through a link) is the root.
    return first.resolve() if first.is_dir() else _location(first).parent


def _location(path: Path) -> Path:
    """Where ``path`` is as named: its directory resolved, but not the link it may itself be
    (a symlink named on the command line must not carry the root to where it points)."""
    absolute = Path(os.path.abspath(path))
    return absolute.parent.resolve() / absolute.name


def _within(path: Path, root: Path) -> bool:
    try:
        _location(path).relative_to(root)
    except ValueError:
        return False
    return True


def run_gate(options: GateOptions) -> GateResult:
    started = time.perf_counter()
    raw_targets = options.paths or []
    first = Path(raw_targets[0]) if raw_targets else options.cwd
    project = load_project(options.config_path, first if first.exists() else options.cwd)
    config = project.config
    if not raw_targets and config.paths:
        raw_targets = [str(config.base / path) for path in config.paths]
    # No paths anywhere: the repository the command runs in (SPEC 5.1), or the current directory.
    targets = [Path(path) for path in raw_targets] or [git_toplevel(options.cwd) or options.cwd]

    # Nothing asked for: every checklist, as ruff and bandit run their default set (SPEC 3).
    requested = options.checklists or config.checklists
    try:
        selected_checklists = checklists.for_run(requested, project.checklists, project.rule_set)
    except ConfigError as error:
        if options.checklists or not config.checklists:  # from the command line
            raise
        raise ConfigError(f"{config.label} checklists: {error.message}") from None
    chosen = _chosen_rules(options, project)
    if chosen is not None:
        selected_checklists = checklists.narrowed(selected_checklists, chosen)
    fail_on = options.fail_on or config.fail_on

    disabled = set(config.disable) | set(_rule_id_list(options.ignore, "--ignore", project))
    rule_ids = [
        rule_id
        for checklist in selected_checklists
        for rule_id in checklist.rule_ids()
        if rule_id in project.rule_set
        and rule_id not in disabled
        and (chosen is None or rule_id in chosen)
        and (options.project_rules or not project.rule_set[rule_id].is_project_rule)
    ]
    selected_rules = list(dict.fromkeys([PARSE_ERROR, *rule_ids]))

    for target in targets:
        if not target.exists() and not target.is_symlink():
            raise ConfigError(f"{target}: no such file or directory")
    root = _root_for(targets, config)
    found = discover(targets, root, Excluder(config.exclude, config.base), config.max_file_size)

    # Test paths are relative to the config's directory; the workers see root-relative paths.
    base = config.base.resolve()
    relative_base = base.relative_to(root).as_posix() if base.is_relative_to(root) else ""
    test_paths = TestPaths(tuple(config.test_paths), "" if relative_base == "." else relative_base)
    plan = AnalysisPlan(
        rule_dirs=tuple(str(directory) for directory in [data_dir("rules"), *config.rule_dirs]),
        selected=tuple(selected_rules),
        options=project.rule_options,
        known_ids=frozenset(project.known_rule_ids),
        test_paths=test_paths,
        target_version=config.target_version,
    )
    analyzer = Analyzer(plan, project.rule_set)
    cache = _open_cache(options, config, root, project.rule_set, plan) if options.use_cache else None
    jobs = options.jobs if options.jobs is not None else (config.jobs or default_jobs())
    results = analyse_files(
        analyzer, root, found.files, jobs or default_jobs(), cache, options.progress, config.file_timeout
    )
    notices = list(found.notices)
    if not found.files:
        shown = ", ".join(str(target) for target in targets)
        notices.append(Notice("no-files", f"no Python files to check under {shown}"))
    if cache is not None:
        problem = cache.save()
        if problem:
            notices.append(Notice("cache", problem))

    findings = [finding for result in results for finding in result.findings]
    for result in results:
        notices.extend(
            notice
            for notice in result.notices
            if notice.kind != "unused-ignore" or options.report_unused_ignores
        )
    project_findings, project_notices = decide_project_rules(
        project.rule_set, selected_rules, results, project.rule_options
    )
    findings += project_findings
    notices += project_notices

    findings = _enrich(findings, project, selected_checklists, root)
    findings, below_confidence = _confident(findings, project, options.min_confidence)
    findings.sort(key=Finding.sort_key)
    baseline_path = options.baseline or config.baseline
    if baseline_path is not None and options.use_baseline:
        findings = apply_baseline(findings, load_baseline(baseline_path))
    if options.diff_base:
        findings = apply_diff(findings, changed_lines(root, options.diff_base))
    attestation_path = config.attestations or (config.base if config.path else root) / DEFAULT_ATTESTATIONS
    attestations = load_attestations(attestation_path)
    notices += _attestation_notices(attestations, project, attestation_path, root)
    notices.sort(key=Notice.sort_key)
    crashed = {notice.rule_id for notice in notices if notice.kind == "internal-error" and notice.rule_id}
    manual = ManualPolicy(attestations, options.today, options.require_attestations)
    # Rules that exist but did not run: disabled in config, or project rules in a per-file run.
    not_run = {rule_id for rule_id in project.rule_set.ids() if rule_id not in selected_rules}
    outcomes = evaluate_items(
        selected_checklists,
        findings,
        set(project.rule_set.ids()),
        not_run,
        fail_on,
        crashed,
        manual,
        require_automated=options.require_automated or config.require_automated,
    )
    severities = {
        rule_id: config.severity.get(rule_id, project.rule_set[rule_id].cls.severity)
        for rule_id in selected_rules
    }
    return GateResult(
        tool_version=__version__,
        root=root,
        checklists=outcomes,
        findings=findings,
        notices=notices,
        verdict=decide(findings, notices, fail_on, outcomes),
        rules=[project.rule_set[rule_id] for rule_id in sorted(selected_rules)],
        severities=severities,
        files_checked=len(found.files),
        test_files=sum(1 for relpath in found.files if test_paths.is_test(relpath)),
        below_confidence=below_confidence,
        old_findings=_old_findings(
            baseline_path is not None and options.use_baseline, bool(options.diff_base)
        ),
        duration_seconds=time.perf_counter() - started,
        config_path=config.path,
        patterns=load_some(
            data_dir("patterns"),
            {project.rule_set[rule_id].cls.pattern or "" for rule_id in selected_rules} - {""},
        ),
    )


def _old_findings(baseline: bool, diff: bool) -> str:
    if diff and not baseline:
        return "outside the diff"
    return "in the baseline or outside the diff" if diff else "in the baseline"


def _rule_id_list(values: list[str], flag: str, project: Project) -> list[str]:
    """Rule ids from repeatable, comma-separated flags; an unknown or unimplemented id is a usage error."""
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    implemented = sorted(project.rule_set.ids())
    for rule_id in ids:
        if rule_id in project.rule_set:
            continue
        if rule_id in CATALOG_RULE_IDS:
            if flag == "--ignore":
                continue  # ignoring a rule before it lands is harmless, and keeps working after
            raise ConfigError(
                f"{flag} {rule_id}: rule not implemented yet; implemented: {', '.join(implemented)}"
            )
        raise ConfigError(f"{flag} {rule_id}: unknown rule{did_you_mean(rule_id, implemented)}")
    return ids


def _chosen_rules(options: GateOptions, project: Project) -> set[str] | None:
    """The rules ``--select`` names (with ``parse-error``, which always runs), or None: no selection."""
    if not options.select:
        return None
    return {PARSE_ERROR, *_rule_id_list(options.select, "--select", project)}


def _attestation_notices(
    attestations: dict[str, Attestation], project: Project, path: Path, root: Path
) -> list[Notice]:
    """Attestations that attest nothing: an unknown item, or an automated one."""
    items = {item.id: item for checklist in project.checklists.values() for item in checklist.items}
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    notices = []
    for item_id in sorted(attestations):
        item = items.get(item_id)
        if item is None:
            notices.append(Notice("attestation", f"attests unknown checklist item '{item_id}'", shown))
        elif not item.manual:
            notices.append(
                Notice("attestation", f"attests {item_id}, which is automated: its rules decide it", shown)
            )
    return notices


def _confident(findings: list[Finding], project: Project, requested: str | None) -> tuple[list[Finding], int]:
    """The findings at or above the confidence each rule reports at, and how many fell below.

    ``--min-confidence``, else the config's ``min-confidence``, else each rule's ``min_confidence``.
    """
    chosen = requested or project.config.min_confidence
    kept = []
    for finding in findings:
        floor = chosen or project.rule_set[finding.rule_id].cls.min_confidence
        if CONFIDENCES.index(finding.confidence) <= CONFIDENCES.index(floor):
            kept.append(finding)
    return kept, len(findings) - len(kept)


def _enrich(
    findings: list[Finding],
    project: Project,
    selected: list[checklists.Checklist],
    root: Path,
) -> list[Finding]:
    """Add rule metadata and checklist items; drop what per-path-ignores says does not apply."""
    config = project.config
    items_by_rule: dict[str, list[str]] = {}
    for checklist in selected:
        for item in checklist.items:
            for rule_id in item.rules:
                items_by_rule.setdefault(rule_id, []).append(item.id)
    # Same pattern semantics as ``exclude``, relative to the config file's directory.
    ignores = [
        (Excluder([pattern], config.base), set(rule_ids))
        for pattern, rule_ids in config.per_path_ignores.items()
    ]
    enriched = []
    for finding in findings:
        if any(
            finding.rule_id in rule_ids and excluder.excluded(root / finding.path)
            for excluder, rule_ids in ignores
        ):
            continue
        cls = project.rule_set[finding.rule_id].cls
        enriched.append(
            finding.with_(
                severity=config.severity.get(finding.rule_id, cls.severity),
                fix=cls.fix,
                pattern=cls.pattern,
                cwe=cls.cwe,
                checklist_items=tuple(items_by_rule.get(finding.rule_id, ())),
            )
        )
    return enriched


def _open_cache(
    options: GateOptions, config: Config, root: Path, rule_set: RuleSet, plan: AnalysisPlan
) -> ResultCache:
    directory = config.cache_dir or (root / DEFAULT_CACHE_DIR)
    key = cache_key(
        {
            "bek": __version__,
            "python": platform.python_version_tuple()[:2],
            "libcst": _libcst_version(),
            "rules": sorted((loaded.id, loaded.source_hash) for loaded in rule_set.rules.values()),
            "selected": sorted(plan.selected),
            "options": plan.options,
            "test-paths": [list(plan.test_paths.patterns), plan.test_paths.base],
            "target-version": plan.target_version,
            "root": str(root),
        }
    )
    return ResultCache(directory, key)


def _libcst_version() -> str:
    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return "unknown"

#!/usr/bin/env python3
"""Time ``bek gate`` against bandit and ruff on the same tree, and compare with SPEC section 9.

By default the tree is the Django 5.2.19 source distribution from PyPI, the one
SPEC 9's figures were measured on (2,823 Python files, 492k lines); ``--target
DIR`` scans any directory instead. Each tool runs as a child process, and each
run records:

- wall-clock seconds;
- CPU seconds (user + system) of the child and of every process it waited for
  (bek's worker processes, for instance);
- peak RSS: the resident memory of the largest single process among them.

CPU and memory come from ``os.wait4``, which reports on that one child and its
reaped descendants only, so one run's figures never leak into the next.

The runs, in this order, ``--repeat N`` times (medians are reported):

    bek cold    bek gate --checklist all --no-cache --format json TARGET
    bek fill    the same without --no-cache, starting from an empty cache
    bek warm    the same again: nothing changed, so every file comes from the cache
    bandit      bandit -r -q -f json TARGET
    ruff        ruff check --select S --no-cache --output-format json TARGET

Exit status: 0 whatever the tools conclude about the code (bek, bandit and ruff
all exit 1 when they find problems); 1 when the tree cannot be fetched; 2 on a
usage error. Unix only (``resource``, ``os.wait4``). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from trees import (
    BEK_CACHE_NAME,
    HERE,
    READY_MARKER,
    Measurement,
    bek_command,
    extract_archive,
    find_tool,
    measure,
    prepare_checkout,
    progress,
    python_files,
    tool_version,
)

DEFAULT_CACHE_DIR = HERE / ".cache"
DJANGO_VERSION = "5.2.19"
TOOLS = ("bek", "bandit", "ruff")

# SPEC 9: cold <= 0.5x bandit; warm (nothing changed) <= 3x ruff cold; largest process < 300 MB.
COLD_VS_BANDIT_LIMIT = 0.5
WARM_VS_RUFF_LIMIT = 3.0
PEAK_RSS_LIMIT_MB = 300.0

# The first line of the CACHEDIR.TAG bek writes: only a directory carrying it is deleted.
CACHEDIR_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
# Exit codes that are verdicts about the code, not failures of the tool.
VERDICT_EXIT_CODES = {"bek": {0, 1}, "bandit": {0, 1}, "ruff": {0, 1}}


# -- what each tool found -----------------------------------------------------


def count_findings(tool: str, stdout: bytes) -> int | None:
    """How many problems a tool's JSON output lists (None when it cannot be read)."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    if tool == "bandit" and isinstance(data, dict) and isinstance(data.get("results"), list):
        return len(data["results"])
    if isinstance(data, list):  # ruff
        return len(data)
    if isinstance(data, dict) and isinstance(data.get("findings"), list):  # bek
        return len(data["findings"])
    return None


# -- the tree to scan ---------------------------------------------------------


def fetch_django(version: str, cache_dir: Path) -> Path:
    """The extracted Django sdist, downloaded with pip and prepared once per cache directory."""
    root = cache_dir / f"django-{version}"
    if (root / READY_MARKER).is_file():
        return root
    downloads = cache_dir / "downloads"
    archive = _find_archive(downloads, version)
    if archive is None:
        progress(f"downloading the Django {version} sdist into {downloads} ...")
        subprocess.run(
            [*PIP_DOWNLOAD, f"django=={version}", "-d", str(downloads)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        archive = _find_archive(downloads, version)
        if archive is None:
            raise RuntimeError(f"pip did not leave a Django {version} .tar.gz in {downloads}")
    progress(f"extracting {archive.name} ...")
    extract_archive(archive, root)
    prepare_checkout(root, f"Django {version} sdist", "benchmarks/compare_bandit.py")
    (root / READY_MARKER).write_text(f"django {version}\n", encoding="utf-8")
    return root


def _find_archive(downloads: Path, version: str) -> Path | None:
    if not downloads.is_dir():
        return None
    wanted = f"django-{version}.tar.gz"
    return next((path for path in downloads.iterdir() if path.name.lower() == wanted), None)


def empty_bek_cache(directories: list[Path]) -> None:
    """Delete bek's cache directories (only ones bek's CACHEDIR.TAG marks as its own)."""
    for directory in directories:
        if not directory.is_dir():
            continue
        try:
            tag = (directory / "CACHEDIR.TAG").read_text(encoding="utf-8", errors="replace")
        except OSError:
            tag = ""
        if tag.startswith(CACHEDIR_SIGNATURE) and "bek" in tag:
            shutil.rmtree(directory)
        else:
            progress(f"note: {directory} does not look like bek's cache; left alone")


# -- the tools ------------------------------------------------------------------


@dataclass
class Summary:
    """One kind of run, summarised over the repetitions (medians)."""

    tool: str
    run: str
    command: list[str]
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    exit_codes: list[int]
    findings: int | None
    all_wall_seconds: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.tool} {self.run}".strip()

    @property
    def succeeded(self) -> bool:
        """Whether every run ended with a verdict about the code (not a crash or usage error)."""
        return set(self.exit_codes) <= VERDICT_EXIT_CODES.get(self.tool, {0})


class Bench:
    def __init__(self, target: Path, bek_cache_dirs: list[Path], bek_env: dict[str, str] | None) -> None:
        self.target = target
        self.bek_env = bek_env
        self.bek_cache_dirs = bek_cache_dirs
        self.samples: dict[tuple[str, str], list[Measurement]] = {}
        self.commands: dict[tuple[str, str], list[str]] = {}
        self.notes: list[str] = []

    def record(self, tool: str, run: str, command: list[str], cwd: Path) -> None:
        progress(f"  {f'{tool} {run}'.strip()}: {shlex.join(command)}")
        try:
            result = measure(command, cwd, self.bek_env if tool == "bek" else None)
        except OSError as error:
            note = f"{tool} {run} could not be started: {error}"
            if note not in self.notes:
                self.notes.append(note)
            return
        progress(
            f"    {result.wall_seconds:.2f} s wall, {result.cpu_seconds:.2f} s CPU, "
            f"{result.peak_rss_mb:.0f} MB, exit {result.exit_code}"
        )
        if result.exit_code not in VERDICT_EXIT_CODES.get(tool, {0}):
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            note = f"{tool} {run} exited {result.exit_code}: " + (" | ".join(tail) or "no output on stderr")
            if note not in self.notes:
                self.notes.append(note)
        self.samples.setdefault((tool, run), []).append(result)
        self.commands[(tool, run)] = command

    def run_bek(self, bek: list[str], jobs: int | None) -> None:
        base = [*bek, "gate", "--checklist", "all", "--format", "json"]
        if jobs is not None:
            base += ["--jobs", str(jobs)]
        # A fresh working directory: bek's default cache lives beside the
        # configuration file or, with none, in the working directory.
        with tempfile.TemporaryDirectory(prefix="bek-benchmark-") as scratch:
            workdir = Path(scratch)
            self.record("bek", "cold", [*base, "--no-cache", str(self.target)], workdir)
            empty_bek_cache([*self.bek_cache_dirs, workdir / BEK_CACHE_NAME])
            self.record("bek", "fill", [*base, str(self.target)], workdir)
            self.record("bek", "warm", [*base, str(self.target)], workdir)

    def summaries(self) -> list[Summary]:
        result = []
        for (tool, run), samples in self.samples.items():
            result.append(
                Summary(
                    tool=tool,
                    run=run,
                    command=self.commands[(tool, run)],
                    wall_seconds=statistics.median(s.wall_seconds for s in samples),
                    cpu_seconds=statistics.median(s.cpu_seconds for s in samples),
                    peak_rss_mb=statistics.median(s.peak_rss_mb for s in samples),
                    exit_codes=sorted({s.exit_code for s in samples}),
                    findings=count_findings(tool, samples[-1].stdout),
                    all_wall_seconds=[round(s.wall_seconds, 3) for s in samples],
                )
            )
        return result


# -- verdicts against SPEC 9 ----------------------------------------------------


@dataclass
class TargetCheck:
    name: str
    measured: float | None
    limit: str
    met: bool | None
    unit: str
    missing: str = ""


def check_targets(summaries: list[Summary]) -> list[TargetCheck]:
    by_label = {summary.label: summary for summary in summaries}
    cold, warm = by_label.get("bek cold"), by_label.get("bek warm")
    bandit, ruff = by_label.get("bandit"), by_label.get("ruff cold")

    def ratio(numerator: Summary | None, denominator: Summary | None) -> float | None:
        if numerator is None or denominator is None or denominator.wall_seconds <= 0:
            return None
        return numerator.wall_seconds / denominator.wall_seconds

    def missing(*needed: tuple[str, Summary | None]) -> str:
        reasons = []
        for label, summary in needed:
            if summary is None:
                reasons.append(f"{label} not run")
            elif not summary.succeeded:
                reasons.append(f"{label} failed (exit {','.join(map(str, summary.exit_codes))})")
        return ", ".join(reasons)

    # Figures of a run that failed (a crash, a usage error) say nothing about speed.
    cold, warm, bandit, ruff = (
        s if s is not None and s.succeeded else None for s in (cold, warm, bandit, ruff)
    )
    cold_ratio = ratio(cold, bandit)
    warm_ratio = ratio(warm, ruff)
    bek_runs = [s for s in summaries if s.tool == "bek" and s.succeeded]
    peak = max((s.peak_rss_mb for s in bek_runs), default=None)
    return [
        TargetCheck(
            "bek cold wall / bandit wall",
            cold_ratio,
            f"<= {COLD_VS_BANDIT_LIMIT:g}x",
            None if cold_ratio is None else cold_ratio <= COLD_VS_BANDIT_LIMIT,
            "x",
            missing(("bek cold", by_label.get("bek cold")), ("bandit", by_label.get("bandit"))),
        ),
        TargetCheck(
            "bek warm wall / ruff cold wall",
            warm_ratio,
            f"<= {WARM_VS_RUFF_LIMIT:g}x",
            None if warm_ratio is None else warm_ratio <= WARM_VS_RUFF_LIMIT,
            "x",
            missing(("bek warm", by_label.get("bek warm")), ("ruff", by_label.get("ruff cold"))),
        ),
        TargetCheck(
            "bek largest process",
            peak,
            f"< {PEAK_RSS_LIMIT_MB:g} MB",
            None if peak is None else peak < PEAK_RSS_LIMIT_MB,
            " MB",
            "" if bek_runs else missing(("bek", next((s for s in summaries if s.tool == "bek"), None))),
        ),
    ]


# -- output -----------------------------------------------------------------------


def render_table(report: dict, summaries: list[Summary], checks: list[TargetCheck]) -> str:
    lines = [
        f"Target: {report['target']} ({report['python_files']:,} Python files, {report['python_lines']:,} lines)",
        f"Machine: {report['cpus']} CPUs, Python {report['python']}; "
        f"median of {report['repeat']} run(s) each",
        "",
        f"{'run':<12}{'wall s':>10}{'CPU s':>10}{'peak RSS MB':>13}{'exit':>7}{'findings':>10}",
    ]
    for summary in summaries:
        exits = ",".join(str(code) for code in summary.exit_codes)
        findings = "-" if summary.findings is None else f"{summary.findings:,}"
        lines.append(
            f"{summary.label:<12}{summary.wall_seconds:>10.2f}{summary.cpu_seconds:>10.2f}"
            f"{summary.peak_rss_mb:>13.0f}{exits:>7}{findings:>10}"
        )
    lines += ["", f"{'SPEC 9 target':<34}{'measured':>10}{'limit':>12}   verdict"]
    for check in checks:
        if check.measured is None:
            lines.append(f"{check.name:<34}{'-':>10}{check.limit:>12}   n/a ({check.missing})")
            continue
        measured = f"{check.measured:.2f}x" if check.unit == "x" else f"{check.measured:.0f} MB"
        lines.append(f"{check.name:<34}{measured:>10}{check.limit:>12}   {'met' if check.met else 'MISSED'}")
    for note in report["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time bek gate against bandit and ruff on the same tree (SPEC section 9).",
    )
    parser.add_argument(
        "--target", type=Path, help="directory to scan (default: the Django sdist, downloaded once)"
    )
    parser.add_argument(
        "--django-version", default=DJANGO_VERSION, help="Django sdist to scan (default: %(default)s)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        help="where the sdist is kept (default: benchmarks/.cache)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command; medians are reported")
    parser.add_argument(
        "--tools",
        default=",".join(TOOLS),
        help="comma-separated subset of bek,bandit,ruff to run (default: all three)",
    )
    parser.add_argument(
        "--jobs", type=int, help="passed to bek gate --jobs (default: bek's own, one per core)"
    )
    parser.add_argument(
        "--bek", help='command that runs bek (default: "bek" on PATH, else "python -m bek_gate")'
    )
    parser.add_argument(
        "--bek-cache-dir",
        type=Path,
        action="append",
        default=[],
        help="bek cache directory to empty before the fill run, when the target's config moves it (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    arguments = parser.parse_args(argv)
    arguments.tools = [tool.strip() for tool in arguments.tools.split(",") if tool.strip()]
    unknown = sorted(set(arguments.tools) - set(TOOLS))
    if unknown or not arguments.tools:
        parser.error(
            f"--tools: unknown tool(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(TOOLS)}"
        )
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    if arguments.target is not None and not arguments.target.is_dir():
        parser.error(f"--target: {arguments.target} is not a directory")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.target is not None:
        target = arguments.target.resolve()
        bek_cache_dirs = [target / BEK_CACHE_NAME]
    else:
        arguments.cache_dir.mkdir(parents=True, exist_ok=True)
        try:
            target = fetch_django(arguments.django_version, arguments.cache_dir.resolve())
        except (OSError, RuntimeError, subprocess.CalledProcessError, tarfile.TarError) as error:
            progress(f"error: could not prepare the Django {arguments.django_version} tree: {error}")
            return 1
        bek_cache_dirs = [target / BEK_CACHE_NAME]
    bek_cache_dirs += [directory.resolve() for directory in arguments.bek_cache_dir]

    bek, bek_env = (shlex.split(arguments.bek), None) if arguments.bek else bek_command()
    commands = {"bek": bek, "bandit": find_tool("bandit", "bandit"), "ruff": find_tool("ruff")}
    bench = Bench(target, bek_cache_dirs, bek_env)
    selected = []
    for tool in arguments.tools:
        if commands[tool] is None:
            bench.notes.append(f"{tool} is not installed; skipped")
        else:
            selected.append(tool)

    files, lines = python_files(target)
    for repetition in range(1, arguments.repeat + 1):
        progress(f"run {repetition} of {arguments.repeat} on {target}")
        if "bek" in selected:
            bench.run_bek(commands["bek"], arguments.jobs)
        if "bandit" in selected:
            bench.record("bandit", "", [*commands["bandit"], "-r", "-q", "-f", "json", str(target)], target)
        if "ruff" in selected:
            command = [*commands["ruff"], "check", "--select", "S", "--no-cache", "--output-format", "json"]
            bench.record("ruff", "cold", [*command, str(target)], target)

    summaries = bench.summaries()
    by_label = {summary.label: summary for summary in summaries}
    fill, warm, cold = by_label.get("bek fill"), by_label.get("bek warm"), by_label.get("bek cold")
    # A fill run much faster than the cold run found a cache left over from somewhere.
    if (
        fill
        and warm
        and cold
        and fill.wall_seconds < 2 * warm.wall_seconds
        and cold.wall_seconds > 4 * warm.wall_seconds
    ):
        bench.notes.append(
            "the fill run was about as fast as the warm run: bek's cache was probably not empty"
        )
    checks = check_targets(summaries)
    report = {
        "target": str(target),
        "python_files": files,
        "python_lines": lines,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "repeat": arguments.repeat,
        "versions": {
            tool: tool_version(commands[tool], bek_env if tool == "bek" else None) for tool in selected
        },
        "runs": [{**asdict(summary), "label": summary.label} for summary in summaries],
        "targets": [asdict(check) for check in checks],
        "notes": bench.notes,
    }
    if arguments.json:
        print(json.dumps(report, indent=2))
    else:
        print(render_table(report, summaries, checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())

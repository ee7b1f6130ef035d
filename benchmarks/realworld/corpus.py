#!/usr/bin/env python3
"""Precision on released applications: gate pinned PyPI sdists and join every finding with its triage.

Each package below is downloaded once (from PyPI's simple index, checked
against its pinned SHA-256), extracted and prepared as a checkout, then gated
with ``bek gate --checklist all --format json --no-cache --min-confidence low``.
Every finding is looked up in ``labels.csv`` by (package, rule, path, source
line); the script prints, per rule, how many findings bek shows at default
settings, how many were confirmed real, how many were false alarms, how many
are not triaged yet, and the precision (real / triaged); then how many less
certain findings the rule keeps back by default and how many of those are
real. It also prints bek's and bandit's wall time per tree.

    python benchmarks/realworld/corpus.py                      # every package
    python benchmarks/realworld/corpus.py --packages datasette,mailman
    python benchmarks/realworld/corpus.py --untriaged new.csv  # rows to triage
    python benchmarks/realworld/corpus.py --strict             # exit 1 below 90% or untriaged

Exit status: 0 (with ``--strict``: 1 when a rule is below 90% precision or a
finding is untriaged); 1 when a package cannot be fetched; 2 on a usage error.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The shared helpers sit one directory up.
from trees import (
    HERE as BENCHMARKS,
)
from trees import (
    READY_MARKER,
    bek_command,
    extract_archive,
    find_tool,
    measure,
    prepare_checkout,
    progress,
    python_files,
    tool_version,
)

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels.csv"
DEFAULT_CACHE_DIR = BENCHMARKS / ".cache" / "realworld"
SIMPLE_INDEX = "https://pypi.org/simple"
LABEL_FIELDS = ("package", "rule", "path", "line", "verdict", "reason")
VERDICTS = ("real", "false")
PRECISION_TARGET = 0.9
CONFIDENCES = ("high", "medium", "low")


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    filename: str
    sha256: str
    kind: str  # what it is, for the table


# Released backends of different frameworks and SQL-heavy libraries, pinned.
PACKAGES = (
    Package(
        "apache-superset",
        "6.1.0",
        "apache_superset-6.1.0.tar.gz",
        "56976e5773864f906e30a689dec2641e554286e8be860ecc1e3d4ff5ff6b2e32",
        "Flask, SQLAlchemy, many database engines",
    ),
    Package(
        "pretix",
        "2026.8.0",
        "pretix-2026.8.0.tar.gz",
        "97c46dab676f8c29461c81dce90c6fb7812b29fe9181f8d1288a32f36e11cc64",
        "Django, payments",
    ),
    Package(
        "weblate",
        "5.14.3",
        "weblate-5.14.3.tar.gz",
        "dad4e9b6cfeec250db80c9c0fcfcb967fb8d21581231bd74ac7020f55290d3fa",
        "Django, PostgreSQL",
    ),
    Package(
        "label-studio",
        "1.23.2",
        "label_studio-1.23.2.tar.gz",
        "9042672d30e7732f260f4de0ce751135d5da1c1e3ea67ed90dfd4af2056d6ac8",
        "Django REST framework",
    ),
    Package(
        "changedetection-io",
        "0.60.10",
        "changedetection_io-0.60.10.tar.gz",
        "f0d524c8162b6694811cb88da13416b93ce1cc0dd108ca47fd50c1edbae2a28d",
        "Flask, outbound HTTP",
    ),
    Package(
        "open-webui",
        "0.12.4",
        "open_webui-0.12.4.tar.gz",
        "04bff683181768a4c0ab32cd7b4f208f512622fe0066b4e5df22a05a96ac4628",
        "FastAPI, SQLAlchemy",
    ),
    Package(
        "mlflow",
        "3.18.0",
        "mlflow-3.18.0.tar.gz",
        "04e912d5b154b417c5930ba47ef3dc2f74738fb3ba93e3d70499955ec8884540",
        "Flask/FastAPI, SQLAlchemy",
    ),
    Package(
        "mailman",
        "3.3.10",
        "mailman-3.3.10.tar.gz",
        "0de478fcf326f25d931938c3744e61c5cd67596b46e5b1e3bb2abf99d5445632",
        "Falcon REST API, SQLAlchemy",
    ),
    Package(
        "flask-appbuilder",
        "5.3.0",
        "flask_appbuilder-5.3.0.tar.gz",
        "baf645c3c150471c6660049cdb61a1e79f318b63524531f890d42f406f5d5596",
        "Flask, SQLAlchemy",
    ),
    Package(
        "datasette",
        "0.65.5",
        "datasette-0.65.5.tar.gz",
        "8d16ab1bf9a2753089cd3cb079045885d440f11267973e89e08e7fecf555264a",
        "ASGI, raw SQLite",
    ),
    Package(
        "sqlite-utils",
        "4.2.1",
        "sqlite_utils-4.2.1.tar.gz",
        "76114b6a5414714e6c70e5fa5c4781b301b590f6951b5da39c8cc60c21382ba1",
        "raw DB-API (SQLite)",
    ),
)
PACKAGE_NAMES = tuple(package.name for package in PACKAGES)


# -- fetching -----------------------------------------------------------------


def _download_url(package: Package) -> str:
    """The file's URL, from the index's JSON listing (PEP 691)."""
    request = urllib.request.Request(
        f"{SIMPLE_INDEX}/{package.name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        listing = json.load(response)
    for entry in listing.get("files", []):
        if entry.get("filename") == package.filename:
            return str(entry["url"])
    raise RuntimeError(f"{SIMPLE_INDEX}/{package.name}/ does not list {package.filename}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(package: Package, cache_dir: Path) -> Path:
    """The prepared tree of ``package``: downloaded, verified, extracted and committed once."""
    root = cache_dir / "trees" / f"{package.name}-{package.version}"
    if (root / READY_MARKER).is_file():
        return root
    archive = cache_dir / "downloads" / package.filename
    if not archive.is_file() or _sha256(archive) != package.sha256:
        archive.parent.mkdir(parents=True, exist_ok=True)
        url = _download_url(package)
        progress(f"downloading {package.filename} ...")
        partial = archive.with_name(archive.name + ".part")
        with urllib.request.urlopen(url, timeout=600) as response, partial.open("wb") as stream:
            while block := response.read(1 << 20):
                stream.write(block)
        found = _sha256(partial)
        if found != package.sha256:
            partial.unlink()
            raise RuntimeError(f"{package.filename}: SHA-256 {found} is not the pinned {package.sha256}")
        partial.replace(archive)
    progress(f"extracting {package.filename} ...")
    extract_archive(archive, root)
    prepare_checkout(root, f"{package.name} {package.version} sdist", "benchmarks/realworld/corpus.py")
    (root / READY_MARKER).write_text(f"{package.name} {package.version}\n", encoding="utf-8")
    return root


# -- labels -------------------------------------------------------------------


def normalise_line(text: str) -> str:
    """A finding's first source line, as labels.csv keys it: whitespace collapsed."""
    first = text.split("\n", 1)[0]
    return " ".join(first.split())


Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class Label:
    verdict: str
    reason: str


def load_labels(path: Path) -> dict[Key, Label]:
    labels: dict[Key, Label] = {}
    if not path.is_file():
        return labels
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        if tuple(reader.fieldnames or ()) != LABEL_FIELDS:
            raise SystemExit(f"{path}: the header must be {','.join(LABEL_FIELDS)}")
        for number, row in enumerate(reader, start=2):
            if row["verdict"] not in VERDICTS:
                raise SystemExit(
                    f"{path}:{number}: verdict must be one of {VERDICTS}, got {row['verdict']!r}"
                )
            if not row["reason"].strip():
                raise SystemExit(f"{path}:{number}: every label needs a one-line reason")
            key = (row["package"], row["rule"], row["path"], normalise_line(row["line"]))
            labels[key] = Label(row["verdict"], row["reason"].strip())
    return labels


# -- gating -------------------------------------------------------------------


@dataclass
class Finding:
    package: str
    rule: str
    path: str
    line_number: int
    line: str
    message: str
    confidence: str
    shown: bool = True  # reported at default settings, not held back as less certain
    label: Label | None = None

    @property
    def key(self) -> Key:
        return (self.package, self.rule, self.path, self.line)


@dataclass
class TreeRun:
    package: Package
    files: int
    lines: int
    bek_seconds: float
    bek_exit: int
    bandit_seconds: float | None
    findings: list[Finding] = field(default_factory=list)
    test_files: int | None = None
    rules: list[str] = field(default_factory=list)  # every rule that ran, findings or not

    @property
    def shown(self) -> int:
        return sum(finding.shown for finding in self.findings)

    @property
    def held_back(self) -> int:
        return len(self.findings) - self.shown


def gate(package: Package, root: Path, bek: list[str], env: dict[str, str] | None) -> tuple[float, int, dict]:
    # Every finding, however uncertain, so one run scores both what bek shows and what it holds back.
    command = [
        *bek,
        "gate",
        "--checklist",
        "all",
        "--format",
        "json",
        "--no-cache",
        "--min-confidence",
        "low",
        ".",
    ]
    result = measure(command, root, env)
    if result.exit_code not in (0, 1):
        tail = result.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"bek exited {result.exit_code} on {package.name}: {' / '.join(tail)}")
    return result.wall_seconds, result.exit_code, json.loads(result.stdout)


def run_tree(
    package: Package,
    root: Path,
    bek: list[str],
    env: dict[str, str] | None,
    bandit: list[str] | None,
    labels: dict[Key, Label],
    min_confidence: str | None = None,
) -> TreeRun:
    files, lines = python_files(root)
    progress(f"{package.name} {package.version}: {files:,} files, {lines:,} lines")
    seconds, exit_code, report = gate(package, root, bek, env)
    bandit_seconds = None
    if bandit is not None:
        bandit_seconds = measure([*bandit, "-r", "-q", "-f", "json", "."], root).wall_seconds
    run = TreeRun(package, files, lines, seconds, exit_code, bandit_seconds)
    run.test_files = report.get("testFiles")
    run.rules = [rule["id"] for rule in report["rules"]]
    floors = {rule["id"]: min_confidence or rule["defaultMinConfidence"] for rule in report["rules"]}
    for item in report["findings"]:
        if item.get("suppressed"):
            continue  # the project's own ``# bek: ignore`` said so
        finding = Finding(
            package=package.name,
            rule=item["ruleId"],
            path=item["path"],
            line_number=item["location"]["line"],
            line=normalise_line(item.get("snippet") or ""),
            message=item["message"],
            confidence=item["confidence"],
        )
        finding.shown = CONFIDENCES.index(finding.confidence) <= CONFIDENCES.index(floors[finding.rule])
        finding.label = labels.get(finding.key)
        run.findings.append(finding)
    return run


# -- the table ----------------------------------------------------------------


@dataclass
class Tally:
    findings: int = 0
    real: int = 0
    false: int = 0

    @property
    def untriaged(self) -> int:
        return self.findings - self.real - self.false

    @property
    def precision(self) -> float | None:
        triaged = self.real + self.false
        return self.real / triaged if triaged else None

    def add(self, finding: Finding) -> None:
        self.findings += 1
        if finding.label is not None:
            self.real += finding.label.verdict == "real"
            self.false += finding.label.verdict == "false"


@dataclass
class RuleScore:
    shown: Tally = field(default_factory=Tally)  # what bek reports at default settings
    held_back: Tally = field(default_factory=Tally)  # less certain than the rule reports by default

    @property
    def untriaged(self) -> int:
        return self.shown.untriaged + self.held_back.untriaged


def score(runs: list[TreeRun]) -> dict[str, RuleScore]:
    # A rule with no findings is listed too: silence on a million lines is a result.
    scores: dict[str, RuleScore] = {rule: RuleScore() for run in runs for rule in run.rules}
    for run in runs:
        for finding in run.findings:
            entry = scores.setdefault(finding.rule, RuleScore())
            (entry.shown if finding.shown else entry.held_back).add(finding)
    return dict(sorted(scores.items()))


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def render(runs: list[TreeRun], scores: dict[str, RuleScore]) -> str:
    lines = [
        "| rule | findings | real | false | untriaged | precision | less certain, not shown | of which real |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rule, entry in scores.items():
        shown, held_back = entry.shown, entry.held_back
        lines.append(
            f"| {rule} | {shown.findings} | {shown.real} | {shown.false} | {entry.untriaged} "
            f"| {percent(shown.precision)} | {held_back.findings} | {held_back.real} |"
        )
    lines += [
        "",
        "| package | version | files | lines | findings | less certain, not shown | bek s | bandit s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        bandit = "-" if run.bandit_seconds is None else f"{run.bandit_seconds:.1f}"
        lines.append(
            f"| {run.package.name} | {run.package.version} | {run.files:,} | {run.lines:,} "
            f"| {run.shown} | {run.held_back} | {run.bek_seconds:.1f} | {bandit} |"
        )
    bek_total = sum(run.bek_seconds for run in runs)
    bandit_runs = [run.bandit_seconds for run in runs if run.bandit_seconds is not None]
    bandit_total = f"{sum(bandit_runs):.1f}" if len(bandit_runs) == len(runs) else "-"
    lines.append(
        f"| all | | {sum(run.files for run in runs):,} | {sum(run.lines for run in runs):,} "
        f"| {sum(run.shown for run in runs)} | {sum(run.held_back for run in runs)} "
        f"| {bek_total:.1f} | {bandit_total} |"
    )
    return "\n".join(lines)


def write_untriaged(runs: list[TreeRun], path: Path) -> int:
    """Rows for labels.csv, verdict and reason empty, plus the message to help whoever triages."""
    rows = [finding for run in runs for finding in run.findings if finding.label is None]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([*LABEL_FIELDS, "line_number", "confidence", "message"])
        for finding in rows:
            writer.writerow(
                [
                    finding.package,
                    finding.rule,
                    finding.path,
                    finding.line,
                    "",
                    "",
                    finding.line_number,
                    finding.confidence,
                    finding.message,
                ]
            )
    return len(rows)


def stale_labels(runs: list[TreeRun], labels: dict[Key, Label]) -> list[Key]:
    """Labels of the packages that ran that no finding matched (the code or the rule changed)."""
    ran = {run.package.name for run in runs}
    matched = {finding.key for run in runs for finding in run.findings}
    return sorted(key for key in labels if key[0] in ran and key not in matched)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--packages", help=f"comma-separated subset of: {', '.join(PACKAGE_NAMES)}")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="downloads and trees")
    parser.add_argument("--labels", type=Path, default=LABELS, help="the triage file (default: labels.csv)")
    parser.add_argument(
        "--min-confidence",
        choices=("high", "medium", "low"),
        help="score as if bek reported down to this confidence (default: each rule's own)",
    )
    parser.add_argument("--no-bandit", action="store_true", help="do not time bandit")
    parser.add_argument("--untriaged", type=Path, help="write the untriaged findings to this CSV file")
    parser.add_argument("--details", action="store_true", help="list every false alarm and untriaged finding")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 below 90%% precision or when untriaged")
    arguments = parser.parse_args(argv)
    if arguments.packages:
        wanted = [name.strip() for name in arguments.packages.split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(PACKAGE_NAMES))
        if unknown:
            parser.error(f"--packages: unknown {', '.join(unknown)}; choose from {', '.join(PACKAGE_NAMES)}")
        arguments.selected = [package for package in PACKAGES if package.name in wanted]
    else:
        arguments.selected = list(PACKAGES)
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    labels = load_labels(arguments.labels)
    bek, env = bek_command()
    if bek is None:
        progress("error: bek is not installed and this is not a bek checkout")
        return 2
    bandit = None if arguments.no_bandit else find_tool("bandit", "bandit")
    if bandit is None and not arguments.no_bandit:
        progress("note: bandit is not installed; its times are left out (pip install bandit)")
    runs = []
    for package in arguments.selected:
        try:
            root = fetch(package, arguments.cache_dir.resolve())
        except (OSError, RuntimeError) as error:
            progress(f"error: could not prepare {package.name} {package.version}: {error}")
            return 1
        runs.append(run_tree(package, root, bek, env, bandit, labels, arguments.min_confidence))
    scores = score(runs)
    stale = stale_labels(runs, labels)
    if arguments.untriaged is not None:
        count = write_untriaged(runs, arguments.untriaged)
        progress(f"{count} untriaged finding(s) written to {arguments.untriaged}")
    if arguments.json:
        print(
            json.dumps(
                {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "bek": tool_version(bek, env),
                    "bandit": tool_version(bandit) if bandit else None,
                    "rules": {
                        rule: {
                            name: {**vars(tally), "untriaged": tally.untriaged, "precision": tally.precision}
                            for name, tally in (("shown", entry.shown), ("held_back", entry.held_back))
                        }
                        for rule, entry in scores.items()
                    },
                    "trees": [
                        {
                            "package": run.package.name,
                            "version": run.package.version,
                            "files": run.files,
                            "lines": run.lines,
                            "findings": run.shown,
                            "held_back": run.held_back,
                            "test_files": run.test_files,
                            "bek_seconds": run.bek_seconds,
                            "bandit_seconds": run.bandit_seconds,
                        }
                        for run in runs
                    ],
                    "stale_labels": len(stale),
                },
                indent=2,
            )
        )
    else:
        print(render(runs, scores))
        print(f"\n{os.cpu_count()} CPUs, Python {platform.python_version()}, {tool_version(bek, env)}")
        if stale:
            print(f"{len(stale)} label(s) matched no finding (code or rule changed): consider pruning them")
        if arguments.details:
            for run in runs:
                for finding in run.findings:
                    if finding.label is None or finding.label.verdict == "false":
                        state = "UNTRIAGED" if finding.label is None else f"false: {finding.label.reason}"
                        print(
                            f"{finding.package}/{finding.path}:{finding.line_number} {finding.rule} [{state}]"
                            f"\n    {finding.line}"
                        )
    if arguments.strict:
        failing = [
            rule
            for rule, entry in scores.items()
            if entry.untriaged
            or (entry.shown.precision is not None and entry.shown.precision < PRECISION_TARGET)
        ]
        if failing:
            progress(f"below target or untriaged: {', '.join(failing)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Adopting the gate on a legacy repository: a baseline of today's findings, and diff mode.

Baseline: ``bek baseline -o .bek-baseline.json`` records each unsuppressed
finding's fingerprint with a count; ``bek gate --baseline FILE`` then marks
findings that match (count-aware) as ``baseline``, so only new ones gate.
Fingerprints hash the normalised source line, not its number, so moving code
or adding lines above a finding keeps it baselined; the occurrence index in
the fingerprint makes a second identical finding in the same file new.

Diff mode: ``--diff-base REF`` keeps only findings on lines added or changed
since the merge base of REF and HEAD (uncommitted changes and untracked
files included), the rule GitHub applies to pull requests.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from bek_gate import __version__
from bek_gate.errors import BekError, ConfigError
from bek_gate.findings import Finding

BASELINE_FORMAT = 1
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def baseline_document(findings: list[Finding]) -> str:
    """The baseline file's text: stable (sorted, no timestamp), so it diffs well in review."""
    counts = Counter(finding.fingerprint for finding in findings if not finding.suppressed)
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.fingerprint, finding)
    entries = [
        {
            "fingerprint": fingerprint,
            "count": counts[fingerprint],
            "rule": first[fingerprint].rule_id,
            "path": first[fingerprint].path,
        }
        for fingerprint in sorted(counts, key=lambda fp: (first[fp].path, first[fp].rule_id, fp))
    ]
    document = {"format": BASELINE_FORMAT, "tool": f"bek {__version__}", "findings": entries}
    return json.dumps(document, indent=2) + "\n"


def load_baseline(path: Path) -> Counter[str]:
    """Fingerprint counts from a baseline file; a ConfigError names the file and the problem."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: baseline file does not exist (create it with `bek baseline -o {path}`)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: baseline cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: baseline is not valid JSON: {error.msg} (line {error.lineno})") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != BASELINE_FORMAT
        or not isinstance(data.get("findings"), list)
    ):
        raise ConfigError(
            f'{path}: not a bek baseline (expected {{"format": {BASELINE_FORMAT}, "findings": [...]}})'
        )
    counts: Counter[str] = Counter()
    for index, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise ConfigError(f"{path}: findings[{index}]: expected an object with a 'fingerprint' string")
        count = entry.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise ConfigError(f"{path}: findings[{index}].count: expected a positive integer, got {count!r}")
        counts[entry["fingerprint"]] += count
    return counts


def apply_baseline(findings: list[Finding], baseline: Counter[str]) -> list[Finding]:
    """Findings in the baseline marked ``baseline``, consuming one count each (in file order)."""
    remaining = Counter(baseline)
    marked = []
    for finding in findings:
        if not finding.suppressed and remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            finding = finding.with_(baseline_state="baseline")
        marked.append(finding)
    return marked


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120, check=False
    )


def changed_lines(root: Path, base: str) -> dict[str, set[int] | None]:
    """Lines added or changed since the merge base of ``base`` and HEAD, by path relative to ``root``.

    ``None`` means the whole file is new (added, or untracked).
    """
    if shutil.which("git") is None:
        raise BekError("--diff-base needs git, which is not installed")
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    if toplevel.returncode != 0:
        raise BekError(f"--diff-base needs a git repository: {root} is not inside one")
    top = Path(toplevel.stdout.strip()).resolve()
    if _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}").returncode != 0:
        raise BekError(
            f"--diff-base: unknown git ref '{base}' (fetch it first, e.g. `git fetch origin {base}`)"
        )
    merge_base = _git(root, "merge-base", base, "HEAD")
    if merge_base.returncode != 0:
        raise BekError(f"--diff-base: '{base}' and HEAD have no common ancestor")
    diff = _git(
        root,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        merge_base.stdout.strip(),
        "--",
        ".",
    )
    if diff.returncode != 0:
        raise BekError(f"--diff-base: git diff failed: {diff.stderr.strip()}")
    changed: dict[str, set[int] | None] = {}
    for path, lines in _parse_diff(diff.stdout).items():
        changed[_relative(top / path, root)] = lines
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--full-name", "-z")
    for name in untracked.stdout.split("\0"):
        if name:
            changed[_relative(top / name, root)] = None
    return changed


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _parse_diff(text: str) -> dict[str, set[int] | None]:
    """New-side line numbers of every hunk, per file (``None`` for a file that did not exist)."""
    result: dict[str, set[int] | None] = {}
    current: str | None = None
    new_file = False
    for line in text.splitlines():
        if line.startswith("diff --git "):
            current, new_file = None, False
        elif line.startswith("new file mode"):
            new_file = True
        elif line.startswith("+++ "):
            target = line[4:]
            current = target[2:] if target.startswith("b/") else None  # "/dev/null": deleted
            if current is not None:
                result[current] = None if new_file else set()
        elif line.startswith("@@") and current is not None and result[current] is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or 1)
                result[current].update(range(start, start + count))  # type: ignore[union-attr]
    return result


def apply_diff(findings: list[Finding], changed: dict[str, set[int] | None]) -> list[Finding]:
    """Findings outside the changed lines marked ``baseline``: only the diff gates."""
    marked = []
    for finding in findings:
        lines = changed.get(finding.path, set())
        touched = lines is None or any(
            line in lines for line in range(finding.location.line, finding.location.end_line + 1)
        )
        marked.append(finding if touched else finding.with_(baseline_state="baseline"))
    return marked

#!/usr/bin/env python
"""Score bek's rules against the held-out corpus.

Usage:  python tests/heldout/score.py [--rule RULE_ID ...] [--json] [--in-place] [-v]

Each directory tests/heldout/<rule_id_with_underscores>/ holds realistic modules for one rule.
A line whose comment contains ``# expect: <rule-id>`` must be reported by that rule, on that
line; every other finding of that rule in that directory is a false positive.  A comment
``# ambiguous: <why>`` marks a judgement call (with or without an ``expect``); the scorer
reports precision/recall both with and without those lines.

Only the directory's own rule is scored there (other rules may well fire on the same code).
The real CLI is run (``bek gate --checklist all --min-confidence low --format json --no-cache``:
every confidence, since these modules judge what a rule can find; what it reports by default is
judged on released applications, in benchmarks/realworld/) on a temporary copy
of the directory, so that the repository's own configuration, baseline or excludes cannot hide
or add findings; ``--in-place`` runs it on the directory itself instead.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPECT_RE = re.compile(r"#\s*expect:\s*([a-z0-9][a-z0-9,\s-]*)")
AMBIGUOUS_RE = re.compile(r"#\s*ambiguous:\s*(.*)")


@dataclass
class LineInfo:
    expected: set[str] = field(default_factory=set)
    ambiguous: str | None = None


@dataclass
class RuleScore:
    rule: str
    directory: Path
    tp: list[tuple[str, int]] = field(default_factory=list)
    fn: list[tuple[str, int]] = field(default_factory=list)
    fp: list[tuple[str, int, str]] = field(default_factory=list)
    ambiguous: set[tuple[str, int]] = field(default_factory=set)
    files: int = 0
    notices: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(num: int, den: int) -> float | None:
        return None if den == 0 else num / den

    def counts(self, drop_ambiguous: bool = False) -> dict[str, object]:
        keep = (lambda key: key not in self.ambiguous) if drop_ambiguous else (lambda key: True)
        tp = sum(1 for k in self.tp if keep(k))
        fn = sum(1 for k in self.fn if keep(k))
        fp = sum(1 for (p, l, _m) in self.fp if keep((p, l)))
        return {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": self._ratio(tp, tp + fp),
            "recall": self._ratio(tp, tp + fn),
        }


def rule_dirs() -> dict[str, Path]:
    found = {}
    for child in sorted(HERE.iterdir()):
        if child.is_dir() and not child.name.startswith((".", "_")) and any(child.glob("*.py")):
            found[child.name.replace("_", "-")] = child
    return found


def comments_by_line(path: Path) -> dict[int, str]:
    """Comment text per line, read with tokenize so that '# expect:' inside strings is ignored."""
    out: dict[int, str] = {}
    source = path.read_text(encoding="utf-8")
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = out.get(tok.start[0], "") + " " + tok.string
    return out


def markers(directory: Path) -> dict[tuple[str, int], LineInfo]:
    result: dict[tuple[str, int], LineInfo] = {}
    for path in sorted(directory.rglob("*.py")):
        rel = path.relative_to(directory).as_posix()
        for line, text in comments_by_line(path).items():
            info = LineInfo()
            m = EXPECT_RE.search(text)
            if m:
                info.expected = {r.strip() for r in m.group(1).split(",") if r.strip()}
            a = AMBIGUOUS_RE.search(text)
            if a:
                info.ambiguous = a.group(1).strip()
            if info.expected or info.ambiguous is not None:
                result[(rel, line)] = info
    return result


def bek_command() -> list[str]:
    exe = shutil.which("bek")
    if exe is None:
        candidate = Path(sys.executable).with_name("bek")
        if candidate.exists():
            exe = str(candidate)
    if exe is None:
        sys.exit("score.py: cannot find the `bek` executable (activate the venv first)")
    return [exe]


def run_bek(directory: Path, in_place: bool) -> dict:
    def invoke(target: Path) -> dict:
        cmd = bek_command() + [
            "gate",
            "--checklist",
            "all",
            "--min-confidence",
            "low",
            "--format",
            "json",
            "--no-cache",
            "--quiet",
            str(target),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=target)
        if proc.returncode not in (0, 1):
            sys.exit(
                f"score.py: `{' '.join(cmd)}` exited with {proc.returncode}\n"
                f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
            )
        return json.loads(proc.stdout)

    if in_place:
        return invoke(directory)
    with tempfile.TemporaryDirectory(prefix="bek-heldout-") as tmp:
        target = Path(tmp) / directory.name
        shutil.copytree(directory, target)
        return invoke(target)


def score_rule(rule: str, directory: Path, in_place: bool) -> RuleScore:
    score = RuleScore(rule=rule, directory=directory)
    marks = markers(directory)
    expected = {key for key, info in marks.items() if rule in info.expected}
    score.ambiguous = {key for key, info in marks.items() if info.ambiguous is not None}
    report = run_bek(directory, in_place)
    score.files = report.get("filesChecked", 0)
    for notice in report.get("notices", []):
        score.notices.append(notice if isinstance(notice, str) else json.dumps(notice))
    seen: set[tuple[str, int]] = set()
    for finding in report.get("findings", []):
        if finding.get("ruleId") == "parse-error":
            score.notices.append(f"parse-error: {finding.get('path')}: {finding.get('message')}")
        if finding.get("ruleId") != rule:
            continue
        key = (Path(finding["path"]).as_posix(), int(finding["location"]["line"]))
        message = finding.get("message", "")
        if finding.get("suppressed"):
            message += " [suppressed]"
        if key in expected and key not in seen:
            score.tp.append(key)
            seen.add(key)
        elif key in seen:
            score.fp.append((key[0], key[1], "DUPLICATE: " + message))
        else:
            score.fp.append((key[0], key[1], message))
    score.fn = sorted(expected - seen)
    score.tp.sort()
    score.fp.sort()
    return score


def source_line(directory: Path, rel: str, line: int) -> str:
    try:
        text = (directory / rel).read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, IndexError):
        return ""
    return re.sub(r"\s*#\s*(expect|ambiguous):.*$", "", text).strip()


def fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.1%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rule", action="append", help="score only this rule id (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--in-place", action="store_true", help="run bek on tests/heldout/<rule> directly")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list the true positives")
    args = parser.parse_args(argv)

    dirs = rule_dirs()
    wanted = args.rule or list(dirs)
    unknown = [r for r in wanted if r not in dirs]
    if unknown:
        parser.error(f"no corpus directory for {', '.join(unknown)} (have: {', '.join(dirs)})")

    scores = [score_rule(rule, dirs[rule], args.in_place) for rule in wanted]

    if args.json:
        payload = []
        for s in scores:
            payload.append(
                {
                    "rule": s.rule,
                    "files": s.files,
                    "all": s.counts(),
                    "unambiguous": s.counts(drop_ambiguous=True),
                    "misses": [
                        {"path": p, "line": l, "ambiguous": (p, l) in s.ambiguous, "code": source_line(s.directory, p, l)}
                        for p, l in s.fn
                    ],
                    "falsePositives": [
                        {"path": p, "line": l, "ambiguous": (p, l) in s.ambiguous, "message": m}
                        for p, l, m in s.fp
                    ],
                    "notices": s.notices,
                }
            )
        print(json.dumps(payload, indent=2))
        return 0

    print(f"{'rule':<26} {'files':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}   (without ambiguous lines)")
    for s in scores:
        c, u = s.counts(), s.counts(drop_ambiguous=True)
        print(
            f"{s.rule:<26} {s.files:>5} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {fmt(c['precision']):>9} {fmt(c['recall']):>7}"
            f"   (TP {u['tp']} FP {u['fp']} FN {u['fn']}, P {fmt(u['precision']).strip()}, R {fmt(u['recall']).strip()})"
        )
    for s in scores:
        rel_dir = s.directory.relative_to(HERE.parent.parent) if s.directory.is_relative_to(HERE.parent.parent) else s.directory
        print(f"\n== {s.rule} ({rel_dir})")
        for note in s.notices:
            print(f"  NOTICE {note}")
        print(f"  misses ({len(s.fn)}):")
        for p, l in s.fn:
            tag = "  [ambiguous]" if (p, l) in s.ambiguous else ""
            print(f"    {p}:{l}{tag}  {source_line(s.directory, p, l)}")
        print(f"  false positives ({len(s.fp)}):")
        for p, l, m in s.fp:
            tag = "  [ambiguous]" if (p, l) in s.ambiguous else ""
            print(f"    {p}:{l}{tag}  {source_line(s.directory, p, l)}\n        -> {m}")
        if args.verbose:
            print(f"  true positives ({len(s.tp)}):")
            for p, l in s.tp:
                print(f"    {p}:{l}  {source_line(s.directory, p, l)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

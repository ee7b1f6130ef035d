"""Adopting the gate on a legacy repository: baselines, diff mode, unused suppressions."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bek_gate.baseline import (
    SOURCE_LIMIT,
    MissingHistoryError,
    _parse_diff,
    _refspec_maps,
    apply_baseline,
    baseline_document,
    changed_lines,
    load_baseline,
)
from bek_gate.findings import Finding, Location
from tests.e2e.conftest import bek

LEGACY = """import requests


def fetch(url):
    return requests.get(url)
"""


def _project(tmp_path: Path, code: str = LEGACY) -> Path:
    project = tmp_path / "legacy"
    project.mkdir()
    (project / "client.py").write_text(code, encoding="utf-8")
    (project / "bek.toml").write_text('checklists = ["checklist-reliability-review"]\nfail-on = "medium"\n')
    return project


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


def test_baselined_findings_do_not_gate_but_new_ones_do(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert bek("gate", "--no-cache", cwd=project).exit_code == 1
    written = bek("baseline", "-o", ".bek-baseline.json", "--no-cache", cwd=project)
    assert written.exit_code == 0, written.stderr
    document = json.loads((project / ".bek-baseline.json").read_text())
    assert document["format"] == 1 and [entry["rule"] for entry in document["findings"]] == [
        "missing-timeout"
    ]

    passed = bek("gate", "--baseline", ".bek-baseline.json", "--format", "json", "--no-cache", cwd=project)
    assert passed.exit_code == 0, passed.stdout
    assert [finding["baselineState"] for finding in passed.json()["findings"]] == ["baseline"]

    # Unrelated lines above, and the function moved: still baselined.
    moved = (
        "import requests\nimport os\n\nTIMEOUT = 5\n\n\ndef other():\n    return os.getcwd()\n\n\n"
        + LEGACY.split("\n", 2)[2]
    )
    (project / "client.py").write_text(moved, encoding="utf-8")
    assert bek("gate", "--baseline", ".bek-baseline.json", "--no-cache", cwd=project).exit_code == 0

    # A second identical finding in the same file is new.
    (project / "client.py").write_text(moved + "\n\ndef fetch_again(url):\n    return requests.get(url)\n")
    run = bek("gate", "--baseline", ".bek-baseline.json", "--format", "sarif", "--no-cache", cwd=project)
    assert run.exit_code == 1
    states = sorted(result["baselineState"] for result in json.loads(run.stdout)["runs"][0]["results"])
    assert states == ["new", "unchanged"]


def test_the_baseline_path_from_config(tmp_path: Path) -> None:
    project = _project(tmp_path)
    bek("baseline", "-o", "ci/baseline.json", "--no-cache", cwd=project)
    config = project / "bek.toml"
    config.write_text(config.read_text() + 'baseline = "ci/baseline.json"\n')
    assert bek("gate", "--no-cache", cwd=project).exit_code == 0


def test_a_missing_or_broken_baseline_is_exit_2(tmp_path: Path) -> None:
    project = _project(tmp_path)
    missing = bek("gate", "--baseline", "nope.json", cwd=project)
    assert missing.exit_code == 2 and "nope.json: baseline file does not exist" in missing.stderr
    (project / "bad.json").write_text("{")
    broken = bek("gate", "--baseline", "bad.json", cwd=project)
    assert broken.exit_code == 2 and "bad.json: baseline is not valid JSON" in broken.stderr


def test_diff_mode_gates_only_changed_lines(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _git(project, "init", "-q", "-b", "main")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "add", ".")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "legacy")
    _git(project, "checkout", "-q", "-b", "feature")
    assert bek("gate", "--diff-base", "main", "--no-cache", cwd=project).exit_code == 0

    (project / "client.py").write_text(LEGACY + "\n\ndef post(url):\n    return requests.post(url)\n")
    (project / "new_module.py").write_text("import requests\nrequests.delete('https://x')\n")
    run = bek("gate", "--diff-base", "main", "--format", "json", "--no-cache", cwd=project)
    assert run.exit_code == 1
    states = {(f["path"], f["location"]["line"]): f["baselineState"] for f in run.json()["findings"]}
    assert states == {("client.py", 5): "baseline", ("client.py", 9): "new", ("new_module.py", 2): "new"}
    text = bek("gate", "--diff-base", "main", "--no-cache", cwd=project).stdout
    assert "1 outside the diff" in text and "in the baseline" not in text, text


def test_diff_mode_errors_are_exit_2(tmp_path: Path) -> None:
    project = _project(tmp_path)
    outside = bek("gate", "--diff-base", "main", cwd=project)
    assert outside.exit_code == 2 and "needs a git repository" in outside.stderr
    _git(project, "init", "-q", "-b", "main")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "add", ".")
    _git(project, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x")
    unknown = bek("gate", "--diff-base", "origin/nowhere", cwd=project)
    assert unknown.exit_code == 2 and "unknown git ref 'origin/nowhere'" in unknown.stderr


def test_diff_parsing_handles_new_deleted_and_modified_files() -> None:
    diff = (
        "diff --git a/a.py b/a.py\nindex 1..2 100644\n--- a/a.py\n+++ b/a.py\n@@ -3,0 +4,2 @@\n+x\n+y\n"
        "@@ -10 +12 @@\n-z\n+w\n"
        "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+q\n"
        "diff --git a/d.py b/d.py\ndeleted file mode 100644\n--- a/d.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-r\n"
    )
    assert _parse_diff(diff) == {"a.py": {4, 5, 12}, "n.py": None}


def test_unused_ignores_are_reported_on_request(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "import requests\n\n\ndef fetch(url):\n"
        "    requests.get(url)  # bek: ignore[missing-timeout]\n"
        "    requests.get(url, timeout=3)  # bek: ignore[missing-timeout]\n"
        "    return 1  # bek: ignore[sql-injection]\n",
    )
    quiet = bek("gate", "--format", "json", "--no-cache", cwd=project)
    assert not [n for n in quiet.json()["notices"] if n["kind"] == "unused-ignore"]
    loud = bek("gate", "--format", "json", "--no-cache", "--report-unused-ignores", cwd=project)
    unused = [(n["line"], n["message"]) for n in loud.json()["notices"] if n["kind"] == "unused-ignore"]
    # Line 7 names a rule the reliability checklist does not run: it may be needed elsewhere.
    assert unused == [(6, "'# bek: ignore[missing-timeout]' suppresses nothing")]


# --- a baseline a reviewer can read ----------------------------------------------------------


def _finding(path: str, line: int, fingerprint: str, **changes: Any) -> Finding:
    values: dict[str, Any] = {
        "rule_id": "missing-timeout",
        "message": "requests.get() has no timeout",
        "path": path,
        "location": Location(line, 12, line, 30),
        "snippet": "    return requests.get(url)\n    # the next line of the statement",
        "fingerprint": fingerprint,
    }
    values.update(changes)
    return Finding(**values)


def test_each_entry_records_where_what_and_the_source_line() -> None:
    findings = [
        _finding("b.py", 3, "fb"),
        _finding("a.py", 9, "fa2", rule_id="sql-injection", message="f-string in execute()"),
        _finding("a.py", 4, "fa1"),
        _finding("a.py", 6, "fs", suppressed_by="# bek: ignore[missing-timeout]"),
    ]
    document = json.loads(baseline_document(findings))
    assert document["format"] == 1, "the new fields are additive: the format number stays"
    assert document["findings"] == [
        {
            "path": "a.py",
            "line": 4,
            "rule": "missing-timeout",
            "message": "requests.get() has no timeout",
            "source": "return requests.get(url)",
            "fingerprint": "fa1",
        },
        {
            "path": "a.py",
            "line": 9,
            "rule": "sql-injection",
            "message": "f-string in execute()",
            "source": "return requests.get(url)",
            "fingerprint": "fa2",
        },
        {
            "path": "b.py",
            "line": 3,
            "rule": "missing-timeout",
            "message": "requests.get() has no timeout",
            "source": "return requests.get(url)",
            "fingerprint": "fb",
        },
    ], "one entry per unsuppressed finding, sorted by path and line, fingerprint last"


def test_the_baseline_text_does_not_depend_on_the_order_findings_arrive_in() -> None:
    findings = [_finding(f"m{index % 3}.py", index, f"fp{index}") for index in range(1, 10)]
    text = baseline_document(findings)
    assert baseline_document(list(reversed(findings))) == text, "the file must be stable across runs"
    assert text.endswith("}\n") and "\n  " in text, "indented JSON with a final newline, for line diffs"


def test_the_source_line_is_bounded_and_invisible_characters_show() -> None:
    long_line = "x = " + "1 + " * 200
    (entry,) = json.loads(baseline_document([_finding("a.py", 1, "f", snippet=long_line)]))["findings"]
    assert len(entry["source"]) == SOURCE_LIMIT and entry["source"].endswith("\u2026")
    trojan = baseline_document([_finding("a.py", 1, "f", snippet='s = "admin\u202e"')])
    assert "\\u202e" in trojan and "\u202e" not in trojan, "a bidi override must be visible in review"


def test_the_baseline_reads_back_as_counts_per_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(baseline_document([_finding("a.py", 4, "fa"), _finding("a.py", 7, "fb")]))
    assert load_baseline(path) == Counter({"fa": 1, "fb": 1})


def test_an_old_baseline_without_the_new_fields_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    old = {
        "format": 1,
        "tool": "bek 0.1.0",
        "findings": [
            {"fingerprint": "fa", "count": 2, "rule": "missing-timeout", "path": "a.py"},
            {"fingerprint": "fb"},
        ],
    }
    path.write_text(json.dumps(old))
    assert load_baseline(path) == Counter({"fa": 2, "fb": 1}), "count is honoured, and 1 when absent"


def test_entries_match_by_fingerprint_whatever_line_they_recorded(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(baseline_document([_finding("a.py", 4, "fa")]))
    moved = _finding("a.py", 40, "fa", message="the message changed too")
    (marked,) = apply_baseline([moved], load_baseline(path))
    assert marked.baseline_state == "baseline", "line and message are informational, not matched"


def test_entries_sharing_a_fingerprint_are_counted() -> None:
    # Only a hand-merged file repeats a fingerprint; each entry is then one occurrence.
    baseline = Counter({"fa": 1})
    first, second = apply_baseline([_finding("a.py", 4, "fa"), _finding("a.py", 9, "fa")], baseline)
    assert (first.baseline_state, second.baseline_state) == ("baseline", "new")


def test_the_cli_writes_a_reviewable_baseline_that_gates(tmp_path: Path) -> None:
    project = _project(tmp_path)
    report = bek("gate", "--format", "json", "--no-cache", cwd=project).json()
    (finding,) = report["findings"]
    written = bek("baseline", "-o", ".bek-baseline.json", "--no-cache", cwd=project)
    assert written.exit_code == 0, written.stderr
    text = (project / ".bek-baseline.json").read_text()
    (entry,) = json.loads(text)["findings"]
    assert entry == {
        "path": "client.py",
        "line": 5,
        "rule": "missing-timeout",
        "message": finding["message"],
        "source": "return requests.get(url)",
        "fingerprint": finding["fingerprint"],
    }, f"the entry must say what the baseline accepts: {entry}"
    again = bek("baseline", "-o", "again.json", "--no-cache", cwd=project)
    assert again.exit_code == 0 and (project / "again.json").read_text() == text, "not deterministic"

    # Lines added above: the recorded line (5) is stale, the fingerprint still matches.
    (project / "client.py").write_text("import os\n\nHOME = os.getcwd()\n" + LEGACY, encoding="utf-8")
    gated = bek("gate", "--baseline", ".bek-baseline.json", "--format", "json", "--no-cache", cwd=project)
    assert gated.exit_code == 0, gated.stdout
    assert [(f["location"]["line"], f["baselineState"]) for f in gated.json()["findings"]] == [
        (8, "baseline")
    ]

    # The same file in the old format (fingerprint, count, rule, path) gates the same way.
    old = {
        "format": 1,
        "tool": "bek 0.1.0",
        "findings": [
            {"fingerprint": entry["fingerprint"], "count": 1, "rule": entry["rule"], "path": "client.py"}
        ],
    }
    (project / "old.json").write_text(json.dumps(old))
    assert bek("gate", "--baseline", "old.json", "--no-cache", cwd=project).exit_code == 0


# --- diff mode in shallow clones: the error names the fetch that works -------------------------

# Commits made by the tests: a fixed identity, and no user or system config (an
# init.defaultBranch or a url.insteadOf of the machine running the tests) to change them.
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bek",
    "GIT_AUTHOR_EMAIL": "bek@example.com",
    "GIT_COMMITTER_NAME": "bek",
    "GIT_COMMITTER_EMAIL": "bek@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
POST = "\n\ndef post(url):\n    return requests.post(url)\n"
HINT = re.compile(r"`(git fetch [^`]*)`")


def _sh(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=GIT_ENV, capture_output=True, text=True, timeout=60, check=False)


def _git_ok(cwd: Path, *args: str) -> str:
    done = _sh(cwd, "git", *args)
    assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout.strip()


def _commit(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.write_text((path.read_text() if path.exists() else "") + text, encoding="utf-8")
    _git_ok(repo, "add", "-A")
    _git_ok(repo, "commit", "-q", "-m", f"{name}: {text.strip()[:20]}")


def _origin(tmp_path: Path) -> Path:
    """The remote: the legacy project and two more commits on main, the first one tagged v1."""
    origin = _project(tmp_path)
    _git_ok(origin, "init", "-q", "-b", "main")
    _commit(origin, "client.py", "")
    _commit(origin, "NOTES.md", "one\n")
    _git_ok(origin, "tag", "v1")
    _commit(origin, "NOTES.md", "two\n")
    return origin


def _pull_request_origin(tmp_path: Path) -> Path:
    """A pull request branch ``feature`` (adds a request without timeout); main has moved on since."""
    origin = _origin(tmp_path)
    _git_ok(origin, "checkout", "-q", "-b", "feature")
    _commit(origin, "client.py", POST)
    _git_ok(origin, "checkout", "-q", "main")
    _commit(origin, "NOTES.md", "three\n")
    return origin


def _states(run: Any) -> dict[int, str]:
    assert run.exit_code == 1, f"the gate should run and fail on the new finding: {run.stderr}"
    return {f["location"]["line"]: f["baselineState"] for f in run.json()["findings"]}


def _hint(stderr: str) -> str:
    match = HINT.search(stderr)
    assert match, f"the error should name a git fetch command: {stderr}"
    return match.group(1)


def _run_hint(clone: Path, hint: str) -> None:
    done = _sh(clone, *shlex.split(hint))
    assert done.returncode == 0, f"the suggested `{hint}` failed: {done.stderr}"


def test_a_depth_1_clone_with_a_shallow_base_is_told_to_unshallow(tmp_path: Path) -> None:
    origin = _origin(tmp_path)
    clone = tmp_path / "clone"
    _git_ok(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    _git_ok(clone, "checkout", "-q", "-b", "feature")
    _commit(clone, "client.py", POST)
    gate = ("gate", "--diff-base", "origin/main", "--format", "json", "--no-cache")
    # The one commit the clone has is the merge base: nothing to fetch yet.
    assert _states(bek(*gate, cwd=clone)) == {5: "baseline", 9: "new"}

    # main moves on and the job refreshes it shallowly: origin/main's history now stops
    # before the merge base, and so does HEAD's.
    _commit(origin, "NOTES.md", "three\n")
    _git_ok(clone, "fetch", "-q", "--depth", "1", "origin", "main")
    failed = bek(*gate, cwd=clone)
    assert failed.exit_code == 2, failed.stdout
    assert "no common ancestor in this shallow clone" in failed.stderr, failed.stderr
    hint = _hint(failed.stderr)
    assert hint == "git fetch --unshallow origin main", f"the hint must name the branch: {failed.stderr}"
    _run_hint(clone, hint)
    assert _states(bek(*gate, cwd=clone)) == {5: "baseline", 9: "new"}, "the base should now resolve"


def test_a_clone_of_the_pull_request_branch_is_told_how_to_fetch_the_base(tmp_path: Path) -> None:
    origin = _pull_request_origin(tmp_path)
    clone = tmp_path / "clone"
    _git_ok(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", origin.as_uri(), str(clone))
    gate = ("gate", "--diff-base", "origin/main", "--format", "json", "--no-cache")
    failed = bek(*gate, cwd=clone)
    assert failed.exit_code == 2, failed.stdout
    assert "unknown git ref 'origin/main' in this shallow clone" in failed.stderr, failed.stderr
    hint = _hint(failed.stderr)
    assert hint == "git fetch --unshallow origin main:refs/remotes/origin/main", failed.stderr

    # Why the hint is not shorter: the old one fails outright, and in a single-branch clone
    # (what --depth implies) fetching main by name does not create origin/main.
    assert _sh(clone, "git", "fetch", "origin", "origin/main").returncode != 0, (
        "old hint `origin origin/main`"
    )
    _git_ok(clone, "fetch", "-q", "origin", "main")
    assert _sh(clone, "git", "rev-parse", "--verify", "--quiet", "origin/main").returncode != 0

    _run_hint(clone, hint)
    assert _states(bek(*gate, cwd=clone)) == {5: "baseline", 9: "new"}, "the base should now resolve"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("refs/remotes/origin/main", "git fetch --unshallow origin main:refs/remotes/origin/main"),
        ("origin/main~1", "git fetch --unshallow origin main:refs/remotes/origin/main"),
        ("main", "git fetch --unshallow origin main:main"),
        ("refs/heads/main", "git fetch --unshallow origin refs/heads/main:refs/heads/main"),
        ("refs/tags/v1", "git fetch --unshallow origin tag v1"),
        ("v1", "git fetch --unshallow origin v1:v1"),
        ("SHA", "git fetch --unshallow origin SHA"),
        ("SHORT", "git fetch --unshallow origin"),
        ("HEAD~1", "git fetch --unshallow origin"),
    ],
)
def test_every_kind_of_base_gets_a_fetch_that_works(tmp_path: Path, base: str, expected: str) -> None:
    origin = _pull_request_origin(tmp_path)
    commit = _git_ok(origin, "rev-parse", "v1")  # on main, before the pull request branched
    base, expected = (text.replace("SHA", commit).replace("SHORT", commit[:10]) for text in (base, expected))
    clone = tmp_path / "clone"
    _git_ok(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", origin.as_uri(), str(clone))
    with pytest.raises(MissingHistoryError) as raised:
        changed_lines(clone, base)
    assert raised.value.fetch == expected, raised.value.message
    assert f"`{expected}`" in raised.value.message
    if base == "v1":  # a bare name may be a tag: the message says how to fetch one
        assert "or for a tag `git fetch --unshallow origin tag v1`" in raised.value.message
    _run_hint(clone, expected)
    assert changed_lines(clone, base)["client.py"] == {6, 7, 8, 9}, f"{base} should now resolve"


def test_a_complete_clone_is_not_told_to_unshallow(tmp_path: Path) -> None:
    origin = _pull_request_origin(tmp_path)
    clone = tmp_path / "clone"
    _git_ok(tmp_path, "clone", "-q", "--branch", "feature", origin.as_uri(), str(clone))
    _git_ok(clone, "update-ref", "-d", "refs/remotes/origin/main")
    with pytest.raises(MissingHistoryError) as raised:
        changed_lines(clone, "origin/main")
    assert raised.value.fetch == "git fetch origin main", "the default refspec maps main to origin/main"
    _run_hint(clone, "git fetch origin main")
    assert changed_lines(clone, "origin/main")["client.py"] == {6, 7, 8, 9}

    single = tmp_path / "single"
    _git_ok(tmp_path, "clone", "-q", "--single-branch", "--branch", "feature", origin.as_uri(), str(single))
    with pytest.raises(MissingHistoryError) as raised:
        changed_lines(single, "origin/main")
    assert raised.value.fetch == "git fetch origin main:refs/remotes/origin/main", raised.value.message
    with pytest.raises(MissingHistoryError) as raised:
        changed_lines(single, "deadbee")
    assert "abbreviated commit id" in raised.value.message and raised.value.fetch == "git fetch origin"


@pytest.mark.parametrize(
    ("refspecs", "branch", "expected"),
    [
        (["+refs/heads/*:refs/remotes/origin/*"], "main", True),
        (["+refs/heads/*:refs/remotes/origin/*"], "release/1.2", True),
        (["+refs/heads/feature:refs/remotes/origin/feature"], "main", False),
        (["+refs/heads/main:refs/remotes/origin/main"], "main", True),
        (["+refs/heads/*:refs/remotes/origin/*", "^refs/heads/main"], "main", False),
        (["+refs/heads/*:refs/remotes/mirror/*"], "main", False),
        ([], "main", False),
    ],
)
def test_refspec_mapping(refspecs: list[str], branch: str, expected: bool) -> None:
    assert _refspec_maps(refspecs, branch, f"refs/remotes/origin/{branch}") is expected, refspecs

"""Output for hooks and CI logs: concise lines, one-line item summaries, no attestation noise, and
paths relative to the directory bek runs in (the machine reports keep repository paths)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.conftest import bek

CONCISE_LINE = re.compile(r"^demo-service/orders/\w+\.py:\d+:\d+: [a-z-]+ \((critical|high|medium|low)\) \S")


def test_concise_is_one_line_per_finding_with_paths_from_the_current_directory(demo_copy: Path) -> None:
    sarif_path = demo_copy.parent / "bek.sarif"
    run = bek(
        "gate", "--format", "concise", "--no-cache", "--sarif-output", sarif_path, "demo-service",
        cwd=demo_copy.parent,
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    *findings, verdict = run.stdout.splitlines()
    assert findings and all(CONCISE_LINE.match(line) for line in findings), run.stdout
    assert verdict.startswith("bek: FAILED: ")
    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
    }
    assert uris and all(uri.startswith("orders/") for uri in uris), "SARIF stays repository-relative"
    assert len(sarif["runs"][0]["results"]) == len(findings)


def test_text_summarises_quiet_items_on_one_line_unless_verbose(demo_copy: Path) -> None:
    quiet = bek("gate", "--no-cache", "..", cwd=demo_copy / "orders").stdout.splitlines()
    assert any(line.strip().startswith("app.py:") for line in quiet), (
        "paths from orders/, as a terminal opens them"
    )
    assert not any("orders/app.py" in line for line in quiet)
    assert any(" not automated yet · " in line and line.endswith("(-v lists them)") for line in quiet)
    assert not any("not automated yet (" in line for line in quiet), "no id lists without -v"
    assert not any(line.startswith("checklist  ") for line in quiet), "no status table without -v"
    verbose = bek("gate", "--no-cache", "-v", "..", cwd=demo_copy / "orders").stdout.splitlines()
    assert any("not automated yet (" in line and "(needs " in line for line in verbose)
    assert any(line.startswith("checklist  ") for line in verbose)
    github = bek("gate", "--no-cache", "--format", "github", "..", cwd=demo_copy / "orders").stdout
    assert "::error file=app.py,line=" in github and "file=orders/" not in github


def test_a_passing_github_run_annotates_nothing(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import logging\n\nlogging.getLogger(__name__).info('ready')\n", encoding="utf-8"
    )
    run = bek("gate", "--format", "github", "--no-cache", tmp_path, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert not [line for line in run.stdout.splitlines() if line.startswith("::")], run.stdout
    assert run.stdout.startswith("bek: PASSED: ")

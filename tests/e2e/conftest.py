"""Helpers for end-to-end tests: run the real ``bek`` CLI in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def bek(*args: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m bek_gate`` (the same entry point as the ``bek`` script)."""
    completed = subprocess.run(
        [sys.executable, "-m", "bek_gate", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo service, outside any git repository."""
    target = tmp_path / "demo-service"
    shutil.copytree(FIXTURES / "demo-service", target)
    return target

"""Fixtures for the report tests: gate results made by the real engine on small files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bek_gate.verdict import GateResult
from tests.reports import factory


@pytest.fixture
def rich(tmp_path: Path) -> GateResult:
    return factory.rich_result(tmp_path)


@pytest.fixture
def clean(tmp_path: Path) -> GateResult:
    return factory.clean_result(tmp_path)


@pytest.fixture
def hostile(tmp_path: Path) -> GateResult:
    return factory.hostile_result(tmp_path)

"""Attestations of manual items: loading, validation, states, and what they do to the verdict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bek_gate.attestations import load_attestations, state_of
from bek_gate.errors import ConfigError
from tests.e2e.conftest import bek

TODAY = dt.date(2026, 11, 28)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".bek" / "attestations.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_states_follow_status_and_expiry(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "attestations:\n"
        "  - {item: sec-26, status: done, by: Ana, date: 2026-10-01, expires: 2027-04-01, evidence: https://x}\n"
        "  - {item: sec-27, status: done, by: Ana, date: 2025-01-01, expires: 2025-06-01}\n"
        "  - {item: sec-28, status: not-applicable, by: Bo, date: 2026-01-01, note: no GraphQL here}\n",
    )
    found = load_attestations(path)
    assert state_of("sec-26", found, TODAY).state == "attested"
    assert state_of("sec-26", found, TODAY).describe() == "attested by Ana on 2026-10-01, expires 2027-04-01"
    assert state_of("sec-27", found, TODAY).state == "expired"
    assert state_of("sec-28", found, TODAY).state == "not-applicable"
    assert state_of("sec-29", found, TODAY).state == "unattested"


def test_a_missing_file_means_nothing_is_attested(tmp_path: Path) -> None:
    assert load_attestations(tmp_path / "nope.yaml") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "attestations:\n  - {item: sec-26, status: finished, by: Ana, date: 2026-10-01}\n",
            "attestations[0].status: expected one of done, not-applicable",
        ),
        (
            "attestations:\n  - {item: sec-26, status: done, date: 2026-10-01}\n",
            "attestations[0]: missing required key 'by'",
        ),
        (
            "attestations:\n  - {item: sec-26, status: done, by: Ana, date: yesterday}\n",
            "attestations[0].date:",
        ),
        (
            "attestations:\n  - {item: sec-26, status: done, by: Ana, date: 2026-02-30}\n",
            "day is out of range for month",
        ),
        (
            "attestations:\n  - {item: sec-26, status: done, by: Ana, date: 2026-10-01, sign: x}\n",
            "unknown key",
        ),
        ("attestations: [\n", "invalid YAML"),
        ("!!python/object/apply:os.system ['echo hi']\n", "invalid YAML"),
        (
            "attestations:\n  - {item: sec-26, status: done, by: A, date: 2026-01-01}\n  - {item: sec-26, status: done, by: B, date: 2026-01-02}\n",
            "attested twice",
        ),
    ],
)
def test_invalid_files_name_file_field_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_attestations(path)
    assert raised.value.message.startswith(str(path))
    assert expected in raised.value.message


def test_require_attestations_fails_the_gate_and_reports_say_why(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    _write(tmp_path, "attestations:\n  - {item: rel-11, status: done, by: Ana, date: 2026-10-01}\n")
    relaxed = bek(
        "gate", "-c", "checklist-reliability-review", "--format", "json", "--no-cache", tmp_path, cwd=tmp_path
    )
    assert relaxed.exit_code == 0
    items = {item["id"]: item for item in relaxed.json()["checklists"][0]["items"]}
    assert items["rel-11"]["status"] == "attested"
    assert items["rel-12"]["status"] == "unattested"
    strict = bek(
        "gate",
        "-c",
        "checklist-reliability-review",
        "--require-attestations",
        "--no-cache",
        tmp_path,
        cwd=tmp_path,
    )
    assert strict.exit_code == 1
    assert "not attested (--require-attestations)" in strict.stdout.splitlines()[-1]
    junit = bek(
        "gate",
        "-c",
        "checklist-reliability-review",
        "--format",
        "junit",
        "--no-cache",
        tmp_path,
        cwd=tmp_path,
    )
    assert 'name="rel-11 ' in junit.stdout and "manual check: attested by Ana on 2026-10-01" in junit.stdout


def test_a_broken_attestations_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    _write(tmp_path, "attestations:\n  - {item: rel-11, status: yes}\n")
    run = bek("gate", "-c", "all", "--no-cache", tmp_path, cwd=tmp_path)
    assert run.exit_code == 2
    assert "attestations.yaml: attestations[0]" in run.stderr and "Traceback" not in run.stderr

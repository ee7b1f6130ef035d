"""Attestations: people vouching for manual checklist items (``.bek/attestations.yaml``).

```yaml
attestations:
  - item: sec-26
    status: done            # or not-applicable
    by: Ana Souza
    date: 2026-10-01
    expires: 2027-04-01     # optional; an expired attestation counts as missing
    evidence: https://wiki.example.com/pentest-2026
```
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bek_gate.datafiles import load_yaml
from bek_gate.errors import ConfigError
from bek_gate.resources import schema_path
from bek_gate.validation import first_error

DEFAULT_PATH = Path(".bek") / "attestations.yaml"


@dataclass(frozen=True)
class Attestation:
    item: str
    status: str
    by: str
    date: dt.date
    expires: dt.date | None = None
    evidence: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class AttestationState:
    """Where a manual item stands: ``attested``, ``expired``, ``unattested`` or ``not-applicable``."""

    state: str
    attestation: Attestation | None = None

    @property
    def satisfied(self) -> bool:
        return self.state in ("attested", "not-applicable")

    def describe(self) -> str:
        found = self.attestation
        if found is None:
            return "not attested"
        expiry = f", expires {found.expires.isoformat()}" if found.expires else ""
        if self.state == "expired":
            return f"attestation expired on {found.expires.isoformat() if found.expires else '?'} (by {found.by})"
        if self.state == "not-applicable":
            return f"not applicable (by {found.by} on {found.date.isoformat()}{expiry})"
        return f"attested by {found.by} on {found.date.isoformat()}{expiry}"


@cache
def _schema() -> dict[str, Any]:
    return json.loads(schema_path("attestations.schema.json").read_text(encoding="utf-8"))


def _as_text(value: Any) -> Any:
    # YAML reads 2026-10-01 as a date; the schema checks the ISO text.
    return value.isoformat() if isinstance(value, dt.date) else value


def load_attestations(path: Path) -> dict[str, Attestation]:
    """The attestations of ``path`` by item id (none when the file does not exist)."""
    if not path.exists():
        return {}
    data = load_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("attestations"), list):
        data = {
            **data,
            "attestations": [
                {key: _as_text(value) for key, value in entry.items()} if isinstance(entry, dict) else entry
                for entry in data["attestations"]
            ],
        }
    problem = first_error(data, _schema())
    if problem is not None:
        raise ConfigError(f"{path}: {problem}")
    found: dict[str, Attestation] = {}
    for index, entry in enumerate(data["attestations"]):
        try:
            date = dt.date.fromisoformat(entry["date"])
            expires = dt.date.fromisoformat(entry["expires"]) if "expires" in entry else None
        except ValueError as error:
            raise ConfigError(f"{path}: attestations[{index}]: invalid date: {error}") from None
        if entry["item"] in found:
            raise ConfigError(f"{path}: attestations[{index}]: item {entry['item']} is attested twice")
        found[entry["item"]] = Attestation(
            item=entry["item"],
            status=entry["status"],
            by=entry["by"],
            date=date,
            expires=expires,
            evidence=entry.get("evidence"),
            note=entry.get("note"),
        )
    return found


def state_of(item_id: str, attestations: dict[str, Attestation], today: dt.date) -> AttestationState:
    found = attestations.get(item_id)
    if found is None:
        return AttestationState("unattested")
    if found.expires is not None and found.expires < today:
        return AttestationState("expired", found)
    return AttestationState("attested" if found.status == "done" else "not-applicable", found)

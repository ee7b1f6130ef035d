"""Per-file results cached by content hash, under a key for the rule set and its options.

A warm run (nothing changed) reads each file only to hash it and parses
nothing. The cache lives in one JSON file per key inside the cache directory,
which is marked for backup tools (CACHEDIR.TAG) and ignored by git.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bek_gate.findings import FileResult

_FORMAT = 1
_KEEP_FILES = 8


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    """Load once, look up per file, save once at the end (only what this run saw)."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.key = key
        self.path = directory / f"results-{key[:24]}.json"
        self._old: dict[str, Any] = {}
        self._new: dict[str, Any] = {}
        self.hits = 0
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") == _FORMAT and data.get("key") == key:
                self._old = data.get("files", {})

    def get(self, relpath: str, digest: str) -> FileResult | None:
        entry = self._old.get(relpath)
        if entry is None or entry.get("digest") != digest:
            return None
        try:
            result = FileResult.from_cache(relpath, entry["result"])
        except (KeyError, TypeError, ValueError):
            return None
        self._new[relpath] = entry
        self.hits += 1
        return result

    def put(self, relpath: str, digest: str, result: FileResult) -> None:
        if any(notice.kind in ("internal-error", "timeout") for notice in result.notices):
            return  # a crash or timeout may be fixed by the next version: try again next time
        self._new[relpath] = {"digest": digest, "result": result.to_cache()}

    def save(self) -> str | None:
        """Write the cache; returns an error message instead of raising when it cannot."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _mark_cache_dir(self.directory)
            payload = json.dumps(
                {"format": _FORMAT, "key": self.key, "files": self._new}, separators=(",", ":")
            )
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temporary, self.path)
            _prune(self.directory, keep=self.path)
        except OSError as error:
            return f"could not write the cache in {self.directory}: {error.strerror or error}"
        return None


def _mark_cache_dir(directory: Path) -> None:
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# bek's result cache\n", encoding="utf-8"
        )
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")


def _prune(directory: Path, keep: Path) -> None:
    # Old keys (other checklists, older rule versions) are kept a while, not forever.
    files = sorted(directory.glob("results-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in files[_KEEP_FILES:]:
        if stale != keep:
            with contextlib.suppress(OSError):
                stale.unlink()


def cache_key(parts: dict[str, Any]) -> str:
    """A stable key for everything that changes per-file results."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

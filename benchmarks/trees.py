"""What the benchmark scripts share: preparing a downloaded source tree, and measuring a tool on it.

``compare_bandit.py`` (speed against the peers) and ``realworld/corpus.py``
(precision on released applications) both scan extracted sdists as a team
would scan its checkout, and both time child processes the same way.
Standard library only; Unix only (``os.wait4``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BEK_CACHE_NAME = ".bek_cache"
READY_MARKER = ".bek-benchmark-ready"
SKIPPED_DIRS = {".git", ".hg", ".svn", BEK_CACHE_NAME, "__pycache__", ".venv", "venv", "node_modules"}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- measuring one child process ----------------------------------------------


@dataclass
class Measurement:
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    exit_code: int
    stdout: bytes
    stderr: bytes


def _rss_mb(max_rss: int) -> float:
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    return max_rss / (1024 * 1024) if sys.platform == "darwin" else max_rss / 1024


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measurement:
    """Run ``command`` to completion with its output in temporary files, and measure it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        # wait4 (unlike getrusage(RUSAGE_CHILDREN), whose ru_maxrss only ever grows)
        # gives this child's own figures, including the workers it reaped.
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # Ctrl-C: do not leave the tool running
            process.kill()
            process.wait()
            raise
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measurement(
            wall_seconds=wall,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=_rss_mb(usage.ru_maxrss),
            exit_code=process.returncode,
            stdout=out.read(),
            stderr=err.read(),
        )


# -- the tree to scan ---------------------------------------------------------


def extract_archive(archive: Path, root: Path) -> None:
    """Extract an sdist (``.tar.gz`` or ``.zip``, one top-level directory) to ``root``."""
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".extract-") as scratch:
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as package:
                for name in package.namelist():
                    if name.startswith(("/", "..")) or "/../" in name:
                        raise RuntimeError(f"unsafe path in {archive.name}: {name}")
                package.extractall(scratch)  # member paths checked above
        else:
            with tarfile.open(archive) as tar:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(scratch, filter="data")
                else:  # Python without extraction filters: refuse odd member paths ourselves
                    for member in tar.getmembers():
                        if member.name.startswith(("/", "..")) or "/../" in member.name:
                            raise RuntimeError(f"unsafe path in {archive.name}: {member.name}")
                    tar.extractall(scratch)  # member paths checked above
        entries = list(Path(scratch).iterdir())
        if len(entries) != 1 or not entries[0].is_dir():
            raise RuntimeError(f"{archive.name} does not hold one top-level directory")
        entries[0].rename(root)


def prepare_checkout(root: Path, label: str, written_by: str) -> None:
    """Make an extracted tree look like the checkout a team would gate.

    The cache directory is git-ignored by the bek repository around it, and bek
    honours .gitignore through git, so inside that repository every file would
    be hidden from the gate. A repository of its own, with every file
    committed, lists them all, as a real checkout does. A ``bek.toml`` stops
    bek's configuration search here (so the surrounding repository's settings
    never apply) and pins the cache where the benchmark can empty it.
    """
    (root / "bek.toml").write_text(
        f"# Written by {written_by}: the defaults, with the cache in a known place.\n"
        f'cache-dir = "{BEK_CACHE_NAME}"\n',
        encoding="utf-8",
    )
    git = shutil.which("git")
    if git is None:
        progress("note: git is not installed; the tree is scanned as a plain directory")
        return
    identity = [
        "-c",
        "user.name=bek benchmark",
        "-c",
        "user.email=benchmark@invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    quiet = {"check": True, "cwd": root, "stdout": subprocess.DEVNULL}
    subprocess.run([git, "init", "-q"], **quiet)
    (root / ".git" / "info" / "exclude").write_text(f"{BEK_CACHE_NAME}/\n{READY_MARKER}\n", encoding="utf-8")
    subprocess.run([git, "add", "-A"], **quiet)
    subprocess.run([git, *identity, "commit", "-q", "--no-verify", "-m", label], **quiet)


def python_files(root: Path) -> tuple[int, int]:
    """(files, lines) of the Python files under ``root``.

    Reading them also loads them into the page cache, so whichever tool runs
    first does not pay for the disk alone.
    """
    files = lines = 0
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRS)
        for name in names:
            if name.endswith(".py"):
                with contextlib.suppress(OSError):
                    lines += (Path(directory) / name).read_bytes().count(b"\n")
                    files += 1
    return files, lines


# -- the tools ------------------------------------------------------------------


def find_tool(name: str, module: str | None = None) -> list[str] | None:
    """The command that runs ``name``: on PATH, beside this Python, or as ``python -m module``."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return [found]
    if module is not None and importlib.util.find_spec(module) is not None:
        return [sys.executable, "-m", module]
    return None


def source_tree_environment() -> dict[str, str] | None:
    """An environment in which ``python -m bek_gate`` runs this checkout, when bek is not installed."""
    if importlib.util.find_spec("bek_gate") is not None or not (HERE.parent / "bek_gate").is_dir():
        return None
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(HERE.parent), environment.get("PYTHONPATH")])
    )
    return environment


def bek_command() -> tuple[list[str] | None, dict[str, str] | None]:
    """How to run bek here, and the environment it needs: the installed one, else this checkout."""
    bek = find_tool("bek", "bek_gate")
    if bek is not None:
        return bek, None
    environment = source_tree_environment()
    return ([sys.executable, "-m", "bek_gate"] if environment is not None else None), environment


def tool_version(command: list[str], env: dict[str, str] | None = None) -> str | None:
    try:
        completed = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, timeout=60, env=env
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (completed.stdout or completed.stderr).strip().splitlines()
    return lines[0].strip() if completed.returncode == 0 and lines else None

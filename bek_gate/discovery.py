"""Find the Python files to check: git-aware, with excludes, never following links out of the root.

Inside a git work tree the files come from ``git ls-files`` (tracked plus
untracked-but-not-ignored, so ``.gitignore`` is honoured); elsewhere from a
walk that does not follow directory symlinks (so symlink loops cannot trap
it). Virtualenvs, ``node_modules``, build directories and caches are always
skipped. Files that cannot be checked (a symlink leaving the root, a FIFO,
an oversized file) are skipped with a notice, never silently.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from bek_gate.errors import BekError
from bek_gate.findings import Notice

DEFAULT_EXCLUDES = frozenset(
    {
        ".bek_cache",
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".hg",
        ".idea",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pycache__",
        "__pypackages__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)
PYTHON_SUFFIXES = (".py",)


@dataclass
class Discovery:
    root: Path
    files: list[str] = field(default_factory=list)  # POSIX paths relative to root, sorted
    notices: list[Notice] = field(default_factory=list)


class PathPatterns:
    """Path patterns as ``exclude`` and ``test-paths`` take them, matched against a relative path.

    A pattern without ``/`` matches any single path component (``migrations``,
    ``*_pb2.py``); a pattern with ``/`` matches the path from the config's
    directory (``src/legacy/*``, ``tests/fixtures/``), a directory pattern
    matching everything below it.
    """

    def __init__(self, patterns: list[str] | tuple[str, ...]) -> None:
        self.component_patterns = [p.rstrip("/") for p in patterns if "/" not in p.rstrip("/")]
        self.path_patterns = [p.strip("/") for p in patterns if "/" in p.rstrip("/")]
        self.active = bool(patterns)

    def matches(self, relative: PurePosixPath) -> bool:
        parts = relative.parts
        for pattern in self.component_patterns:
            if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
        text = relative.as_posix()
        for pattern in self.path_patterns:
            if fnmatch.fnmatchcase(text, pattern) or fnmatch.fnmatchcase(text, pattern + "/*"):
                return True
        return False


class Excluder:
    """Decides whether a path (relative to the config's directory) is excluded (see ``PathPatterns``)."""

    def __init__(self, patterns: list[str], base: Path) -> None:
        self.bases = list(dict.fromkeys([Path(os.path.abspath(base)), base.resolve()]))
        self.patterns = PathPatterns(patterns)
        self.active = self.patterns.active

    def excluded(self, path: Path) -> bool:
        """``path`` as listed (a symlink is judged by its own name, not its target)."""
        absolute = Path(os.path.abspath(path))
        relative = PurePosixPath(absolute.as_posix())
        for base in self.bases:
            try:
                relative = PurePosixPath(absolute.relative_to(base).as_posix())
                break
            except ValueError:
                continue
        return self.patterns.matches(relative)


DEFAULT_TEST_PATHS = ("tests", "test_*.py", "*_test.py", "conftest.py")


@dataclass(frozen=True)
class TestPaths:
    """Which files are test code (SPEC 5.1): ``test-paths`` patterns, relative to the config's directory.

    ``base`` is that directory as a path relative to the report root (``""``
    when they are the same), so that a worker can decide from a root-relative
    path alone.
    """

    __test__ = False  # not a pytest test class, whatever its name says

    patterns: tuple[str, ...] = DEFAULT_TEST_PATHS
    base: str = ""

    @cached_property
    def _matcher(self) -> PathPatterns:
        return PathPatterns(self.patterns)

    def is_test(self, relpath: str) -> bool:
        path = PurePosixPath(relpath)
        if self.base:
            prefix = PurePosixPath(self.base)
            if not path.is_relative_to(prefix):
                # Outside the config's directory, only patterns that match any component apply.
                return PathPatterns(self._matcher.component_patterns).matches(path)
            path = path.relative_to(prefix)
        return self._matcher.matches(path)


def git_toplevel(directory: Path) -> Path | None:
    """The work tree containing ``directory``, or None (no git, or not a repository)."""
    if shutil.which("git") is None:
        return None
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0 or not completed.stdout.strip():
        return None
    return Path(completed.stdout.strip()).resolve()


def _git_files(directory: Path) -> list[str] | None:
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    names = completed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [os.path.join(directory, name) for name in dict.fromkeys(names) if name]


def _git_ignored(directory: Path) -> bool:
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "check-ignore", "-q", "."],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0


def _walk_files(directory: Path, notices: list[Notice], root: Path) -> list[str]:
    found: list[str] = []

    def on_error(error: OSError) -> None:
        where = _display(os.path.abspath(error.filename or directory), str(root))
        notices.append(Notice("skipped", f"directory could not be read: {error.strerror or error}", where))

    for current, directories, files in os.walk(directory, onerror=on_error, followlinks=False):
        current_path = Path(current)
        directories[:] = sorted(
            name
            for name in directories
            if name not in DEFAULT_EXCLUDES
            and not name.endswith(".egg-info")
            and not (current_path / name / "pyvenv.cfg").exists()
        )
        found.extend(os.path.join(current, name) for name in sorted(files))
    return found


def _display(path: str, root: str) -> str:
    """``path`` relative to ``root`` in POSIX form, or absolute when it lies outside."""
    if path.startswith(root + os.sep):
        path = path[len(root) + 1 :]
    return path.replace(os.sep, "/")


def _inside(real: str, root: str) -> bool:
    """Whether the real path ``real`` is ``root`` or below it (``root`` may be ``/``)."""
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _default_excluded(shown: str) -> bool:
    return any(part in DEFAULT_EXCLUDES or part.endswith(".egg-info") for part in shown.split("/")[:-1])


def discover(
    targets: list[Path],
    root: Path,
    excluder: Excluder,
    max_file_size: int,
    use_git: bool = True,
) -> Discovery:
    """The files to check under ``targets`` (files or directories), relative to ``root``."""
    root = root.resolve()
    result = Discovery(root)
    root_text = str(root)
    chosen: dict[str, str] = {}  # real path -> relative path shown in reports
    for target in targets:
        if not os.path.lexists(target):
            raise BekError(f"{target}: no such file or directory")
        if target.is_dir() and target.is_symlink() and not _inside(os.path.realpath(target), root_text):
            shown = _display(os.path.abspath(target), root_text)
            result.notices.append(
                Notice("skipped", "symlink points outside the scanned root; not followed", shown)
            )
            continue
        if target.is_dir():
            # A directory git ignores is still checked when it is named explicitly.
            in_git = use_git and git_toplevel(target) is not None and not _git_ignored(target)
            listed = _git_files(target) if in_git else None
            candidates = listed if listed is not None else _walk_files(target, result.notices, root)
            explicit = False
        else:
            candidates = [str(target)]
            explicit = True
        for candidate in candidates:
            _consider(candidate, explicit, root_text, excluder, max_file_size, chosen, result)
    result.files = sorted(set(chosen.values()))
    result.notices.sort(key=Notice.sort_key)
    return result


def _consider(
    path: str,
    explicit: bool,
    root: str,
    excluder: Excluder,
    max_file_size: int,
    chosen: dict[str, str],
    result: Discovery,
) -> None:
    # Runs for every file of the tree: plain strings and one lstat, no pathlib.
    if not explicit and not path.endswith(PYTHON_SUFFIXES):
        return
    absolute = os.path.abspath(path)
    shown = _display(absolute, root)
    if not explicit and _default_excluded(shown):
        return
    if excluder.active and excluder.excluded(Path(absolute)):
        if explicit:
            result.notices.append(Notice("skipped", "excluded by the configuration", shown))
        return
    try:
        info = os.lstat(absolute)
    except OSError as error:
        result.notices.append(Notice("skipped", f"could not be read: {error.strerror or error}", shown))
        return
    real = absolute
    if stat.S_ISLNK(info.st_mode):
        try:
            real = os.path.realpath(absolute, strict=True)
            info = os.stat(real)
        except OSError as error:
            reason = "symlink loop" if error.errno == errno.ELOOP else "broken symlink"
            result.notices.append(Notice("skipped", reason, shown))
            return
        if not _inside(real, root):
            result.notices.append(
                Notice("skipped", "symlink points outside the scanned root; not followed", shown)
            )
            return
    if not stat.S_ISREG(info.st_mode):
        result.notices.append(Notice("skipped", "not a regular file (a FIFO, socket or device)", shown))
        return
    if info.st_size > max_file_size:
        result.notices.append(
            Notice("skipped", f"larger than max-file-size ({info.st_size} > {max_file_size} bytes)", shown)
        )
        return
    if not os.access(real, os.R_OK):
        result.notices.append(Notice("skipped", "could not be read: permission denied", shown))
        return
    # A symlink to a file that is also checked directly is checked once, under the file's own name.
    chosen.setdefault(real, _display(real, root) if real != absolute else shown)

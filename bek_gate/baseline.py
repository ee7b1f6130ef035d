"""Adopting the gate on a legacy repository: a baseline of today's findings, and diff mode.

Baseline: ``bek baseline -o .bek-baseline.json`` records one entry per
unsuppressed finding: its fingerprint, plus the path, line, rule, message and
source line at the time, so that the pull request committing a baseline shows
what it accepts. ``bek gate --baseline FILE`` then marks findings that match as
``baseline``, so only new ones gate. Matching uses the fingerprint alone, with
a count per fingerprint (the entries carrying it, or an explicit ``count``):
the other fields are for the reader. Fingerprints hash the normalised source
line, not its number, so moving code or adding lines above a finding keeps it
baselined; the occurrence index in the fingerprint makes a second identical
finding in the same file new.

Diff mode: ``--diff-base REF`` keeps only findings on lines added or changed
since the merge base of REF and HEAD (uncommitted changes and untracked
files included), the rule GitHub applies to pull requests. When the clone
lacks REF or the history down to the merge base (a shallow CI checkout), the
error names the ``git fetch`` command that makes it work.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from bek_gate import __version__
from bek_gate.errors import BekError, ConfigError
from bek_gate.findings import Finding

# The informational fields (line, message, source) were added without a format change:
# the loader ignores keys it does not know and a missing count means 1, so files written
# before and after them load in either version of bek.
BASELINE_FORMAT = 1
SOURCE_LIMIT = 200  # characters of source kept per entry: a minified line must not flood the diff
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def baseline_document(findings: list[Finding]) -> str:
    """The baseline file's text: stable (sorted, no timestamp), so it diffs well in review.

    One entry per finding, in report order (path, line, column, rule): a pull request
    that adds a baseline, or regenerates one, then reads as a list of the findings it
    accepts or drops, each with its line and source. Identical findings share a
    fingerprint only in a hand-merged file; the loader counts the entries.
    """
    active = sorted(
        (finding for finding in findings if not finding.suppressed),
        key=lambda finding: (*finding.sort_key(), finding.fingerprint),
    )
    document = {
        "format": BASELINE_FORMAT,
        "tool": f"bek {__version__}",
        "findings": [baseline_entry(finding) for finding in active],
    }
    # ensure_ascii: invisible or bidirectional characters in a message or a source line
    # show as \u escapes in the review, instead of hiding what the entry says.
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def baseline_entry(finding: Finding) -> dict[str, Any]:
    """One finding as the baseline records it; only ``fingerprint`` is used for matching."""
    return {
        "path": finding.path,
        "line": finding.location.line,
        "rule": finding.rule_id,
        "message": finding.message,
        "source": _source_line(finding.snippet),
        "fingerprint": finding.fingerprint,
    }


def _source_line(snippet: str) -> str:
    """The finding's own line (a snippet's first line), stripped and bounded for a readable diff."""
    line = snippet.split("\n", 1)[0].strip()
    return line if len(line) <= SOURCE_LIMIT else line[: SOURCE_LIMIT - 1] + "\u2026"


def load_baseline(path: Path) -> Counter[str]:
    """Fingerprint counts from a baseline file; a ConfigError names the file and the problem."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: baseline file does not exist (create it with `bek baseline -o {path}`)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: baseline cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: baseline is not valid JSON: {error.msg} (line {error.lineno})") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != BASELINE_FORMAT
        or not isinstance(data.get("findings"), list)
    ):
        raise ConfigError(
            f'{path}: not a bek baseline (expected {{"format": {BASELINE_FORMAT}, "findings": [...]}})'
        )
    # Only the fingerprint and count match; line, message and source describe the finding as
    # it was, and a finding whose line has moved since is still the same finding.
    counts: Counter[str] = Counter()
    for index, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise ConfigError(f"{path}: findings[{index}]: expected an object with a 'fingerprint' string")
        count = entry.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise ConfigError(f"{path}: findings[{index}].count: expected a positive integer, got {count!r}")
        counts[entry["fingerprint"]] += count
    return counts


def apply_baseline(findings: list[Finding], baseline: Counter[str]) -> list[Finding]:
    """Findings in the baseline marked ``baseline``, consuming one count each (in file order)."""
    remaining = Counter(baseline)
    marked = []
    for finding in findings:
        if not finding.suppressed and remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            finding = finding.with_(baseline_state="baseline")
        marked.append(finding)
    return marked


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120, check=False
    )


def changed_lines(root: Path, base: str) -> dict[str, set[int] | None]:
    """Lines added or changed since the merge base of ``base`` and HEAD, by path relative to ``root``.

    ``None`` means the whole file is new (added, or untracked).
    """
    if shutil.which("git") is None:
        raise BekError("--diff-base needs git, which is not installed")
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    if toplevel.returncode != 0:
        raise BekError(f"--diff-base needs a git repository: {root} is not inside one")
    top = Path(toplevel.stdout.strip()).resolve()
    if not _resolves(root, base):
        raise _unknown_ref(root, base)
    merge_base = _git(root, "merge-base", base, "HEAD")
    if merge_base.returncode != 0:
        if _is_shallow(root):
            raise _no_merge_base_in_shallow_clone(root, base)
        raise BekError(f"--diff-base: '{base}' and HEAD have no common ancestor")
    diff = _git(
        root,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        merge_base.stdout.strip(),
        "--",
        ".",
    )
    if diff.returncode != 0:
        raise BekError(f"--diff-base: git diff failed: {diff.stderr.strip()}")
    changed: dict[str, set[int] | None] = {}
    for path, lines in _parse_diff(diff.stdout).items():
        changed[_relative(top / path, root)] = lines
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--full-name", "-z")
    for name in untracked.stdout.split("\0"):
        if name:
            changed[_relative(top / name, root)] = None
    return changed


class MissingHistoryError(BekError):
    """``--diff-base`` names a ref or history this clone has not fetched (typically a shallow CI checkout).

    ``fetch`` is the git command that fixes it, when one does.
    """

    def __init__(self, message: str, fetch: str | None = None) -> None:
        super().__init__(message)
        self.fetch = fetch


# A full commit id (SHA-1 or SHA-256) can be fetched by id; an abbreviated one cannot.
_FULL_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SHORT_ID = re.compile(r"[0-9a-f]{7,63}")
# main@{1}, :/message, a..b, a glob: characters no ref name holds (git check-ref-format),
# so revision syntax, not a name a fetch can ask for.
_REVISION_SYNTAX = re.compile(r"@\{|[:?*\[\\\s]|\.\.|^@$")
# origin/main~2, HEAD^: a name, then the ancestry that is asked of it.
_ANCESTRY = re.compile(r"([^~^]+)[~^]")
_SOME_REMOTE = "<remote>"  # in a hint when several remotes exist and none is origin


def _unknown_ref(root: Path, base: str) -> MissingHistoryError:
    """The error for a base that does not resolve, with the fetch that makes it resolve.

    Written for CI clones: ``actions/checkout`` fetches one commit and no other branch, so
    ``origin/main`` is missing. A plain ``git fetch origin main`` is not enough there: in a
    shallow clone HEAD's history stops at its own commit, so there is still no merge base,
    and ``--unshallow`` is needed; and in a single-branch clone (``git clone --depth 1``) the
    fetch does not create ``origin/main`` unless the refspec names it.
    """
    shallow = _is_shallow(root)
    remotes = _remotes(root)
    prefix = f"--diff-base: unknown git ref '{base}'" + (" in this shallow clone" if shallow else "")
    if not remotes:
        return MissingHistoryError(f"{prefix} (this repository has no git remote to fetch it from)")
    unshallow = ["--unshallow"] if shallow else []
    remote = _default_remote(remotes) or _SOME_REMOTE  # several remotes, no origin: not ours to guess
    ancestry = _ANCESTRY.match(base)
    if ancestry and _resolves(root, ancestry.group(1)):
        # main~3 with main present: what is missing is main's history, or the commit does not exist.
        if shallow:
            command = _command("fetch", "--unshallow", remote)
            return MissingHistoryError(f"{prefix} (fetch the rest of the history: `{command}`)", command)
        return MissingHistoryError(
            f"{prefix} (it names no commit: check it with `git rev-parse {shlex.quote(base)}`)"
        )
    name = ancestry.group(1) if ancestry else base
    need = "it and the history down to the merge base" if shallow else "it first"

    def fetched(*args: str, alternative: str = "") -> MissingHistoryError:
        command = _command("fetch", *unshallow, *args)
        return MissingHistoryError(f"{prefix} (fetch {need}: `{command}`{alternative})", command)

    tracking = _remote_tracking(name, remotes)
    if tracking is not None:  # origin/main, refs/remotes/origin/main
        tracked_remote, branch = tracking
        local = f"refs/remotes/{tracked_remote}/{branch}"
        # `git fetch origin main` updates origin/main only when the remote's refspec maps
        # it (it does after `git clone` and actions/checkout, not after `clone --depth 1
        # --branch other`): otherwise the hint spells the destination out.
        mapped = _refspec_maps(_fetch_refspecs(root, tracked_remote), branch, local)
        return fetched(tracked_remote, branch if mapped else f"{branch}:{local}")
    if name.startswith("refs/remotes/"):
        unknown = name.removeprefix("refs/remotes/").split("/", 1)[0]
        return MissingHistoryError(f"{prefix} (no git remote '{unknown}' is configured: see `git remote -v`)")
    if name.startswith("refs/tags/"):
        return fetched(remote, "tag", name.removeprefix("refs/tags/"))
    if name.startswith("refs/"):  # refs/heads/main, refs/pull/1/head: fetch it to the same name
        return fetched(remote, f"{name}:{name}")
    if _FULL_ID.fullmatch(name):  # servers let a client fetch a reachable commit by its full id
        return fetched(remote, name)
    if _SHORT_ID.fullmatch(name) or _REVISION_SYNTAX.search(name):
        if shallow:
            command = _command("fetch", "--unshallow", remote)
            return MissingHistoryError(
                f"{prefix} (fetch the whole history: `{command}`, or pass a branch or a full commit id)",
                command,
            )
        command = _command("fetch", remote)
        return MissingHistoryError(
            f"{prefix} (an abbreviated commit id or a revision cannot be fetched: fetch the branches "
            f"that may hold it, `{command}`, or pass a branch, a tag or a full commit id)",
            command,
        )
    # A bare name is a branch (fetching it to the same name makes this very base resolve)
    # or a tag: only the remote knows which, so the hint gives both. "upstream/main" without
    # a remote "upstream" can only be a branch of that name, but was probably meant as a remote.
    alternative = f", or for a tag `{_command('fetch', *unshallow, remote, 'tag', name)}`"
    if "/" in name:
        alternative += f"; no git remote '{name.split('/', 1)[0]}' is configured (see `git remote -v`)"
    return fetched(remote, f"{name}:{name}", alternative=alternative)


def _no_merge_base_in_shallow_clone(root: Path, base: str) -> MissingHistoryError:
    """The base resolves, but the shallow history ends before the merge base: deepen it."""
    remotes = _remotes(root)
    tracking = _remote_tracking(_full_name(root, base) or base, remotes)
    # For origin/main, name the branch too, so that the fetch also brings origin/main up to date.
    args = list(tracking) if tracking is not None else [_default_remote(remotes) or _SOME_REMOTE]
    # --unshallow deepens every shallow boundary (HEAD's and the base's), whatever it fetches.
    command = _command("fetch", "--unshallow", *args)
    return MissingHistoryError(
        f"--diff-base: '{base}' and HEAD have no common ancestor in this shallow clone's history "
        f"(fetch the rest of it: `{command}`)",
        command,
    )


def _command(*args: str) -> str:
    """A git command line to copy into a shell: names quoted, the placeholder left as it is."""
    return "git" + "".join(f" {arg if arg == _SOME_REMOTE else shlex.quote(arg)}" for arg in args)


def _resolves(root: Path, name: str) -> bool:
    return _git(root, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}").returncode == 0


def _is_shallow(root: Path) -> bool:
    return _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def _remotes(root: Path) -> list[str]:
    return _git(root, "remote").stdout.split()


def _default_remote(remotes: list[str]) -> str | None:
    if "origin" in remotes:
        return "origin"
    return remotes[0] if len(remotes) == 1 else None


def _full_name(root: Path, base: str) -> str:
    """``refs/remotes/origin/main`` for ``origin/main``; empty for a commit id or an expression."""
    return _git(root, "rev-parse", "--symbolic-full-name", base).stdout.strip()


def _remote_tracking(base: str, remotes: list[str]) -> tuple[str, str] | None:
    """``(remote, branch)`` when ``base`` names a remote-tracking branch of a configured remote."""
    name = base.removeprefix("refs/remotes/")
    # The longest remote first: a remote may be called "origin/mirror".
    for remote in sorted(remotes, key=len, reverse=True):
        if name.startswith(remote + "/") and len(name) > len(remote) + 1:
            return remote, name[len(remote) + 1 :]
    return None


def _fetch_refspecs(root: Path, remote: str) -> list[str]:
    return _git(root, "config", "--get-all", f"remote.{remote}.fetch").stdout.split()


def _refspec_maps(refspecs: list[str], branch: str, local: str) -> bool:
    """Whether fetching ``branch`` by name updates ``local`` through the configured refspecs."""
    source = f"refs/heads/{branch}"
    maps = False
    for refspec in refspecs:
        refspec = refspec.removeprefix("+")
        if refspec.startswith("^"):  # a negative refspec excludes what it matches
            if _match(refspec[1:], source) is not None:
                return False
            continue
        pattern, _, destination = refspec.partition(":")
        star = _match(pattern, source)
        if star is not None and destination.replace("*", star, 1) == local:
            maps = True
    return maps


def _match(pattern: str, ref: str) -> str | None:
    """What a refspec's ``*`` stands for in ``ref`` ('' for an exact match), or None."""
    if "*" not in pattern:
        return "" if pattern == ref else None
    head, _, tail = pattern.partition("*")
    if len(ref) >= len(head) + len(tail) and ref.startswith(head) and ref.endswith(tail):
        return ref[len(head) : len(ref) - len(tail)]
    return None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _parse_diff(text: str) -> dict[str, set[int] | None]:
    """New-side line numbers of every hunk, per file (``None`` for a file that did not exist)."""
    result: dict[str, set[int] | None] = {}
    current: str | None = None
    new_file = False
    for line in text.splitlines():
        if line.startswith("diff --git "):
            current, new_file = None, False
        elif line.startswith("new file mode"):
            new_file = True
        elif line.startswith("+++ "):
            target = line[4:]
            current = target[2:] if target.startswith("b/") else None  # "/dev/null": deleted
            if current is not None:
                result[current] = None if new_file else set()
        elif line.startswith("@@") and current is not None and result[current] is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or 1)
                result[current].update(range(start, start + count))  # type: ignore[union-attr]
    return result


def apply_diff(findings: list[Finding], changed: dict[str, set[int] | None]) -> list[Finding]:
    """Findings outside the changed lines marked ``baseline``: only the diff gates."""
    marked = []
    for finding in findings:
        lines = changed.get(finding.path, set())
        touched = lines is None or any(
            line in lines for line in range(finding.location.line, finding.location.end_line + 1)
        )
        marked.append(finding if touched else finding.with_(baseline_state="baseline"))
    return marked

"""Run the per-file phase over many files: cache lookups, then all cores for the rest."""

from __future__ import annotations

import os
import signal
import threading
import traceback
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.engine.cache import ResultCache, content_digest
from bek_gate.errors import FileTimeout
from bek_gate.findings import PARSE_ERROR, FileResult, Finding, Location, Notice, assign_fingerprints

# Below this many files to parse, one worker process is enough.
_PARALLEL_THRESHOLD = 24
_CHUNK_BYTES = 256 * 1024
_WATCHDOG_EXIT = 70

_worker_analyzer: Analyzer | None = None
_worker_budget: float | None = None


def _init_worker(plan: AnalysisPlan, budget: float | None) -> None:
    global _worker_analyzer, _worker_budget
    # A forked worker inherits the parent's analyzer; a spawned one builds its own.
    if _worker_analyzer is None or _worker_analyzer.plan != plan:
        _worker_analyzer = Analyzer(plan)
    _worker_budget = budget
    # Odd escapes in scanned string literals make Python warn when libcst evaluates them:
    # not the user's business on bek's stderr.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)


def _raise_timeout(signum: int, frame: object) -> None:
    raise FileTimeout


def _check_one(relpath: str, data: bytes) -> FileResult:
    """One file in a worker, within the time budget.

    The soft limit (SIGALRM) interrupts Python code: a slow rule, a huge file.
    Native code cannot be interrupted, so a watchdog thread ends the worker at
    twice the budget; the parent then finds the file in quarantine.
    """
    assert _worker_analyzer is not None
    budget = _worker_budget
    if (
        not budget
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return _worker_analyzer.check_source(relpath, data)
    watchdog = threading.Timer(budget * 2 + 5, os._exit, (_WATCHDOG_EXIT,))
    watchdog.daemon = True
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    watchdog.start()
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        return _worker_analyzer.check_source(relpath, data)
    except FileTimeout:
        return timeout_result(relpath, budget)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        watchdog.cancel()


def _check_chunk(chunk: list[tuple[str, bytes]]) -> list[FileResult]:
    return [_check_guarded(relpath, data) for relpath, data in chunk]


def _check_guarded(relpath: str, data: bytes) -> FileResult:
    """Rule crashes are isolated per rule; anything else that escapes is a bug of bek on this
    file, reported for this file alone instead of ending the run and losing every other result."""
    try:
        return _check_one(relpath, data)
    except (Exception, SystemExit) as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        message = (
            f"bek failed on this file ({type(error).__name__}: {error}, at {frame.filename}:{frame.lineno}); "
            "this file was not checked"
        )
        return FileResult(relpath, notices=[Notice("internal-error", message, relpath)])


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def analyse_files(
    analyzer: Analyzer,
    root: Path,
    relpaths: list[str],
    jobs: int,
    cache: ResultCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    budget: float | None = None,
) -> list[FileResult]:
    """Per-file results for ``relpaths`` (in the same order), from the cache or fresh."""
    results: dict[str, FileResult] = {}
    pending: list[tuple[str, bytes, str]] = []
    for relpath in relpaths:
        try:
            data = (root / relpath).read_bytes()
        except OSError as error:
            reason = error.strerror or str(error)
            results[relpath] = FileResult(
                relpath, notices=[Notice("skipped", f"could not be read: {reason}", relpath)]
            )
            continue
        digest = content_digest(data)
        cached = cache.get(relpath, digest) if cache is not None else None
        if cached is not None:
            results[relpath] = cached
        else:
            pending.append((relpath, data, digest))

    fresh = _run(analyzer, pending, jobs, progress, budget)
    for (relpath, _, digest), result in zip(pending, fresh, strict=False):
        results[relpath] = result
        if cache is not None:
            cache.put(relpath, digest, result)
    return [results[relpath] for relpath in relpaths]


def _run(
    analyzer: Analyzer,
    pending: list[tuple[str, bytes, str]],
    jobs: int,
    progress: Callable[[int, int], None] | None,
    budget: float | None,
) -> list[FileResult]:
    """Check files in worker processes, never in this one: a parser crash on
    hostile input then costs a worker, not the run (see ``_quarantine``)."""
    global _worker_analyzer
    total = len(pending)
    if not total:
        return []
    workers = 1 if jobs <= 1 or total < _PARALLEL_THRESHOLD else jobs
    chunks = _chunks([(relpath, data) for relpath, data, _ in pending], workers)
    by_path: dict[str, FileResult] = {}
    _worker_analyzer = analyzer  # forked workers inherit it instead of loading the rules again
    try:
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(analyzer.plan, budget)
        ) as pool:
            done = 0
            for chunk_results in pool.map(_check_chunk, chunks):
                for result in chunk_results:
                    by_path[result.path] = result
                done += len(chunk_results)
                if progress:
                    progress(done, total)
    except BrokenProcessPool:
        # A worker died (libcst's native parser overflows its stack on some
        # inputs CPython accepts, or the watchdog ended a hang). Redo the
        # unfinished files one at a time in a single worker, so the file that
        # kills it is identified and reported instead of sinking the run.
        remaining = [(relpath, data) for relpath, data, _ in pending if relpath not in by_path]
        by_path.update(_quarantine(analyzer.plan, remaining, budget))
    return [by_path[relpath] for relpath, _, _ in pending]


def _quarantine(
    plan: AnalysisPlan, items: list[tuple[str, bytes]], budget: float | None
) -> dict[str, FileResult]:
    results: dict[str, FileResult] = {}
    while items:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(plan, budget)) as pool:
            futures = [pool.submit(_check_chunk, [item]) for item in items]
            for index, future in enumerate(futures):
                try:
                    results[items[index][0]] = future.result()[0]
                except BrokenProcessPool:
                    relpath = items[index][0]
                    results[relpath] = crashed_result(relpath)
                    items = items[index + 1 :]
                    break
            else:
                items = []
    return results


def crashed_result(relpath: str) -> FileResult:
    """The worker died on this file (a parser crash, or a hang past the budget): it was not checked."""
    finding = Finding(
        rule_id=PARSE_ERROR,
        message=(
            "the analysis of this file crashed or hung (a parser limit, or a rule that hung or ended its "
            "process); this file was not checked"
        ),
        path=relpath,
        location=Location(1, 1, 1, 1),
        snippet="",
    )
    return FileResult(relpath, findings=assign_fingerprints([finding], []))


def timeout_result(relpath: str, budget: float) -> FileResult:
    message = f"not checked: its analysis took longer than the {budget:g} s file-timeout"
    return FileResult(relpath, notices=[Notice("timeout", message, relpath)])


def _chunks(items: list[tuple[str, bytes]], jobs: int) -> list[list[tuple[str, bytes]]]:
    """Chunks of roughly equal size in bytes, in input order, several per worker."""
    total = sum(len(data) for _, data in items)
    target = max(min(_CHUNK_BYTES, total // (jobs * 4) + 1), 1)
    chunks: list[list[tuple[str, bytes]]] = [[]]
    size = 0
    for item in items:
        if size >= target and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item[1])
    return chunks

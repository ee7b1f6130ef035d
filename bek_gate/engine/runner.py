"""Run the per-file phase over many files: cache lookups, then all cores for the rest."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.engine.cache import ResultCache, content_digest
from bek_gate.findings import PARSE_ERROR, FileResult, Finding, Location, Notice, assign_fingerprints

# Below this many files to parse, starting worker processes costs more than it saves.
_PARALLEL_THRESHOLD = 24
_CHUNK_BYTES = 256 * 1024

_worker_analyzer: Analyzer | None = None


def _init_worker(plan: AnalysisPlan) -> None:
    global _worker_analyzer
    _worker_analyzer = Analyzer(plan)


def _check_chunk(chunk: list[tuple[str, bytes]]) -> list[FileResult]:
    assert _worker_analyzer is not None
    return [_worker_analyzer.check_source(relpath, data) for relpath, data in chunk]


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

    fresh = _run(analyzer, pending, jobs, progress)
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
) -> list[FileResult]:
    total = len(pending)
    if jobs <= 1 or total < _PARALLEL_THRESHOLD:
        results = []
        for done, (relpath, data, _) in enumerate(pending, start=1):
            results.append(analyzer.check_source(relpath, data))
            if progress:
                progress(done, total)
        return results

    chunks = _chunks([(relpath, data) for relpath, data, _ in pending], jobs)
    by_path: dict[str, FileResult] = {}
    try:
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(analyzer.plan,)
        ) as pool:
            done = 0
            for chunk_results in pool.map(_check_chunk, chunks):
                for result in chunk_results:
                    by_path[result.path] = result
                done += len(chunk_results)
                if progress:
                    progress(done, total)
    except BrokenProcessPool:
        # A worker died (the native parser can abort on hostile input). Redo
        # the unfinished files one at a time in a single worker, so the file
        # that kills it is identified and reported instead of sinking the run.
        remaining = [(relpath, data) for relpath, data, _ in pending if relpath not in by_path]
        by_path.update(_quarantine(analyzer.plan, remaining))
    return [by_path[relpath] for relpath, _, _ in pending]


def _quarantine(plan: AnalysisPlan, items: list[tuple[str, bytes]]) -> dict[str, FileResult]:
    results: dict[str, FileResult] = {}
    while items:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(plan,)) as pool:
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
    """The parser process died on this file: it was not checked."""
    finding = Finding(
        rule_id=PARSE_ERROR,
        message="the parser process crashed on this file; this file was not checked",
        path=relpath,
        location=Location(1, 1, 1, 1),
        snippet="",
    )
    return FileResult(relpath, findings=assign_fingerprints([finding], []))


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

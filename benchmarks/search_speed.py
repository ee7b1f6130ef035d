"""Time `bek search` queries over the whole knowledge base (SPEC 4: well under 100 ms per query).

Prints the time to load and index the knowledge base once, and the median and
worst time per query, for a fixed set of queries (typos included). A script,
not a test: timings depend on the machine.

    python benchmarks/search_speed.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bek_gate.gate import load_project
from bek_gate.knowledge.base import KnowledgeBase

QUERIES = (
    "error handling",
    "authentcation",
    "retry",
    "n+1 queries",
    "tenant isolation",
    "pagination cursor",
    "circut breaker",
    "secrets in logs",
    "idempotency key",
    "health check kubernetes",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs of every query (default 20)")
    arguments = parser.parse_args()
    started = time.perf_counter()
    project = load_project(None, Path.cwd())
    kb = KnowledgeBase.load(project.checklists, project.rule_set)
    documents = len(kb.index.documents)
    loaded = time.perf_counter() - started
    timings = []
    for _ in range(arguments.repeat):
        for query in QUERIES:
            begin = time.perf_counter()
            kb.index.search(query)
            timings.append(time.perf_counter() - begin)
    print(f"knowledge base: {documents} documents, loaded and indexed in {loaded * 1000:.1f} ms")
    print(f"per query: median {statistics.median(timings) * 1000:.2f} ms, worst {max(timings) * 1000:.2f} ms")
    print("target: well under 100 ms per query (SPEC 4)")


if __name__ == "__main__":
    main()

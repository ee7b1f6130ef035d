"""Ranked search over patterns and checklist items: BM25 with field boosts and typo tolerance.

Each document's fields are weighted (title 3, tags 2.5, summary 1.5, body 1)
into one term-frequency vector, scored with BM25 (k1 = 1.2, b = 0.75). A
query word that is not in the vocabulary is matched to vocabulary words one
edit away (insert, delete, substitute, transpose) through a symmetric-delete
index, at a discount, so "authentcation" still finds authentication.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "not",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "use",
        "what",
        "when",
        "where",
        "which",
        "with",
        "without",
        "you",
        "your",
    ]
)
FIELD_BOOSTS = {"title": 3.0, "tags": 2.5, "summary": 1.5, "body": 1.0}
_K1 = 1.2
_B = 0.75
_TYPO_WEIGHT = 0.6


def stem(word: str) -> str:
    """A deliberately light stemmer: plural and -ing/-ed endings, so "retries" meets "retry"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    return [stem(word) for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS]


def _deletes(word: str) -> set[str]:
    return {word[:index] + word[index + 1 :] for index in range(len(word))}


@dataclass(frozen=True)
class Document:
    """Something searchable: a pattern or a checklist item."""

    id: str
    kind: str  # "pattern" | "item"
    title: str
    scope: str
    summary: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float


@dataclass
class SearchIndex:
    documents: list[Document]
    _frequencies: list[Counter[str]] = field(default_factory=list)
    _lengths: list[float] = field(default_factory=list)
    _document_frequency: Counter[str] = field(default_factory=Counter)
    _deletes: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for document in self.documents:
            weighted: Counter[str] = Counter()
            for name, text in document.fields.items():
                boost = FIELD_BOOSTS[name]
                for token in tokens(text):
                    weighted[token] += boost
            self._frequencies.append(weighted)
            self._lengths.append(sum(weighted.values()))
            self._document_frequency.update(weighted.keys())
        for word in self._document_frequency:
            for variant in (word, *_deletes(word)):
                self._deletes.setdefault(variant, set()).add(word)

    def _expand(self, word: str) -> dict[str, float]:
        """The vocabulary words a query word stands for, with their weights."""
        if word in self._document_frequency:
            return {word: 1.0}
        if len(word) < 4:
            return {}
        matches: set[str] = set()
        for variant in (word, *_deletes(word)):
            matches |= self._deletes.get(variant, set())
        return {match: _TYPO_WEIGHT for match in matches if abs(len(match) - len(word)) <= 1}

    def search(self, query: str, scopes: set[str] | None = None, limit: int = 10) -> list[Hit]:
        terms: dict[str, float] = {}
        for word in tokens(query):
            for term, weight in self._expand(word).items():
                terms[term] = max(terms.get(term, 0.0), weight)
        if not terms:
            return []
        count = len(self.documents)
        average = sum(self._lengths) / count if count else 1.0
        hits = []
        for index, document in enumerate(self.documents):
            if scopes and document.scope not in scopes:
                continue
            frequencies = self._frequencies[index]
            norm = _K1 * (1 - _B + _B * self._lengths[index] / average)
            score = 0.0
            for term, weight in terms.items():
                tf = frequencies.get(term)
                if not tf:
                    continue
                df = self._document_frequency[term]
                idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
                score += weight * idf * tf * (_K1 + 1) / (tf + norm)
            if score > 0:
                hits.append(Hit(document, score))
        hits.sort(key=lambda hit: (-hit.score, hit.document.kind != "pattern", hit.document.id))
        return hits[:limit]

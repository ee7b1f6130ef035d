"""Ranked search over patterns and checklist items: per-field BM25 with field boosts and typo tolerance.

Every field of a document (its id, title, tags, summary, body, and for a
checklist item the pattern it points at) is scored with BM25 (k1 = 1.2,
b = 0.75) against that field's own average length, and the field scores are
added with the weights in ``FIELD_BOOSTS``. Scoring fields apart keeps a term
in the title worth a title match: with one term-frequency vector per
document, a long body saturated a common word like "error" and a rarer word
mentioned in passing ("format" in a logging pattern) outranked the pattern
whose title is the query's subject. The sum is then scaled by the share of
query words the document matches, so matching every word beats repeating one.

Words joined by "+" stay one token ("n+1"), and single characters are not
indexed: "n" and "1" alone would otherwise match any text with a count in it.
A query word that is not in the vocabulary is matched to vocabulary words one
edit away (insert, delete, substitute, transpose) through a symmetric-delete
index, at a discount, so "authentcation" still finds authentication.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

# A word, or words joined by "+" ("n+1"): the joined form means something its parts do not.
_WORD = re.compile(r"[a-z0-9]+(?:\+[a-z0-9]+)*")
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
# The id (a pattern's slug) and the title name the subject; tags are chosen keywords; the
# summary says what the entry asks for; the body (and, for an item, the title and tags of the
# pattern it points at) only mentions things.
FIELD_BOOSTS = {"id": 3.0, "title": 3.0, "tags": 2.5, "summary": 1.5, "body": 1.0, "pattern": 1.0}
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
    """The stemmed search terms of a text, in order.

    A "+"-joined word is kept whole and its parts of two characters or more follow it, so
    "n+1" matches only "n+1" while "count+1" in code still counts as "count". Single
    characters are dropped: alone they match every list marker, count and variable.
    """
    result: list[str] = []
    for word in _WORD.findall(text.lower()):
        parts = word.split("+")
        for term in (word, *parts) if len(parts) > 1 else parts:
            if len(term) > 1 and term not in _STOP_WORDS:
                result.append(stem(term))
    return result


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
    # Per document, per field: term frequencies and length in terms.
    _frequencies: list[dict[str, Counter[str]]] = field(default_factory=list)
    _lengths: list[dict[str, int]] = field(default_factory=list)
    _average_lengths: dict[str, float] = field(default_factory=dict)
    _document_frequency: Counter[str] = field(default_factory=Counter)
    _deletes: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        totals: Counter[str] = Counter()
        present: Counter[str] = Counter()
        for document in self.documents:
            frequencies: dict[str, Counter[str]] = {}
            lengths: dict[str, int] = {}
            for name, text in document.fields.items():
                if name not in FIELD_BOOSTS:
                    raise ValueError(f"{document.id}: unknown search field '{name}'")
                terms = tokens(text)
                if not terms:
                    continue
                frequencies[name] = Counter(terms)
                lengths[name] = len(terms)
                totals[name] += len(terms)
                present[name] += 1
            self._frequencies.append(frequencies)
            self._lengths.append(lengths)
            self._document_frequency.update({term for counts in frequencies.values() for term in counts})
        # A field's average is over the documents that have it: most items have no body, and
        # counting them as empty would make every pattern body look long.
        self._average_lengths = {name: totals[name] / present[name] for name in present}
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

    def _term_score(self, index: int, term: str) -> float:
        """BM25 of one term in one document: each field saturates on its own, then boosts add."""
        count = len(self.documents)
        df = self._document_frequency[term]
        idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
        score = 0.0
        for name, frequencies in self._frequencies[index].items():
            tf = frequencies.get(term)
            if not tf:
                continue
            relative = self._lengths[index][name] / self._average_lengths[name]
            score += FIELD_BOOSTS[name] * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * relative))
        return idf * score

    def search(self, query: str, scopes: set[str] | None = None, limit: int = 10) -> list[Hit]:
        """The best ``limit`` documents for ``query``, best first; only ``scopes`` when given."""
        words = [expansion for word in dict.fromkeys(tokens(query)) if (expansion := self._expand(word))]
        if not words:
            return []
        hits = []
        for index, document in enumerate(self.documents):
            if scopes and document.scope not in scopes:
                continue
            score = 0.0
            matched = 0
            for expansion in words:
                # A misspelt word stands for one of its neighbours, not for all of them at once.
                best = max(weight * self._term_score(index, term) for term, weight in expansion.items())
                if best > 0:
                    score += best
                    matched += 1
            if score > 0:
                # The share of query words matched (Lucene's "coord"): a document that matches
                # "error" and "format" ranks above one that matches "format" three times.
                hits.append(Hit(document, score * matched / len(words)))
        hits.sort(key=lambda hit: (-hit.score, hit.document.kind != "pattern", hit.document.id))
        return hits[:limit]

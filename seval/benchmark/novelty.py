"""How close a new question is to earlier ones: hashed byte 4-gram TF-IDF cosine.

4-grams of the question's UTF-8 bytes (near enough to characters, and cheap to
hash) catch the near-copies a generator produces (the same puzzle with one name
changed, reworded numbers) without any model; TF-IDF weighting keeps boilerplate
every question shares ("Answer with a single integer") from making everything
look alike. Pure numpy, no model, deterministic.

``--embedding-model`` swaps the vectoriser for an endpoint's ``/v1/embeddings``;
the comparison (max cosine against every earlier question of the type) is the
same.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np

NGRAM = 4
SLOT_BITS = 15
DIMENSIONS = 1 << SLOT_BITS  # hashed feature space: collisions are rare at question lengths


HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads packed n-grams over the slots


def _ngram_vector_uncached(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(slots, counts) of a text's hashed byte 4-grams, lower-cased, whitespace folded."""
    normalised = (" " + re.sub(r"\s+", " ", text.lower()).strip() + " ").encode("utf-8")
    data = np.frombuffer(normalised.ljust(NGRAM, b" "), dtype=np.uint8).astype(np.uint64)
    packed = np.zeros(len(data) - NGRAM + 1, dtype=np.uint64)
    for offset in range(NGRAM):  # four shifted views packed into one integer per n-gram
        packed = (packed << np.uint64(8)) | data[offset : len(data) - NGRAM + 1 + offset]
    slots = (packed * HASH_MULTIPLIER) >> np.uint64(64 - SLOT_BITS)
    slots, counts = np.unique(slots, return_counts=True)
    return slots.astype(np.int64), counts.astype(float)


@functools.lru_cache(maxsize=16384)
def _ngram_vector(text: str) -> tuple[np.ndarray, np.ndarray]:
    """``_ngram_vector_uncached``, computed once per text.

    A chain compares every new question with all earlier ones of its type, so
    without the cache each step would re-hash the whole history.
    """
    return _ngram_vector_uncached(text)


def tfidf_similarities(candidate: str, earlier: list[str]) -> np.ndarray:
    """Cosine similarity of ``candidate`` to each earlier text, TF-IDF weighted over all of them.

    Sparse throughout (one entry per n-gram present), so a step costs time in
    proportion to the text the history holds, not to history x vocabulary.
    """
    if not earlier:
        return np.zeros(0)
    vectors = [_ngram_vector(text) for text in [candidate, *earlier]]
    rows = np.repeat(np.arange(len(vectors)), [len(slots) for slots, _ in vectors])
    slots = np.concatenate([slots for slots, _ in vectors])
    counts = np.concatenate([counts for _, counts in vectors])
    _, columns = np.unique(slots, return_inverse=True)
    document_frequency = np.bincount(columns)  # each slot appears once per document
    idf = np.log((1 + len(vectors)) / (1 + document_frequency)) + 1.0  # smoothed, as is usual
    weights = np.log1p(counts) * idf[columns]
    norms = np.sqrt(np.bincount(rows, weights * weights, minlength=len(vectors)))
    candidate_weights = np.zeros(len(document_frequency))
    is_candidate = rows == 0
    candidate_weights[columns[is_candidate]] = weights[is_candidate]
    dots = np.bincount(rows, weights * candidate_weights[columns], minlength=len(vectors))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(dots[1:] / (norms[1:] * norms[0]))


def _cosines(vector: np.ndarray, others: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(others, axis=1) * np.linalg.norm(vector)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = others @ vector / norms
    return np.nan_to_num(result)


def embedding_similarities(embed: Callable[[list[str]], list[list[float]]]) -> Callable[[str, list[str]], np.ndarray]:
    """A similarity function backed by an embeddings endpoint (``embed`` maps texts to vectors)."""

    def similarities(candidate: str, earlier: list[str]) -> np.ndarray:
        if not earlier:
            return np.zeros(0)
        vectors = np.array(embed([candidate, *earlier]), dtype=float)
        return _cosines(vectors[0], vectors[1:])

    return similarities


def most_similar(
    candidate: str, earlier: list[str], similarities: Callable[[str, list[str]], np.ndarray] = tfidf_similarities
) -> tuple[float, str | None]:
    """The highest similarity of ``candidate`` to an earlier question, and that question."""
    scores = similarities(candidate, earlier)
    if len(scores) == 0:
        return 0.0, None
    best = int(np.argmax(scores))
    return float(scores[best]), earlier[best]

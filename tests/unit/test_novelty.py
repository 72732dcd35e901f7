"""Novelty scores: the sparse TF-IDF cosine agrees with a plain dense computation written here."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest

from seval.benchmark.novelty import NGRAM, most_similar, tfidf_similarities
from seval.sim.server import KINDS, make_item


def dense_reference(candidate: str, earlier: list[str]) -> list[float]:
    """The textbook computation, one dict per document, no numpy tricks."""

    def grams(text):
        norm = (" " + re.sub(r"\s+", " ", text.lower()).strip() + " ").encode().ljust(NGRAM, b" ")
        packed = (int.from_bytes(norm[i : i + NGRAM], "big") for i in range(len(norm) - NGRAM + 1))
        # Fibonacci hashing of each packed 4-byte n-gram, top bits as the slot
        return Counter(((value * 0x9E3779B97F4A7C15) % 2**64) >> (64 - 15) for value in packed)

    docs = [grams(text) for text in [candidate, *earlier]]
    df = Counter(slot for doc in docs for slot in doc)
    idf = {slot: math.log((1 + len(docs)) / (1 + count)) + 1 for slot, count in df.items()}
    weighted = [{slot: math.log1p(n) * idf[slot] for slot, n in doc.items()} for doc in docs]

    def cosine(a, b):
        dot = sum(value * b.get(slot, 0.0) for slot, value in a.items())
        norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
        return dot / norm if norm else 0.0

    return [cosine(weighted[0], other) for other in weighted[1:]]


def test_identical_text_is_one_and_disjoint_text_is_zero():
    scores = tfidf_similarities("abcdefgh", ["abcdefgh", "zzzzqqqq"])
    assert scores[0] == pytest.approx(1.0)
    assert scores[1] == 0.0  # no 4-gram in common ("zzzz", "qqqq", ... never occur in the first)


@pytest.mark.parametrize("history", [1, 7, 60])
def test_sparse_scores_equal_the_dense_reference(history):
    questions = [make_item(KINDS[i % len(KINDS)], 1 + i % 10, f"{i * 7919:08x}")[0] for i in range(history + 1)]
    got = tfidf_similarities(questions[0], questions[1:])
    assert np.allclose(got, dense_reference(questions[0], questions[1:]), rtol=0, atol=1e-12)


def test_most_similar_names_the_closest_earlier_question():
    earlier = ["What is the capital of France?", "How many legs does a spider have?"]
    score, closest = most_similar("How many legs does an ant have?", earlier)
    assert closest == earlier[1]
    assert 0 < score < 1
    assert most_similar("anything", []) == (0.0, None)

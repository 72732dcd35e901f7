"""Building a comparison from each model's scores on shared questions: counts, pairs, Holm, sentences."""

from __future__ import annotations

import pytest

from seval.compare.build import QuestionScore, build_comparison, pair_sentence
from seval.compare.report import run_comparison_lines


def scores_for(outcomes: str, difficulty_of=lambda i: 1 + i % 5) -> dict[str, QuestionScore]:
    """Question ``q<i>`` right or wrong as ``outcomes[i]`` says (1/0)."""
    return {
        f"q{i}": QuestionScore("logic" if i % 2 else "math", difficulty_of(i), (float(c),))
        for i, c in enumerate(outcomes)
    }


def test_counts_pairs_and_mcnemar_on_the_questions_every_model_answered():
    a = scores_for("1111111100")
    b = scores_for("1111100000")
    c = {k: v for k, v in scores_for("0000011111").items() if k != "q9"}  # c did not answer q9
    comparison = build_comparison(["a", "b", "c"], {"a": a, "b": b, "c": c}, seed=1)
    # On the nine shared questions q0..q8: a 111111110, b 111110000, c 000001111.
    assert comparison.questions == 9
    assert [(m.model, m.items, m.correct) for m in comparison.models] == [("a", 9, 8), ("b", 9, 5), ("c", 9, 4)]
    assert comparison.models[0].accuracy == pytest.approx(8 / 9)
    assert comparison.models[0].wilson_low < 8 / 9 < comparison.models[0].wilson_high
    ab, ac, bc = comparison.pairs
    assert (ab.a, ab.b, ab.n, ab.a_only, ab.b_only) == ("a", "b", 9, 3, 0)
    assert ab.difference == pytest.approx(3 / 9) and ab.mcnemar_p == pytest.approx(2 / 2**3)
    assert (ac.a_only, ac.b_only, ac.mcnemar_p) == (5, 1, pytest.approx(2 * (1 + 6) / 2**6))
    assert (bc.a_only, bc.b_only, bc.mcnemar_p) == (5, 4, pytest.approx(1.0))
    # Holm by hand: 0.21875 x 3 = 0.65625; 0.25 x 2 = 0.5, raised to 0.65625; 1.0 x 1.
    assert [p.holm_p for p in comparison.pairs] == pytest.approx([0.65625, 0.65625, 1.0])
    assert comparison.notes == [
        "1 question(s) a answered are left out: not every model's answer counts there",
        "1 question(s) b answered are left out: not every model's answer counts there",
    ]
    assert set(comparison.by_difficulty) == {"1", "2", "3", "4", "5"}
    assert comparison.by_reasoning_type["logic"][0].n == 4  # q1, q3, q5, q7


def test_samples_give_pass_at_k_and_no_mcnemar():
    a = {"q1": QuestionScore("t", 1, (1.0, 0.0, 1.0)), "q2": QuestionScore("t", 2, (0.0, 0.0, 0.0))}
    b = {"q1": QuestionScore("t", 1, (1.0, 1.0, 1.0)), "q2": QuestionScore("t", 2, (1.0, 0.0, 0.0))}
    comparison = build_comparison(["a", "b"], {"a": a, "b": b})
    first = comparison.models[0]
    assert (first.samples, first.pass_at_1, first.pass_at_k, first.agreement) == (3, pytest.approx(1 / 3), 0.5, 0.5)
    (pair,) = comparison.pairs
    assert pair.mcnemar_p is None and pair.holm_p is None
    assert pair.difference == pytest.approx(((2 / 3 - 1) + (0 - 1 / 3)) / 2)  # of the per-question means


def test_the_sentence_names_the_leader_its_margin_interval_and_p_value():
    a, b = scores_for("1" * 30 + "0" * 10), scores_for("1" * 20 + "0" * 20)
    (pair,) = build_comparison(["weak", "strong"], {"weak": b, "strong": a}).pairs
    sentence = pair_sentence(pair)
    assert sentence.startswith("strong beats weak by 25 points [") and sentence.endswith("on 40 shared questions")
    assert "p = " in sentence


def test_a_run_report_lists_every_note_as_written_under_a_label_that_fits_them_all():
    """The notes of a run's comparison are not all about self-preference (answers cut, questions left out), and a
    model's name is kept as written (no capitalising of 'GPT-4o' into 'Gpt-4o')."""
    comparison = build_comparison(["GPT-4o", "b"], {"GPT-4o": scores_for("1100"), "b": scores_for("1000")})
    comparison.notes = [
        "judge GPT-4o is also an answering model: it grades its own answers",
        "GPT-4o: 3 of 4 answers cut by their token limit",
    ]
    text = "\n".join(run_comparison_lines(1, comparison, {}))
    assert "- judge GPT-4o is also an answering model: it grades its own answers\n" in text
    assert "- GPT-4o: 3 of 4 answers cut by their token limit\n" in text
    assert "Self-preference" not in text and "Gpt-4o" not in text

"""Tests of evaluate_metric.py and its ``seval.metrics`` modules, in one process.

The verdict reading, the EvaLearn metrics and their bootstrap intervals, chunked reading,
the runner view of a runs.jsonl, and the command line (``helpers.run_tool``: exit code,
stdout, stderr, files). Every expected figure below is a literal worked out by hand (the
comment beside it shows the arithmetic); none comes from running the code.

Reading with worker processes, and ``python evaluate_metric.py`` as a script, are in
``e2e/test_evaluate_metric_processes.py``.
"""

from __future__ import annotations

import json
import os

import pytest
from helpers import run_tool
from shared_cases import FENCE, awkward_records, write_json, write_jsonl

from seval import verdict as verdict

# -- verdict.parse_answer_score: EvaLearn's reading of a judge reply ----------


@pytest.mark.parametrize(
    "reply, expected",
    [
        # a fence decides alone; the value is kept as it is (correct = score > 0)
        ('x\n```json\n{"answer_score": 1}\n```', (1, True)),
        ('```json\n{"answer_score": 0}\n```', (0, True)),
        ('```json\n{"answer_score": 0.5}\n```', (0.5, True)),  # not truncated to 0
        ('```json\n{"answer_score": -1}\n```', (-1, True)),
        ('```json\n{"answer_score": 2}\n```', (2, True)),
        # EvaLearn's script does `score > 0` on the raw value: True > 0 holds
        ('```json\n{"answer_score": true}\n```', (1, True)),
        ('```json\n{"answer_score": false}\n```', (0, True)),
        # non-numeric, absent, not an object, invalid JSON: 0 and unparsed
        ('```json\n{"answer_score": "1"}\n```', (0, False)),
        ('```json\n{"answer_score": null}\n```', (0, False)),
        ('```json\n{"verdict": 1}\n```', (0, False)),
        ("```json\n[1]\n```", (0, False)),
        ('```json\n{"answer_score": 1,}\n```', (0, False)),
        # only the first fence counts, even if a later one or prose says otherwise
        ('```json\n{"answer_score": 0}\n``` then ```json\n{"answer_score": 1}\n```', (0, True)),
        ('{"answer_score": 1} but ```json\n{"answer_score": 0}\n```', (0, True)),
        ('```json\n{"answer_score": 1,}\n``` {"answer_score": 1}', (0, False)),
        # the fence match is case-insensitive
        ('```JSON\n{"answer_score": 1}\n```', (1, True)),
        # without a fence: the first exact {"answer_score": N}, whole N, no other key
        ('grade {"answer_score": 1} ok', (1, True)),
        ('grade {"answer_score":0}', (0, True)),
        ('grade {"answer_score": 1, "why": "x"}', (0, False)),
        ('grade {"answer_score": 0.5}', (0, False)),
        ("no verdict at all", (0, False)),
        ("", (0, False)),
        (None, (0, False)),
        ('{"answer_score": ' + "9" * 5000 + "}", (0, False)),  # too many digits for int()
    ],
)
def test_parse_answer_score(reply, expected):
    score, parsed = verdict.parse_answer_score(reply)
    assert (score, parsed) == expected
    assert type(score) is type(expected[0])


def test_parse_answer_score_non_finite_values_are_no_verdict():
    # EvaLearn's script reads NaN and Infinity with json.loads (Infinity then counts as correct); a
    # non-finite number is never a verdict here, and no file the tools write may hold one.
    for value in ("NaN", "Infinity", "-Infinity", "1e400"):
        assert verdict.parse_answer_score(f'```json\n{{"answer_score": {value}}}\n```') == (0, False)


# The fast judge scorer against parse_answer_score: unit/test_metrics_fast_paths.py.


# -- the metrics on a small hand-computed set ---------------------------------

# M = 4. Outcome matrix after the rules (1 = correct):
#   S1 alg [1, 0, 1, 1]  p2 given twice: the later record (wrong) wins; p3 is 0.5 > 0
#   S2 alg [0, 0, 1, 0]  own answer_score -1 beats its judge's 1; p2 invalid JSON and
#                        p4 a string value are unparseable (0); p3 is 2 > 0; p5 > M ignored
#   S3 alg [0, 0, 0, 0]  only p1 (no verdict: unparseable) and p3 (false) given
#   S4 geo [0, 1, 1, 0]  p1 exact form without fence; p2 true; p3 own answer_score 1;
#                        p4 upper-case fence 0; its later type "alg" is ignored
RECORDS = [
    {"sequence_id": "S1", "position_in_sequence": 1, "type": "alg", "gpt4judge": FENCE.format(1)},
    {"sequence_id": "S1", "position_in_sequence": 2, "type": "alg", "gpt4judge": FENCE.format(1)},
    {"sequence_id": "S2", "position_in_sequence": 1, "type": "alg", "gpt4judge": FENCE.format(1), "answer_score": -1},
    {"sequence_id": "S4", "position_in_sequence": 1, "type": "geo", "gpt4judge": 'Verdict {"answer_score": 0}'},
    {"sequence_id": "S1", "position_in_sequence": 2, "type": "alg", "gpt4judge": FENCE.format(0)},
    {"sequence_id": "S1", "position_in_sequence": 3, "type": "alg", "gpt4judge": FENCE.format(0.5)},
    {"sequence_id": "S1", "position_in_sequence": 4, "type": "alg", "gpt4judge": 'so {"answer_score": 1}'},
    {"sequence_id": "S2", "position_in_sequence": 2, "type": "alg", "gpt4judge": '```json\n{"answer_score": 1,}\n```'},
    {"sequence_id": "S2", "position_in_sequence": 3, "type": "alg", "gpt4judge": FENCE.format(2)},
    {"sequence_id": "S2", "position_in_sequence": 4, "type": "alg", "gpt4judge": FENCE.format('"1"')},
    {"sequence_id": "S2", "position_in_sequence": 5, "type": "alg", "gpt4judge": FENCE.format(1)},
    {"sequence_id": "S3", "position_in_sequence": 1, "type": "alg", "gpt4judge": "I cannot decide."},
    {"sequence_id": "S3", "position_in_sequence": 3, "type": "alg", "gpt4judge": FENCE.format("false")},
    {"sequence_id": "S4", "position_in_sequence": 2, "type": "alg", "gpt4judge": FENCE.format("true")},
    {"sequence_id": "S4", "position_in_sequence": 3, "answer_score": 1},
    {"sequence_id": "S4", "position_in_sequence": 4, "gpt4judge": '```JSON\n{"answer_score": 0}\n```'},
    {"position_in_sequence": 1, "type": "alg", "gpt4judge": FENCE.format(1)},  # no sequence_id: skipped
]


@pytest.fixture(params=["json", "jsonl"])
def small_set(request, tmp_path):
    if request.param == "json":
        return write_json(tmp_path / "results.json", RECORDS)
    return write_jsonl(tmp_path / "results.jsonl", RECORDS)


def test_hand_computed_figures(small_set):
    from seval.metrics.evalearn import EvaLearnMetrics

    m = EvaLearnMetrics(small_set, 4, bootstrap=0)
    assert m.N == 4
    # rows in the order sequences are first met: S1, S2, S4, S3
    assert m.y_nm.tolist() == [[1, 0, 1, 1], [0, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    assert m.type_sequences == {"alg": ["S1", "S2", "S3"], "geo": ["S4"]}
    # 3 + 1 + 0 + 2 = 6 correct of 4 x 4 = 16 cells
    assert m.overall_accuracy() == pytest.approx(6 / 16, abs=1e-12)
    # alg 4 of 12, geo 2 of 4
    assert m.overall_accuracy(by_type=True) == pytest.approx({"alg": 4 / 12, "geo": 0.5}, abs=1e-12)
    curves = m.position_accuracy(by_type=True)
    assert curves["alg"].tolist() == pytest.approx([1 / 3, 0, 2 / 3, 1 / 3], abs=1e-12)
    assert curves["geo"].tolist() == pytest.approx([0, 1, 1, 0], abs=1e-12)
    # overall curve = mean of the two type curves: (1/3+0)/2, (0+1)/2, (2/3+1)/2, (1/3+0)/2
    assert m.position_accuracy(avg_by_type=True).tolist() == pytest.approx([1 / 6, 1 / 2, 5 / 6, 1 / 6], abs=1e-12)
    # x - 2.5 = -1.5 -0.5 0.5 1.5, sum of squares 5;
    # overall: (-1.5/6 - 0.5/2 + 0.5*5/6 + 1.5/6) / 5 = (1/6) / 5 = 1/30
    assert m.accuracy_slope() == pytest.approx(1 / 30, abs=1e-12)
    # alg: (-1.5/3 + 0 + 0.5*2/3 + 1.5/3) / 5 = (1/3) / 5 = 1/15; geo: (-0.5 + 0.5) / 5 = 0
    assert m.accuracy_slope(by_type=True) == pytest.approx({"alg": 1 / 15, "geo": 0.0}, abs=1e-12)
    # first correct: alg S1 1, S2 3, S3 none -> M+1 = 5: mean 9/3 = 3; geo 2
    assert m.first_correct_position(by_type=True) == pytest.approx({"alg": 3.0, "geo": 2.0})
    assert m.first_correct_position(avg_by_type=True) == pytest.approx((3 + 2) / 2)  # types weigh the same
    assert m.first_correct_position() == pytest.approx((1 + 3 + 5 + 2) / 4)  # pooled, as the reference's default
    # longest runs: alg 2, 1, 0 -> 1; geo 2
    assert m.consecutive_correct(by_type=True) == pytest.approx({"alg": 1.0, "geo": 2.0})
    assert m.consecutive_correct(avg_by_type=True) == pytest.approx((1 + 2) / 2)
    # K = 2, positions 3..4: S1 2, S2 1, S3 0, S4 1 -> 4 / (4 x 2); alg 3/6, geo 1/2
    assert m.post_warmup_accuracy(2) == pytest.approx(4 / 8, abs=1e-12)
    assert m.post_warmup_accuracy(2, by_type=True) == pytest.approx({"alg": 0.5, "geo": 0.5}, abs=1e-12)
    # K = 3, position 4 only: S1 1 of 4 sequences
    assert m.post_warmup_accuracy(3) == pytest.approx(1 / 4, abs=1e-12)
    assert m.warnings == []
    # K >= M: 0, with a warning
    assert m.post_warmup_accuracy(4) == 0.0
    assert m.post_warmup_accuracy(9, by_type=True) == {"alg": 0.0, "geo": 0.0}
    assert any("must be less than M" in w for w in m.warnings)

    dq = m.data_quality()
    assert dq["records"] == 17
    assert dq["missing_ids"] == 1
    assert dq["outside_positions"] == 1  # S2 p5
    assert dq["duplicate_positions"] == 1  # S1 p2
    assert dq["unparseable_verdicts"] == 3  # S2 p2, S2 p4, S3 p1
    assert dq["non_binary_scores"] == 3  # -1, 0.5, 2
    assert dq["scored_from_answer_score"] == 2  # S2 p1, S4 p3
    assert dq["missing_positions"] == 2  # S3 p2, p4
    assert dq["incomplete_sequences"] == 1


def test_missing_type_is_unknown_and_types_average_unweighted(tmp_path):
    from seval.metrics.evalearn import EvaLearnMetrics

    recs = [
        {"sequence_id": i, "position_in_sequence": p, "gpt4judge": FENCE.format(1 if p == 1 else 0)}
        for i in range(3)
        for p in (1, 2)
    ]
    recs.append({"sequence_id": 9, "position_in_sequence": 2, "type": "t", "gpt4judge": FENCE.format(1)})
    m = EvaLearnMetrics(write_json(tmp_path / "r.json", recs), 2, bootstrap=0)
    assert m.type_sequences == {"unknown": [0, 1, 2], "t": [9]}
    # unknown curve [3/3, 0/3] = [1, 0], t curve [0, 1] (position 1 missing): mean [0.5, 0.5]
    assert m.position_accuracy(avg_by_type=True).tolist() == pytest.approx([0.5, 0.5])
    # pooled over the 4 sequences instead: [3/4, 1/4]
    assert m.position_accuracy().tolist() == pytest.approx([0.75, 0.25])
    # 4 correct of 4 x 2
    assert m.overall_accuracy() == pytest.approx(0.5)


def test_report_keeps_the_reference_structure(small_set, tmp_path):
    from seval.metrics.evalearn import EvaLearnMetrics

    out = tmp_path / "report.json"
    report = EvaLearnMetrics(small_set, 4, bootstrap=200).generate_report(str(out), warmup_k=2)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    ev = report["model_evaluation"]
    info = ev["dataset_info"]
    assert (info["num_sequences"], info["problems_per_sequence"], info["total_problems"]) == (4, 4, 16)
    assert info["sequence_types"] == {"alg": 3, "geo": 1} and info["warmup_parameter"] == 2
    om = ev["overall_metrics"]
    for key in (
        "overall_accuracy",
        "accuracy_slope",
        "first_correct_position",
        "consecutive_correct",
        "post_warmup_accuracy_k2",
    ):
        assert set(om[key]) == {"value", "description"}
    assert om["overall_accuracy"]["value"] == pytest.approx(0.375)
    assert om["first_correct_position"]["value"] == pytest.approx(2.5)
    assert om["position_accuracy"]["values"] == pytest.approx([1 / 6, 1 / 2, 5 / 6, 1 / 6])
    assert list(ev["type_metrics"]) == ["alg", "geo"]
    assert set(ev["type_metrics"]["geo"]) == {
        "sequence_count",
        "overall_accuracy",
        "accuracy_slope",
        "first_correct_position",
        "consecutive_correct",
        "post_warmup_accuracy_k2",
        "position_accuracy",
    }
    assert ev["type_metrics"]["geo"]["sequence_count"] == 1
    ci = ev["confidence_intervals"]
    assert ci["resamples"] == 200 and isinstance(ci["accuracy_slope"]["excludes_zero"], bool)
    assert ev["data_quality"]["unparseable_verdicts"] == 3


# -- bootstrap intervals ------------------------------------------------------


def _trend_records(copies: int, trend: bool = True):
    """Two types; type a improves along the sequence (when ``trend``)."""
    patterns_a = (
        [[0, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1], [0, 0, 0, 1], [0, 1, 1, 1]]
        if trend
        else [[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0]]
    )
    patterns_b = [[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 1]]
    recs = []
    for c in range(copies):
        for t, pats in (("a", patterns_a), ("b", patterns_b)):
            for i, pat in enumerate(pats):
                for p, ok in enumerate(pat, start=1):
                    recs.append(
                        {
                            "sequence_id": f"{t}{c}-{i}",
                            "position_in_sequence": p,
                            "type": t,
                            "gpt4judge": FENCE.format(ok),
                        }
                    )
    return recs


def test_bootstrap_intervals_contain_the_estimate_and_shrink(tmp_path):
    from seval.metrics.evalearn import EvaLearnMetrics

    widths = []
    for copies in (4, 40):
        m = EvaLearnMetrics(write_json(tmp_path / f"r{copies}.json", _trend_records(copies)), 4, bootstrap=400, seed=1)
        ci = m.confidence_intervals(warmup_k=1)
        figures = {
            "overall_accuracy": m.overall_accuracy(),
            "post_warmup_accuracy_k1": m.post_warmup_accuracy(1),
            "accuracy_slope": m.accuracy_slope(),
        }
        for key, value in figures.items():
            assert ci[key]["low"] <= value <= ci[key]["high"], key
        widths.append({k: ci[k]["high"] - ci[k]["low"] for k in figures})
    for key in widths[0]:
        # ten times the sequences: about 1/sqrt(10) of the width
        assert 0 < widths[1][key] < 0.6 * widths[0][key], key


def test_slope_interval_says_whether_it_excludes_zero(tmp_path):
    from seval.metrics.evalearn import EvaLearnMetrics

    rising = EvaLearnMetrics(write_json(tmp_path / "up.json", _trend_records(30)), 4, bootstrap=300)
    flat = EvaLearnMetrics(write_json(tmp_path / "flat.json", _trend_records(3, trend=False)), 4, bootstrap=300)
    up, fl = rising.confidence_intervals()["accuracy_slope"], flat.confidence_intervals()["accuracy_slope"]
    assert up["excludes_zero"] is True and "excludes 0" in up["verdict"]
    assert fl["excludes_zero"] is False and "includes 0" in fl["verdict"]
    # the same seed gives the same interval
    again = EvaLearnMetrics(write_json(tmp_path / "up2.json", _trend_records(30)), 4, bootstrap=300)
    assert again.confidence_intervals()["accuracy_slope"] == up


# -- reading: chunks, bad cuts, truncated lines (worker processes: e2e) ----------


@pytest.mark.parametrize("writer", [write_json, write_jsonl])
def test_chunked_reading_agrees_with_one_chunk(tmp_path, writer):
    from seval.metrics.outcomes import collect_outcomes

    path = writer(tmp_path / "awkward.json", awkward_records(300))
    whole = collect_outcomes(path, 7, jobs=1, block=1 << 24)
    for block in (300, 700, 4096):
        part = collect_outcomes(path, 7, jobs=1, block=block)
        assert part.matrix.tolist() == whole.matrix.tolist()
        assert part.type_of.tolist() == whole.type_of.tolist()
        assert part.stats == whole.stats
    # i % 3 % 2 over a sequence's 7 records: 0,1,0,0,1,0,0 ... 1 when i % 3 == 1
    assert whole.matrix.sum() == sum(1 for i in range(300) if i % 3 == 1)


def test_truncated_last_jsonl_line_is_reported_and_skipped(tmp_path):
    from seval.metrics.evalearn import EvaLearnMetrics

    path = tmp_path / "cut.jsonl"
    write_jsonl(path, RECORDS)
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"sequence_id": "S9", "position_in_sequence": 1, "gpt4ju')
    m = EvaLearnMetrics(str(path), 4, bootstrap=0)
    assert m.N == 4 and m.overall_accuracy() == pytest.approx(6 / 16)  # as without the line
    assert m.data_quality()["truncated_last_line"] == len(RECORDS) + 1
    assert any("truncated" in w for w in m.warnings)


# -- the runner view (runs.jsonl) ---------------------------------------------


def _example(rtype, difficulty, score, **extra):
    ex = {
        "question": "q",
        "tags": {"reasoning_type": rtype, "difficulty": difficulty, "question_index": 1},
        "answer": "a",
        "score": score,
        "rationale": "",
        "created_at": "2026-01-01T00:00:00Z",
        "judge_error": None,
    }
    ex.update(extra)
    return ex


def _run(run_id, examples, ema, **extra):
    rec = {
        "run_id": run_id,
        "started_at": f"2026-01-0{run_id}T00:00:00Z",
        "ended_at": "x",
        "difficulty_start": 1,
        "difficulty_end": 10,
        "num_questions_per_cell": 2,
        "reasoning_types": sorted({e["tags"]["reasoning_type"] for e in examples}),
        "run_mean_score": sum(e["score"] for e in examples) / len(examples),
        "ema_score": ema,
        "alpha": 0.3,
        "n": run_id,
        "examples": examples,
    }
    rec.update(extra)
    return rec


def write_runs(path):
    run1 = _run(
        1,
        [
            *[_example("ded", 4, s) for s in (1.0, 1.0, 1.0, 0.0)],
            _example("ded", 6, 1.0),
            _example("ded", 6, 0.0, judge_error="timeout"),
            _example("ded", 6, 0.0),
            _example("ded", 6, 0.0),
            _example("ded", 9, 1.0, excluded=True),  # left out of everything
            _example("ind", 2, 1.0),
            _example("ind", 2, 1.0),
            _example("ind", 8, 0.0),
            _example("ind", 8, 0.0),
        ],
        ema=0.5,
    )
    run2 = _run(2, [_example("abd", 5, 1.0), _example("abd", 5, 1.0)], ema=0.55, replay=True)
    lines = [json.dumps(run1), json.dumps({"note": "not a run"}), json.dumps(run2), '{"run_id": 3, "examp']
    path.write_text("\n".join(lines), encoding="utf-8")  # the last line is cut short
    return str(path)


def test_runner_view_leaves_out_cut_answers_of_a_run_made_with_exclude_truncated(tmp_path):
    from seval.metrics.runner_view import RunnerView

    examples = [_example("ded", 4, 1.0), _example("ded", 4, 0.0, truncated=True)]
    lines = [
        _run(1, examples, ema=0.5, exclude_truncated=True),  # the run left the cut answer out of its scores
        _run(2, examples, ema=0.5),  # this one scored it as given
    ]
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    rep = RunnerView(str(path)).report(reps=0)["runner_evaluation"]
    (level,) = rep["by_difficulty"]
    assert (level["n"], level["correct"]) == (3, 2)
    assert rep["data_quality"]["excluded_examples"] == 1


def test_runner_view_figures(tmp_path):
    from seval.metrics.runner_view import RunnerView

    view = RunnerView(write_runs(tmp_path / "runs.jsonl"))
    rep = view.report(reps=0)["runner_evaluation"]
    by_d = {r["difficulty"]: r for r in rep["by_difficulty"]}
    assert {d: (r["n"], r["correct"]) for d, r in by_d.items()} == {
        2: (2, 2),
        4: (4, 3),
        5: (2, 2),
        6: (4, 1),
        8: (2, 0),
    }
    # Wilson, z = 1.95996, z^2 = 3.84146:
    #  3/4: centre (0.75 + z^2/8) / (1 + z^2/4) = 1.23018/1.96036 = 0.62753,
    #       half z*sqrt(0.75*0.25/4 + z^2/64) / 1.96036 = 1.95996*0.32695/1.96036 = 0.32689
    assert by_d[4]["accuracy"] == 0.75
    assert (by_d[4]["ci95"]["low"], by_d[4]["ci95"]["high"]) == pytest.approx((0.300642, 0.954413), abs=2e-6)
    #  1/4 mirrors 3/4: 1 - 0.954413, 1 - 0.300642
    assert (by_d[6]["ci95"]["low"], by_d[6]["ci95"]["high"]) == pytest.approx((0.045587, 0.699358), abs=2e-6)
    #  2/2: low = n / (n + z^2) = 2 / 5.84146 = 0.342380, high 1;  0/2: high = z^2 / (n + z^2) = 0.657620
    assert (by_d[2]["ci95"]["low"], by_d[2]["ci95"]["high"]) == pytest.approx((0.342380, 1.0), abs=2e-6)
    assert (by_d[8]["ci95"]["low"], by_d[8]["ci95"]["high"]) == pytest.approx((0.0, 0.657620), abs=2e-6)
    by_t = {r["reasoning_type"]: r for r in rep["by_reasoning_type"]}
    assert {t: (r["n"], r["correct"]) for t, r in by_t.items()} == {"abd": (2, 2), "ded": (8, 4), "ind": (4, 2)}
    #  4/8: centre 0.5, half z*sqrt(0.25/8 + z^2/256) / (1 + z^2/8) = 1.95996*0.215071/1.480182 = 0.284784
    assert (by_t["ded"]["ci95"]["low"], by_t["ded"]["ci95"]["high"]) == pytest.approx((0.215216, 0.784784), abs=2e-6)
    #  2/4: half z*sqrt(0.25/4 + z^2/64) / 1.960365 = 1.95996*0.350033/1.960365 = 0.349961
    assert (by_t["ind"]["ci95"]["low"], by_t["ind"]["ci95"]["high"]) == pytest.approx((0.150039, 0.849961), abs=2e-6)

    traj = rep["ema_trajectory"]
    assert [(r["run_id"], r["ema_score"], r["examples"]) for r in traj["generated"]] == [(1, 0.5, 12)]
    assert [(r["run_id"], r["ema_score"]) for r in traj["replay"]] == [(2, 0.55)]

    fits = rep["difficulty_fit"]
    # ded: 3/4 right at d=4, 1/4 at d=6: two levels fit exactly, logit 3/4 = ln 3, logit 1/4 = -ln 3:
    # slope (-ln3 - ln3) / 2 = -ln 3 = -1.098612, intercept ln3 + 4 ln3 = 5 ln 3 = 5.493061, D50 = 5
    ded = fits["ded"]
    assert ded["status"] == "ok"
    assert ded["slope"] == pytest.approx(-1.098612, abs=1e-6)
    assert ded["intercept"] == pytest.approx(5.493061, abs=1e-6)
    assert ded["d50"] == pytest.approx(5.0, abs=1e-9)
    # ind: all right at 2, all wrong at 8: separated, D50 only known to be in [2, 8]
    assert fits["ind"]["status"] == "separated" and fits["ind"]["d50"] is None and "[2, 8]" in fits["ind"]["note"]
    assert fits["abd"]["status"] == "all_correct" and fits["abd"]["d50"] is None

    dq = rep["data_quality"]
    assert (dq["excluded_examples"], dq["judge_errors"], dq["not_run_records"]) == (1, 1, 1)
    assert dq["truncated_last_line"] == 4
    assert rep["dataset_info"]["runs"] == 2 and rep["dataset_info"]["replay_runs"] == 1


def test_d50_outside_the_scale_and_its_bootstrap_interval():
    import numpy as np

    from seval.metrics.fit import bootstrap_d50, place_d50

    # 2/8 right at d=1, 1/8 at d=2: slope ln(3/7) = -0.847298 (logit 1/8 - logit 1/4 = -ln7 + ln3),
    # intercept -ln3 + 0.847298 = -0.251314, D50 = -a/b = -0.296607: below 1
    low = place_d50(np.array([1.0, 2.0]), np.array([8.0, 8.0]), np.array([2.0, 1.0]))
    assert low["status"] == "below_range" and low["d50"] is None
    assert low["slope"] == pytest.approx(-0.847298, abs=1e-6)
    # 30/40 at d=4, 10/40 at d=6: D50 = 5 as above; the interval holds it
    d, n, k = np.array([4.0, 6.0]), np.array([40.0, 40.0]), np.array([30.0, 10.0])
    assert place_d50(d, n, k)["d50"] == pytest.approx(5.0, abs=1e-9)
    ci = bootstrap_d50(d, n, k, reps=500, seed=0)
    assert ci["low"] < 5.0 < ci["high"] and ci["unplaced_share"] < 0.05


# -- the command line (in-process) ---------------------------------------------


def run_cli(*args, cwd):
    """``python evaluate_metric.py ARGS`` in ``cwd``, in-process: exit code, stdout, stderr."""
    return run_tool("evaluate_metric.py", *args, cwd=cwd)


def test_cli_writes_the_report_with_the_reference_keys(tmp_path):
    results = write_json(tmp_path / "results.json", RECORDS)
    # the chart of the markdown companion is checked in test_metrics_markdown.py; here it only costs time
    proc = run_cli(
        "--results", results, "--problems", "4", "--warmup", "2", "--bootstrap", "100", "--no-charts", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "report_results.json").read_text(encoding="utf-8"))
    ev = report["model_evaluation"]
    assert {"dataset_info", "overall_metrics", "type_metrics"} <= set(ev)
    assert ev["overall_metrics"]["overall_accuracy"]["value"] == pytest.approx(0.375)
    assert "position_accuracy" in ev["overall_metrics"] and "values" in ev["overall_metrics"]["position_accuracy"]
    assert "Overall metrics" in proc.stdout and "Position-wise accuracy" in proc.stdout
    assert "Metrics by type" in proc.stdout and "interval" in proc.stdout
    assert "3 verdicts could not be read" in proc.stdout
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]  # no temp file left


def test_cli_runner_view(tmp_path):
    runs = write_runs(tmp_path / "runs.jsonl")
    proc = run_cli("--results", runs, "--bootstrap", "50", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "report_runs.json").read_text(encoding="utf-8"))
    assert report["runner_evaluation"]["difficulty_fit"]["ded"]["d50"] == pytest.approx(5.0)
    assert "EMA trajectory (replay runs)" in proc.stdout and "D50" in proc.stdout
    assert proc.stderr.count("\n") == 1 and "truncated" in proc.stderr  # the warning, one line


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.json", None, "no such file"),
        ("text.json", b"this is not json\n{}\n", "not valid JSON"),
        (
            "latin1.json",
            '[{"sequence_id": 1, "position_in_sequence": 1, "gpt4judge": "caf\u00e9"}]'.encode("latin-1"),
            "not UTF-8",
        ),
        ("object.json", b'{\n  "results": []\n}\n', "wrong shape"),
        ("numbers.json", b"[1, 2, 3]", "wrong shape"),
        ("noids.json", b'[{"type": "x"}]', "no usable record"),
    ],
)
def test_cli_errors_are_one_line_and_change_nothing(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    out = tmp_path / "report.json"
    out.write_text("previous report", encoding="utf-8")
    proc = run_cli("--results", name, "--output", "report.json", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("evaluate_metric.py: error:"), proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_text(encoding="utf-8") == "previous report"
    assert sorted(os.listdir(tmp_path)) == sorted({name, "report.json"} - ({name} if content is None else set()))


def test_cli_refuses_to_overwrite_its_input(tmp_path):
    results = write_json(tmp_path / "results.json", RECORDS)
    before = (tmp_path / "results.json").read_bytes()
    proc = run_cli("--results", results, "--output", results, cwd=tmp_path)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert (tmp_path / "results.json").read_bytes() == before

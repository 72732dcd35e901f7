"""Tests of evaluate_metric.py and its metrics_* modules.

Every expected figure below is a literal worked out by hand (the comment
beside it shows the arithmetic); none comes from running the code.
"""

from __future__ import annotations

import json
import math

import pytest

import verdict

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
        ('```json\n[1]\n```', (0, False)),
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
        ('no verdict at all', (0, False)),
        ("", (0, False)),
        (None, (0, False)),
        ("{\"answer_score\": " + "9" * 5000 + "}", (0, False)),  # too many digits for int()
    ],
)
def test_parse_answer_score(reply, expected):
    score, parsed = verdict.parse_answer_score(reply)
    assert (score, parsed) == expected
    assert type(score) is type(expected[0])


def test_parse_answer_score_non_finite_values_do_not_crash():
    # json.loads reads NaN and Infinity as EvaLearn's script does: NaN > 0 is
    # false (wrong), inf > 0 is true (correct); neither may raise.
    score, parsed = verdict.parse_answer_score('```json\n{"answer_score": NaN}\n```')
    assert parsed and math.isnan(score)
    assert verdict.parse_answer_score('```json\n{"answer_score": Infinity}\n```') == (math.inf, True)

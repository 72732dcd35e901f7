"""A panel of judges, from the CLI: aggregation per item, stored verdicts, agreement figures in the report.

A tiny scripted endpoint (defined here) writes plain questions ``Q <type> d<D> i<I>``, answers
``Final answer: A`` and plays three judges ``j1``, ``j2``, ``j3`` whose verdict on each question
is fixed in advance by a table, so every per-item score and every agreement figure of the report
is worked out by hand below.
"""

from __future__ import annotations

import json
import re

import pytest
from helpers import LoopbackChatServer, run_main

C, I, GARBLED = "correct", "incorrect", "garbled"  # noqa: E741 (C and I spell the tables below)

# Record order with --reasoning-types logic,math --n 3: d1 logic, d1 math, d2 logic, d2 math, d3 logic, d3 math.
QUESTIONS = ["Q logic d1 i1", "Q math d1 i1", "Q logic d2 i1", "Q math d2 i1", "Q logic d3 i1", "Q math d3 i1"]
#                 j1 j2 j3        votes (correct = 1; j3's unreadable verdict on item 5 counts 0 in the aggregate)
PANEL = {
    "Q logic d1 i1": (C, C, C),  # 3 of 3
    "Q math d1 i1": (C, C, I),  # 2 of 3
    "Q logic d2 i1": (C, I, I),  # 1 of 3
    "Q math d2 i1": (I, I, I),  # 0 of 3
    "Q logic d3 i1": (C, C, GARBLED),  # 2 of 3, j3 none even when asked again
    "Q math d3 i1": (I, C, C),  # 2 of 3
}
# Per item:           majority (more than half)   mean (share correct)      unanimous
#   1: 3 of 3         1                            1                        1
#   2: 2 of 3         1                            2/3                      0
#   3: 1 of 3         0                            1/3                      0
#   4: 0 of 3         0                            0                        0
#   5: 2 of 3 (+none) 1                            2/3                      0
#   6: 2 of 3         1                            2/3                      0
# Run mean:           4/6                          (1+2/3+1/3+0+2/3+2/3)/6   1/6
#                                                  = (10/3)/6 = 5/9
SCORES = {
    "majority": [1.0, 1.0, 0.0, 0.0, 1.0, 1.0],
    "mean": [1.0, 2 / 3, 1 / 3, 0.0, 2 / 3, 2 / 3],
    "unanimous": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
}
RUN_MEAN = {"majority": 4 / 6, "mean": 5 / 9, "unanimous": 1 / 6}
# Pairwise agreement, over items where both judges gave a verdict:
#   j1 vs j2: all 6 items; same on 1, 2, 4, 5; differ on 3 (C/I) and 6 (I/C)         -> 4/6 = 0.667
#   j1 vs j3: items 1, 2, 3, 4, 6; same on 1, 4; differ on 2, 3, 6                  -> 2/5 = 0.400
#   j2 vs j3: items 1, 2, 3, 4, 6; same on 1, 3, 4, 6; differ on 2                  -> 4/5 = 0.800
# Fleiss' kappa over the 5 items all three rated (1, 2, 3, 4, 6), 3 raters, yes counts 3, 2, 1, 0, 2:
#   P_i = (yes(yes-1) + no(no-1)) / (3*2): 6/6, 2/6, 2/6, 6/6, 2/6 -> mean P = (1+1/3+1/3+1+1/3)/5 = 3/5
#   p_yes = (3+2+1+0+2)/15 = 8/15; P_e = (8/15)^2 + (7/15)^2 = 113/225
#   kappa = (3/5 - 113/225) / (1 - 113/225) = (135-113)/(225-113) = 22/112 = 0.1964 -> "0.196"
AGREEMENT_LINES = ["- Fleiss' kappa: 0.196", "| j1 vs j2 | 0.667 |", "| j1 vs j3 | 0.400 |", "| j2 vs j3 | 0.800 |"]
# Disagreement with the panel's binary call (score above one half is correct):
#   majority and mean: binary calls 1, 1, 0, 0, 1, 1 (mean's 2/3 -> 1, 1/3 -> 0)
#     j1 C C C I C I: differs on 3 and 6 -> 2/6 = 0.333; j2 C C I I C C: none -> 0.000;
#     j3 C I I I - C: over its 5 verdicts differs on 2 -> 1/5 = 0.200
#   unanimous: binary calls 1, 0, 0, 0, 0, 0
#     j1 differs on 2, 3, 5 -> 3/6 = 0.500; j2 on 2, 5, 6 -> 0.500; j3 (items 1, 2, 3, 4, 6) on 6 -> 1/5 = 0.200
DISAGREEMENT_LINES = {
    "majority": ["| j1 | 0.333 |", "| j2 | 0.000 |", "| j3 | 0.200 |"],
    "mean": ["| j1 | 0.333 |", "| j2 | 0.000 |", "| j3 | 0.200 |"],
    "unanimous": ["| j1 | 0.500 |", "| j2 | 0.500 |", "| j3 | 0.200 |"],
}


# -- a tiny scripted endpoint ----------------------------------------------------------------
class PanelServer(LoopbackChatServer):
    """Loopback chat endpoint: ``gen`` (plain questions), ``ans`` and judges from a verdict table."""

    completion_id = "chatcmpl-panel"

    def __init__(self, table: dict[str, tuple[str, ...]], judges: tuple[str, ...] = ("j1", "j2", "j3")):
        super().__init__()
        self.table, self.judges = table, judges

    def reply_to(self, body: dict) -> str:
        return self.reply(body["model"], body["messages"])

    def reply(self, model: str, messages: list[dict]) -> str:
        users = [m["content"] for m in messages if m["role"] == "user"]
        if model == "gen":
            kind = re.search(r"Reasoning type: (\S+)", users[-1]).group(1)
            level = re.search(r"Target difficulty: (\d+)/10", users[-1]).group(1)
            return f"Q {kind} d{level} i1"
        if model == "ans":
            return "Final answer: A"
        question = re.search(r"<question>\n(.*?)\n</question>", users[0], re.DOTALL).group(1)
        verdict = self.table[question][self.judges.index(model)]
        if verdict == GARBLED:
            return "I would rather not say."
        return json.dumps({"score": verdict, "rationale": f"{model} says {verdict}"})

    def calls(self, model: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["model"] == model]


def panel_args(base_url: str, out_dir, judges: str, *extra: object) -> list[object]:
    return [
        "--base-url",
        base_url,
        "--model-generation",
        "gen",
        "--model-answering",
        "ans",
        "--model-evaluation",
        judges,
        "--out-dir",
        out_dir,
        "--no-charts",
        "--retry-backoff",
        0,
        *extra,
    ]


def last_record(out_dir) -> dict:
    return json.loads((out_dir / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])


def judge_section(out_dir) -> str:
    text = (out_dir / "report_run_0001.md").read_text(encoding="utf-8")
    assert "## Judge panel" in text
    return text.split("## Judge panel", 1)[1]


def check_verdicts(record: dict) -> None:
    """Each judge's verdict on each item is stored, in panel order; j3's missing one is None."""
    as_score = {C: 1.0, I: 0.0, GARBLED: None}
    for example in record["examples"]:
        verdicts = example["judge_verdicts"]
        assert [v["model"] for v in verdicts] == ["j1", "j2", "j3"]
        assert [v["score"] for v in verdicts] == [as_score[word] for word in PANEL[example["question"]]]
        for verdict, word in zip(verdicts, PANEL[example["question"]], strict=True):
            if word == GARBLED:
                assert verdict["error"] and verdict["reply"].count("I would rather not say.") == 2
            else:
                assert verdict["error"] is None and verdict["rationale"] == f"{verdict['model']} says {word}"
    errors = [e["question"] for e in record["examples"] if e["judge_error"]]
    assert errors == ["Q logic d3 i1"] and record["judge_errors"] == 1
    assert "j3" in record["examples"][4]["judge_error"]


# == aggregation per item, agreement in the report ==============================================
def test_majority_panel_with_one_url_per_judge(tmp_path):
    with PanelServer(PANEL) as first, PanelServer(PANEL) as second:
        urls = f"{first.base_url},{second.base_url},{second.base_url}"
        assert (
            run_main(
                *panel_args(
                    first.base_url,
                    tmp_path,
                    "j1,j2,j3",
                    "--reasoning-types",
                    "logic,math",
                    "--n",
                    3,
                    "--base-url-evaluation",
                    urls,
                )
            )
            == 0
        )
        # Each judge's requests went to its own URL; j3 was asked once more for item 5.
        assert (len(first.calls("j1")), len(first.calls("j2")), len(first.calls("j3"))) == (6, 0, 0)
        assert (len(second.calls("j1")), len(second.calls("j2")), len(second.calls("j3"))) == (0, 6, 7)
        # Every judge saw the very same grading prompt for an answer.
        asked = {
            judge: sorted(json.dumps(r["messages"]) for r in server.calls(judge) if len(r["messages"]) == 2)
            for server, judge in ((first, "j1"), (second, "j2"), (second, "j3"))
        }
        assert len(asked["j1"]) == 6 and asked["j1"] == asked["j2"] == asked["j3"]
    record = last_record(tmp_path)
    assert [e["question"] for e in record["examples"]] == QUESTIONS
    assert record["model_evaluation"] == "j1,j2,j3" and record["judge_aggregation"] == "majority"
    assert record["endpoint_evaluation"].split(",") == [first.base_url, second.base_url]
    assert [e["score"] for e in record["examples"]] == SCORES["majority"]
    assert record["run_mean_score"] == pytest.approx(4 / 6)
    check_verdicts(record)
    section = judge_section(tmp_path)
    assert "3 judges graded every answer; the score is their **majority** (a tie counts as incorrect)." in section
    for line in AGREEMENT_LINES + DISAGREEMENT_LINES["majority"]:
        assert line in section


@pytest.mark.parametrize("how", ["mean", "unanimous"])
def test_mean_and_unanimous_aggregation(tmp_path, how):
    with PanelServer(PANEL) as server:
        assert (
            run_main(
                *panel_args(
                    server.base_url,
                    tmp_path,
                    "j1,j2,j3",
                    "--reasoning-types",
                    "logic,math",
                    "--n",
                    3,
                    "--judge-aggregation",
                    how,
                )
            )
            == 0
        )
    record = last_record(tmp_path)
    assert record["judge_aggregation"] == how
    assert [e["score"] for e in record["examples"]] == pytest.approx(SCORES[how])
    assert record["run_mean_score"] == pytest.approx(RUN_MEAN[how])
    state = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))
    assert state["ema"] == pytest.approx(RUN_MEAN[how])
    check_verdicts(record)
    section = judge_section(tmp_path)
    assert f"the score is their **{how}**" in section
    for line in AGREEMENT_LINES + DISAGREEMENT_LINES[how]:
        assert line in section


# Two judges, types logic, --n 2: item 1 split (j1 correct, j2 incorrect), item 2 both correct.
TIE = {"Q logic d1 i1": (C, I), "Q logic d2 i1": (C, C)}


@pytest.mark.parametrize(
    "how, scores, run_mean",
    [
        ("majority", [0.0, 1.0], 0.5),  # a 1-1 tie is not more than half: incorrect
        ("mean", [0.5, 1.0], 0.75),
        ("unanimous", [0.0, 1.0], 0.5),
    ],
)
def test_a_split_between_two_judges(tmp_path, how, scores, run_mean):
    with PanelServer(TIE, judges=("j1", "j2")) as server:
        assert (
            run_main(
                *panel_args(
                    server.base_url,
                    tmp_path,
                    "j1,j2",
                    "--reasoning-types",
                    "logic",
                    "--n",
                    2,
                    "--judge-aggregation",
                    how,
                )
            )
            == 0
        )
    record = last_record(tmp_path)
    assert [e["score"] for e in record["examples"]] == scores
    assert record["run_mean_score"] == run_mean
    assert [[v["score"] for v in e["judge_verdicts"]] for e in record["examples"]] == [[1.0, 0.0], [1.0, 1.0]]
    section = judge_section(tmp_path)
    # Agreement: 1 of 2 items -> 0.500. Kappa: yes counts 1, 2 of 2 raters; P_i = 0, 1 -> mean 1/2;
    # p_yes = 3/4, P_e = 9/16 + 1/16 = 5/8; kappa = (1/2 - 5/8) / (3/8) = -1/3.
    # Panel's binary call (above one half): 0, 1 in every aggregation (mean's 0.5 is not above) ->
    # j1 (C, C) differs on item 1 -> 0.500; j2 (I, C) never -> 0.000.
    for line in ("- Fleiss' kappa: -0.333", "| j1 vs j2 | 0.500 |", "| j1 | 0.500 |", "| j2 | 0.000 |"):
        assert line in section

"""Records -> the viewer's data: fields other tools add (finish reason, truncation, reasoning, missing usage,
several answering models, paradigms) are shown when present, nothing fails when they are absent, and a
field no one mapped yet is still shown under "other fields"."""

from __future__ import annotations

from pathlib import Path

import pytest

from seval.benchmark.finish import example_for
from seval.benchmark.journal import RunJournal
from seval.benchmark.records import Example, ItemStep, QuestionStep, RunPlan, RunRecord
from seval.errors import DataError
from seval.records import NOT_REPORTED
from seval.sequential.paradigm_prompts import few_shot_system
from seval.sequential.prompts import flatten_prompt, system_prompt
from seval.sequential.records import SequentialItem
from seval.view import view_path_for
from seval.view.benchmark import benchmark_data
from seval.view.build import read_sequential_results
from seval.view.data import usage
from seval.view.sequential import sequential_data

STAMP = "2026-01-01T00:00:00+00:00"
TAGS = {"reasoning_type": "logic", "difficulty": 3, "question_index": 1}


def verdict(model: str, score: float | None, error: str | None = None) -> dict:
    return {"model": model, "score": score, "rationale": f"{model} says {score}", "reply": "{}", "error": error}


def example(**fields) -> Example:
    base = {
        "question": "Q?",
        "tags": TAGS,
        "answer": "A",
        "score": 1.0,
        "created_at": STAMP,
        "reference_answer": "A",
        "judge_verdicts": [verdict("j1", 1.0)],
    }
    return Example.model_validate({**base, **fields})


def run(examples: list[Example], run_id: int = 1, **fields) -> RunRecord:
    return RunRecord.model_validate(
        {
            "run_id": run_id,
            "started_at": STAMP,
            "ended_at": STAMP,
            "difficulty_start": 1,
            "difficulty_end": 3,
            "num_questions_per_cell": 1,
            "endpoint_generation": "g",
            "endpoint_answering": "a",
            "endpoint_evaluation": "e",
            "model_generation": "gen",
            "model_answering": "solver",
            "model_evaluation": "j1,j2",
            "reasoning_types": ["logic"],
            "n": 3,
            "alpha": 0.3,
            "run_mean_score": 0.5,
            "ema_score": 0.5,
            "examples": examples,
            "usage_by_role": {
                "answering": {"prompt_tokens": 2_000_000, "completion_tokens": 1_000_000, "total_tokens": 3_000_000}
            },
            **fields,
        }
    )


def page(*records: RunRecord, prices=None) -> dict:
    return benchmark_data("out", None, list(records), {}, {}, prices or {})


def test_a_plain_example_is_one_answer_with_its_verdicts_and_nothing_added():
    data = page(run([example()]))
    (item,) = data["items"]
    (answer,) = item["answers"]
    assert (item["id"], item["question"], item["reference"], item["type"], item["difficulty"]) == (
        "r1-1",
        "Q?",
        "A",
        "logic",
        3,
    )
    assert (answer["model"], answer["text"], answer["outcome"], answer["reasoning"], answer["finish"]) == (
        "solver",
        "A",
        "correct",
        None,
        None,
    )
    assert [v["verdict"] for v in answer["verdicts"]] == ["correct"]
    assert answer["truncated"] is answer["unreadable"] is answer["disagree"] is False
    assert item["extra"] == [] and answer["extra"] == []
    assert answer["usage"] == []  # neither the record nor a journal holds any: nothing is claimed
    assert data["simulated"] is False


def test_finish_reason_truncation_reasoning_and_unreported_usage_are_shown():
    data = page(
        run(
            [
                example(
                    finish_reason="length",
                    truncated=True,
                    reasoning="step 1\nstep 2",
                    usage=None,
                    score=0.0,
                    judge_verdicts=[verdict("j1", 0.0)],
                )
            ]
        )
    )
    (answer,) = data["items"][0]["answers"]
    assert answer["finish"] == "length" and answer["truncated"] is True  # cut off by max_tokens
    assert answer["reasoning"] == "step 1\nstep 2"
    assert answer["usage"] == [["answer", None]]  # "not reported by the endpoint"; no judge usage recorded at all
    assert data["items"][0]["extra"] == []  # shown in their place, not repeated as other fields
    # Cut or not is the record's flag, the one the run's scores counted by; the page does not decide it again.
    assert page(run([example(truncated=True, finish_reason="stop")]))["items"][0]["answers"][0]["truncated"]
    (counted,) = page(run([example(finish_reason="length")], exclude_truncated=True))["items"][0]["answers"]
    assert counted["truncated"] is False and counted["outcome"] == "correct"


def test_usage_not_reported_is_said_and_never_priced_and_cut_answers_can_be_left_out():
    assert usage(NOT_REPORTED) == {"prompt": 0, "completion": 0, "total": 0, "unreported": 1}
    usage_by_role = {
        "answering": {"prompt_tokens": 10**6, "completion_tokens": 10**6, "total_tokens": 2 * 10**6},
        "evaluation": {"prompt_tokens": 10**6, "calls_without_usage": 1},
    }
    prices = {"answering": (1.0, 2.0), "evaluation": (1.0, 2.0)}
    priced = page(run([example()], usage_by_role=usage_by_role), prices=prices)
    costs = {role: cost for role, _, cost in priced["runs"][0]["usage"]}
    assert costs == {"answering": pytest.approx(3.0), "evaluation": None}  # none claimed where usage is unknown
    unpriced = page(run([example()], usage_by_role=usage_by_role))["runs"][0]["usage"]
    assert [cost for _, _, cost in unpriced] == [None, None]
    cut = example(truncated=True, finish_reason="length", answer="", score=0.0, judge_verdicts=[])
    (left_out,) = page(run([cut], exclude_truncated=True))["items"][0]["answers"]
    (scored,) = page(run([cut]))["items"][0]["answers"]
    assert (left_out["outcome"], scored["outcome"]) == ("excluded", "wrong")  # as scoring.counts_in_scores says
    assert scored["empty"] and scored["truncated"]


def test_judges_disagreeing_and_an_unreadable_verdict_are_flagged():
    data = page(
        run(
            [
                example(score=0.0, judge_verdicts=[verdict("j1", 1.0), verdict("j2", 0.0)]),
                example(
                    score=0.0, judge_error="no readable verdict", judge_verdicts=[verdict("j1", None, "unreadable")]
                ),
            ]
        )
    )
    first, second = (item["answers"][0] for item in data["items"])
    assert first["disagree"] and not first["unreadable"] and first["outcome"] == "wrong"
    assert second["unreadable"] and second["judge_error"] == "no readable verdict"
    assert second["verdicts"][0]["verdict"] == "no verdict"


def test_several_answering_models_are_one_answer_each_with_a_comparison():
    answers = [
        {"model": "a", "answer": "A", "score": 1.0, "judge_verdicts": [verdict("j1", 1.0)], "finish_reason": "stop"},
        {
            "model": "b",
            "answer": "B",
            "score": 0.0,
            "judge_verdicts": [verdict("j1", 0.0)],
            "truncated": True,
            "latency_s": 1.5,
        },
    ]
    second = example(answers=[{**answers[0]}, {**answers[1], "score": 1.0}], tags=dict(TAGS, question_index=2))
    data = page(run([example(answers=answers), second], model_answering="a,b"))
    first = data["items"][0]
    assert [a["model"] for a in first["answers"]] == ["a", "b"]
    assert [a["outcome"] for a in first["answers"]] == ["correct", "wrong"]
    assert first["answers"][1]["truncated"] and first["answers"][1]["extra"] == [["latency_s", "1.5"]]
    assert first["models_disagree"] and not data["items"][1]["models_disagree"]
    assert data["models"] == ["a", "b"]
    by_model = {row["model"]: (row["n"], row["correct"]) for row in data["runs"][0]["accuracy_by_model"]}
    assert by_model == {"a": (2, 2), "b": (2, 1)}


def test_with_samples_a_model_accuracy_counts_every_sample_as_the_run_comparison_does():
    """Two samples per question: a model is right on the share of its samples judged correct (README), not on
    the questions whose mean sample score is above one half."""

    def model(name: str, scores: list[float]) -> dict:
        samples = [{"answer": "x", "score": score, "judge_verdicts": [verdict("j1", score)]} for score in scores]
        return {"model": name, "answer": "x", "score": sum(scores) / len(scores), "samples": samples}

    first = example(answers=[model("a", [1.0, 0.0]), model("b", [0.0, 0.0])])
    second = example(answers=[model("a", [1.0, 1.0]), model("b", [1.0, 0.0])], tags=dict(TAGS, question_index=2))
    (summary,) = page(run([first, second], model_answering="a,b", samples=2))["runs"]
    by_model = {row["model"]: (row["n"], row["correct"], row["accuracy"]) for row in summary["accuracy_by_model"]}
    assert by_model == {"a": (4, 3, 0.75), "b": (4, 1, 0.25)}


def journal_with_a_cut_sample(folder: Path) -> RunJournal:
    """One question answered twice with --exclude-truncated: the first sample cut (score 0), the second right."""
    plan = RunPlan.model_validate(
        {**run([]).model_dump(include=set(RunPlan.model_fields)), "n": 1, "difficulty_start": 1, "difficulty_end": 1,
         "samples": 2, "exclude_truncated": True, "model_answering": "solver"}
    )  # fmt: skip
    question = QuestionStep(reasoning_type="logic", difficulty=1, question_index=1, question="Q?", created_at=STAMP)
    cut = {"truncated": True, "finish_reason": "length", "score": 0.0}
    samples = [
        ItemStep(reasoning_type="logic", difficulty=1, question_index=1, answer="A", created_at=STAMP, sample=number,
                 model="solver", **fields)
        for number, fields in ((1, cut), (2, {"score": 1.0}))
    ]  # fmt: skip
    return RunJournal.from_events(folder / "journal_run_0001.jsonl", 1, [plan, question, *samples], False)


def test_an_unfinished_run_mean_counts_the_samples_the_run_counts(tmp_path: Path):
    """With --exclude-truncated, a cut sample is left out of its question's score; the one left counts."""
    (summary,) = benchmark_data("out", None, [], {1: journal_with_a_cut_sample(tmp_path)}, {}, {})["runs"]
    assert summary["unfinished"] and summary["mean"] == 1.0


def test_a_record_s_score_is_the_score_the_run_counted_and_keeps_every_sample(tmp_path: Path):
    """The example's score is the mean of the samples that count (1.0), not of every sample (0.5)."""
    example = example_for(journal_with_a_cut_sample(tmp_path), (1, "logic", 1))
    (answer,) = example.answers
    assert example.score == answer.score == 1.0
    assert [(sample.score, sample.truncated) for sample in answer.samples] == [(0.0, True), (1.0, False)]


def test_an_unknown_field_is_shown_and_a_comparison_file_is_carried_as_written():
    comparison = {"models": [{"model": "a", "accuracy": 0.5}], "pairs": [{"a": "a", "b": "b", "p_value": 0.04}]}
    data = benchmark_data("out", None, [run([example(new_note={"k": 1})])], {}, {1: comparison}, {})
    assert data["items"][0]["extra"] == [["new_note", '{"k": 1}']]
    assert data["runs"][0]["comparison"] == comparison


def test_exclusions_and_costs():
    data = page(run([example(excluded=True, excluded_reason="unverified")]), prices={"answering": (0.5, 2.0)})
    assert data["items"][0]["excluded"] == "unverified"
    assert data["items"][0]["answers"][0]["outcome"] == "excluded"
    (row,) = data["runs"][0]["usage"]
    assert row[0] == "answering" and row[2] == pytest.approx(2 * 0.5 + 1 * 2.0)


def sequential_item(sequence: int, position: int, score: int, **fields) -> SequentialItem:
    return SequentialItem.model_validate(
        {
            "id": 10 * sequence + position,
            "type": "Logic",
            "level": 4,
            "rubric": f"criteria {position}",
            "prompt": [f"turn A {position}", "ok", f"question {position}"],
            "canonical_answer": str(position),
            "sequence_id": sequence,
            "position_in_sequence": position,
            "gpt4res": f"answer {position}",
            "gpt4judge": f"reply {position}",
            "answer_score": score,
            "processing_time": 0.5,
            "client_model": "student",
            "judge_model": "judge",
            **fields,
        }
    )


def test_sequential_positions_carry_what_the_history_needs_and_new_fields_flow_through():
    records = [
        sequential_item(1, 1, 0),
        sequential_item(  # a problem field named "answer" is the problem's, not the student's
            1,
            2,
            1,
            paradigm="problem-solving",
            rubric_field="rubric",
            finish_reason="length",
            truncated=True,
            reasoning="thought",
            answer="x",
        ),
        sequential_item(1, 3, 0, judge_error="no readable answer_score"),
        sequential_item(2, 1, 1),
    ]
    data = sequential_data("results.json", records, {})
    first, second, third, other = data["items"]
    assert first["question"] == flatten_prompt(["turn A 1", "ok", "question 1"]) and first["criteria"] == "criteria 1"
    assert first["turns"] == ["turn A 1", "ok", "question 1"] and first["reference"] == "1"
    assert second["answers"][0]["finish"] == "length" and second["answers"][0]["truncated"]
    assert second["answers"][0]["reasoning"] == "thought" and second["answers"][0]["text"] == "answer 2"
    assert dict(second["extra"]) == {"answer": "x"}  # the rubric is shown as the criteria, not again
    assert ["Paradigm", "problem-solving"] in second["notes"] and ["Graded by", "the problem's rubric"] in second[
        "notes"
    ]
    assert third["answers"][0]["unreadable"] and third["answers"][0]["verdicts"][0]["verdict"] == "no verdict"
    assert [a["answers"][0]["outcome"] for a in (first, second, third, other)] == [
        "wrong",
        "correct",
        "wrong",
        "correct",
    ]
    assert data["sequences"][0] == {
        "id": "1",
        "type": "Logic",
        "outcomes": [0, 1, 0],
        "correct": 1,
        "answered": 3,
        "judge_errors": 1,
    }
    curve = data["curves"]["by_type"][0]
    assert curve["accuracy"] == [0.5, 0.5, 0.0]  # sequence 2 has no position 2 or 3: counted wrong
    assert data["system_prompts"] == {"feedback": {"Logic": system_prompt("Logic")}}
    assert first["shown"] is None and first["paradigm"] == "feedback"


def test_a_sequential_verdict_is_read_by_evalearn_rule_as_its_outcome_is():
    """EvaLearn counts a position solved when its answer_score is above 0: a judge's 0.5 is a correct verdict."""
    (item,) = sequential_data("results.json", [sequential_item(1, 1, 0.5)], {})["items"]
    (answer,) = item["answers"]
    assert (answer["outcome"], answer["verdicts"][0]["verdict"]) == ("correct", "correct")


def test_solved_problems_shown_are_named_per_position_and_their_texts_kept_once():
    shown = [{"problem_id": 11, "answer_field": "canonical_answer"}, {"problem_id": 99, "answer_field": "rubric"}]
    records = [
        sequential_item(1, 1, 1, paradigm="few-shot", examples_shown=shown),
        sequential_item(1, 2, 0, paradigm="few-shot", examples_shown=shown),
        sequential_item(2, 1, 1, paradigm="zero-shot"),
    ]
    data = sequential_data("results.json", records, {})
    first, second, zero = data["items"]
    assert (
        first["shown"]
        == second["shown"]
        == [
            {"problem": "11", "field": "canonical_answer"},
            {"problem": "99", "field": "rubric"},
        ]
    )
    # Problem 11 is position 1 of sequence 1 in this file: its question and canonical answer, once;
    # problem 99 is not in the file, so the page can only name it.
    assert data["problem_texts"] == {
        "11": {"question": flatten_prompt(["turn A 1", "ok", "question 1"]), "answers": {"canonical_answer": "1"}}
    }
    assert zero["shown"] is None and set(data["system_prompts"]) == {"few-shot", "zero-shot"}
    assert data["system_prompts"]["few-shot"]["Logic"] == few_shot_system("Logic")


def test_view_paths_and_files_that_are_not_results(tmp_path: Path):
    assert view_path_for(Path("out/results.json")) == Path("out/results.view.html")
    assert view_path_for(Path("out/results.json.jsonl")) == Path("out/results.view.html")
    runs = tmp_path / "runs.jsonl"
    runs.write_text(run([example()]).model_dump_json() + "\n")
    with pytest.raises(DataError, match="is it a results file"):
        read_sequential_results(runs)
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    with pytest.raises(DataError, match="holds no sequential result"):
        read_sequential_results(empty)

"""Pure parts of the paradigms: the rubric a problem is judged by, the few-shot draw, the data checks,
the prompts of the new paradigms, records written before paradigms existed, and the paradigm functions' signature."""

from __future__ import annotations

import json

import pytest

from seval.errors import DataError, UsageError
from seval.sequential import paradigm_prompts as pp
from seval.sequential.data import parse_problems
from seval.sequential.fewshot import FewShotDraw
from seval.sequential.records import SequentialItem
from seval.sequential.rubrics import criteria_text, rubric_field, standard_answer

BOTH = {"rubric_zh": "中文标准", "rubric_en": "English criteria", "canonical_answer": "42"}


@pytest.mark.parametrize(
    "fields, zh, en",
    [
        (BOTH, "rubric_zh", "rubric_en"),
        ({"rubric_en": "E", "canonical_answer": ""}, "rubric_en", "rubric_en"),
        ({"rubric_zh": "Z"}, "rubric_zh", "rubric_zh"),
        ({"rubric": "R", "canonical_answer": ""}, "rubric", "rubric"),  # EvaLearn's 2025 schema
        ({"rubric_zh": "  ", "rubric": "R"}, "rubric", "rubric"),  # blank is absent
        ({"canonical_answer": "7"}, "canonical_answer", "canonical_answer"),
        ({"rubric": ""}, None, None),
    ],
)
def test_rubric_field_order(fields, zh, en):
    assert (rubric_field(fields, "zh"), rubric_field(fields, "en")) == (zh, en)


def test_criteria_and_standard_answer():
    assert criteria_text(BOTH, "rubric_zh") == "中文标准"
    assert criteria_text({"canonical_answer": 7}, "canonical_answer").endswith("standard answer: 7")
    assert standard_answer(BOTH, "rubric_zh") == ("42", "canonical_answer")  # the canonical answer first
    assert standard_answer({"rubric": "R", "canonical_answer": ""}, "rubric") == ("R", "rubric")


def test_both_schemas_pass_the_shape_check_and_bad_rubrics_do_not(tmp_path):
    good = [
        {"id": 1, "prompt": ["q"], "rubric_zh": "z", "rubric_en": "e", "canonical_answer": "a", "level": 2},
        {"id": "2", "prompt": "q", "rubric": "r", "canonical_answer": ""},
        {"id": 3, "prompt": ["q"], "canonical_answer": 5},
    ]
    assert parse_problems(good, tmp_path / "p.json") == good
    with pytest.raises(DataError, match="'rubric_en' must be a string"):
        parse_problems([{"id": 1, "prompt": "q", "rubric_en": ["x"]}], tmp_path / "p.json")
    with pytest.raises(DataError, match="has no grading criteria"):
        parse_problems([{"id": 1, "prompt": "q"}], tmp_path / "p.json")


def _problems(n: int, kind: str = "T", answer: str = "a") -> dict:
    return {
        pid: {"id": pid, "type": kind, "prompt": [f"q{pid}"], "canonical_answer": answer} for pid in range(1, n + 1)
    }


def test_few_shot_draw_is_seeded_per_type_and_never_the_problem_itself():
    problems = {**_problems(8), 20: {"id": 20, "type": "U", "prompt": ["u"], "canonical_answer": "b"}}
    draw = FewShotDraw(problems, shots=3, seed=42)
    order = draw.order("T")
    assert sorted(order) == list(range(1, 9)) and 20 not in order
    for pid in range(1, 9):
        examples = draw.examples("T", pid)
        assert len(examples) == 3 and pid not in examples and examples == [p for p in order if p != pid][:3]
    assert FewShotDraw(problems, 3, 42).order("T") == order  # another instance (or process: SHA-512 seeding)
    assert [FewShotDraw(problems, 3, seed).order("T") for seed in range(5)] != [order] * 5


def test_few_shot_draw_refusals():
    no_answers = {pid: dict(p, canonical_answer="") for pid, p in _problems(5).items()}
    with pytest.raises(DataError, match="has none"):
        FewShotDraw(no_answers, 3).check([{"sequence_id": 1, "type": "T", "question_ids": [1]}], "p.json")
    with pytest.raises(UsageError, match="has only 2 other problems"):
        FewShotDraw(_problems(3), 3).check([{"sequence_id": 1, "type": "T", "question_ids": [1]}], "p.json")
    FewShotDraw(_problems(4), 3).check([{"sequence_id": 1, "type": "T", "question_ids": [1, 2]}], "p.json")


def test_new_paradigm_prompts():
    solved = [pp.SolvedProblem("Q1", "A1"), pp.SolvedProblem("user: a\n\nassistant: b\n\nuser: Q2", "A2")]
    messages = pp.student_messages(pp.few_shot_system("Math"), pp.examples_text(solved), ["hi", "ok", "Q3"])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == (
        "[Example 1 begins]\n[Question]\nQ1\n[End of question]\n[Standard answer]\nA1\n[End of standard answer]\n"
        "[Example 1 ends]\n\n[Example 2 begins]\n[Question]\nuser: a\n\nassistant: b\n\nuser: Q2\n[End of question]\n"
        "[Standard answer]\nA2\n[End of standard answer]\n[Example 2 ends]\n\n"
        "All examples end here. Now answer the current question.\n\n[Current question]\nhi"
    )
    assert pp.student_messages("s", "", "Q")[1]["content"] == "[Current question]\nQ"
    assert pp.demonstrations_text([]).startswith("There are no demonstrations yet")
    for system in (pp.zero_shot_system("Logic"), pp.demonstration_system("Logic")):
        assert "[Logic]" in system


def test_records_from_before_paradigms_load_as_feedback():
    old = {"sequence_id": 1, "position_in_sequence": 1, "gpt4res": "a", "gpt4judge": "j", "answer_score": 1,
           "processing_time": 0.1, "client_model": "c", "judge_model": "j", "rubric": "R", "id": 1}  # fmt: skip
    item = SequentialItem.model_validate(old)
    assert (item.paradigm, item.rubric_field, item.examples_shown) == ("feedback", None, None)
    assert "examples_shown" not in json.loads(json.dumps(item.output_dict()))


def test_each_paradigm_function_has_sequential_eval_s_positional_parameters():
    # api.py writes EvaLearn's signature out in each function (so help() and editors show it): the copies
    # must not drift from sequentialEval's, which they pass their arguments to by position.
    import inspect

    from seval.sequential.api import demonstrationEval, fewShotEval, zeroShotEval
    from seval.sequential.runner import sequentialEval

    def positional(function) -> list[tuple]:
        parameters = inspect.signature(function).parameters.values()
        return [(p.name, p.kind, p.default) for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]

    evalearn = positional(sequentialEval)
    assert [name for name, _, _ in evalearn][-2:] == ["judge_api_base_url", "client_api_base_url"]
    for function in (zeroShotEval, fewShotEval, demonstrationEval):
        assert positional(function) == evalearn, function.__name__
        assert list(inspect.signature(function).parameters)[-1] == "options"

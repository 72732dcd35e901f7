"""``--dry-run``: what the next invocation would do and the calls it would send per role and model; sends nothing."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console

from seval.benchmark.planning import RunPreview, record_order
from seval.benchmark.records import ItemStep, QuestionStep, RunPlan
from seval.benchmark.settings import RoleSettings, RunSettings


def _to_do(plan: RunPlan, preview: RunPreview) -> tuple[int, dict[str, int]]:
    """Questions still to generate, and answers still to make per answering model (each sample one answer)."""
    cells = record_order(plan)
    asked = {(e.difficulty, e.reasoning_type, e.question_index) for e in preview.events if isinstance(e, QuestionStep)}
    first = plan.answering_models[0]
    answered = {
        (e.difficulty, e.reasoning_type, e.question_index, e.model or first, e.sample)
        for e in preview.events
        if isinstance(e, ItemStep)
    }
    answers = {
        model: len(cells) * plan.samples - sum(1 for key in answered if key[3] == model)
        for model in plan.answering_models
    }
    return (0 if plan.replay else len(cells) - len(asked & set(cells))), answers


def dry_run(settings: RunSettings, preview: RunPreview, console: Console, demo: bool) -> int:
    """Print what the next invocation would do (``preview``); send nothing, write nothing."""
    for warning in preview.warnings:
        console.print(f"warning: {warning}")
    if preview.plan is None:
        console.print(f"All 10 difficulty levels are done in {settings.out_dir}; nothing to run (see --new-cycle).")
        return 0
    plan = preview.plan
    questions, answers = _to_do(plan, preview)
    items = sum(answers.values())
    verb = "resume interrupted" if preview.resumed else ("start replay" if plan.replay else "start")
    console.print(
        f"Would {verb} run {plan.run_id} in {settings.out_dir}: difficulties "
        f"{plan.difficulty_start}-{plan.difficulty_end}, {len(plan.reasoning_types)} reasoning types "
        f"({', '.join(plan.reasoning_types)}), {plan.num_questions_per_cell} question(s) per cell"
        + (f", answered by {len(answers)} models" if len(answers) > 1 else "")
        + (f", {plan.samples} samples each" if plan.samples > 1 else "")
        + "."
    )
    console.print(f"Items to do: {items}" + (f" ({preview.items_done} already done)" if preview.resumed else ""))
    for name, calls, roles, note in _rows(settings, plan, questions, answers):
        where = (lambda role: "the simulated endpoint") if demo else (lambda role: role.endpoint.chat_url)
        models = ", ".join(f"{role.endpoint.model} at {where(role)}" for role in roles)
        console.print(f"  {name}: {calls} calls to {models}{note}")
    console.print("Plus one more evaluation call for each verdict that has to be asked for again. Nothing was sent.")
    return 0


def _rows(
    settings: RunSettings, plan: RunPlan, questions: int, answers: dict[str, int]
) -> list[tuple[str, int, Sequence[RoleSettings], str]]:
    judges, answerers = settings.panel, {role.endpoint.model: role for role in settings.answering}
    tries = "" if plan.replay else " (each novelty or validation retry adds one)"
    rows: list[tuple[str, int, Sequence[RoleSettings], str]] = [
        ("generation", questions, [settings.roles["generation"]], tries)
    ]
    rows += [("answering", count, [answerers[model]], "") for model, count in answers.items()]
    if plan.validate_questions:
        rows.append(
            (
                "validation",
                questions * (1 + len(judges)),
                list(judges),
                f" ({questions} solutions by the first judge + {len(judges)} judge(s) x {questions} verdicts)",
            )
        )
    items = sum(answers.values())
    rows.append(("evaluation", items * len(judges), judges, f" ({len(judges)} judge(s) x {items} answers)"))
    return rows

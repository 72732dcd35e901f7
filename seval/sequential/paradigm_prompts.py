"""What the student is asked under the zero-shot, few-shot and demonstration paradigms (pure functions).

They follow EvaLearn's January 2026 scripts in what each system prompt asks and in what comes before
the question, with this project's fixes (as the feedback paradigm in ``prompts``):

* zero-shot: the question alone;
* few-shot: ``--shots`` solved problems of the same task type, each question with its canonical answer;
* demonstration: the earlier problems of the sequence, each with its standard answer (never the
  student's own earlier answers or their grades).

An example or demonstration is shown as plain text (a conversation flattened with role labels and
every turn kept; the reference shows Python's list syntax, and for few-shot only the last turn). The
current question is sent as real chat turns, the context riding in front of its first user turn, so
roles alternate as chat templates require.
"""

from __future__ import annotations

from dataclasses import dataclass

from seval.sequential.prompts import CURRENT_QUESTION, prompt_turns

EXAMPLES_END = "All examples end here. Now answer the current question."
DEMONSTRATIONS_END = "All demonstrations end here. Now answer the current question."
NO_DEMONSTRATION_NOTE = "There are no demonstrations yet: this is the first question of the series."


@dataclass(frozen=True)
class SolvedProblem:
    """A problem shown with its standard answer (a few-shot example or a demonstration)."""

    question: str  # flattened to plain text
    answer: str


def zero_shot_system(task_type: str) -> str:
    return (
        f"You are a student answering a question that tests your [{task_type}] skills. Answer it as well as "
        "you can.\n\nRemember:\n1. Read the question carefully and understand everything it asks.\n"
        "2. Make sure your answer meets every requirement.\n3. Give a clear and concise answer."
    )


def few_shot_system(task_type: str) -> str:
    return (
        f"You are a student answering a question that tests your [{task_type}] skills. Before the question "
        "you will be shown a few example questions of the same kind, each with its standard answer. Study "
        "them to understand what the task asks and what a good answer looks like, then answer the current "
        "question as well as you can.\n\nRemember:\n1. Read the question carefully and understand everything "
        "it asks.\n2. Make sure your answer meets every requirement.\n3. Learn from the examples what a good "
        "answer looks like."
    )


def demonstration_system(task_type: str) -> str:
    return (
        f"You are a student working through a series of [{task_type}] problems. Before the current question "
        "you will be shown the earlier questions of this series, each with its standard answer. These "
        "demonstrations show correct solutions: learn from them to understand the task and improve your "
        f"[{task_type}] skills, then apply the patterns and methods you found to answer the current question "
        "as well as you can.\n\nRemember:\n1. Study the demonstrations to understand what each question "
        "requires.\n2. Find the patterns and methods behind the standard answers.\n3. Apply them to the "
        "current question.\n4. Make sure your answer meets every requirement.\n5. You may refer to specific "
        "demonstrations where they help."
    )


def solved_block(label: str, number: int, solved: SolvedProblem) -> str:
    """One solved problem as a delimited block of text (``label`` is "Example" or "Demonstration record")."""
    return "\n".join(
        [
            f"[{label} {number} begins]",
            "[Question]",
            solved.question,
            "[End of question]",
            "[Standard answer]",
            solved.answer,
            "[End of standard answer]",
            f"[{label} {number} ends]",
        ]
    )


def examples_text(examples: list[SolvedProblem]) -> str:
    """The few-shot examples, then the line that hands over to the current question."""
    blocks = [solved_block("Example", number, example) for number, example in enumerate(examples, 1)]
    return "\n\n".join(blocks + [EXAMPLES_END])


def demonstrations_text(demonstrations: list[SolvedProblem]) -> str:
    """The demonstrations so far, then the hand-over line (a note at the first position)."""
    if not demonstrations:
        return NO_DEMONSTRATION_NOTE
    blocks = [solved_block("Demonstration record", n, demo) for n, demo in enumerate(demonstrations, 1)]
    return "\n\n".join(blocks + [DEMONSTRATIONS_END])


def student_messages(system: str, context: str, prompt: str | list[str]) -> list[dict]:
    """System prompt, then the question as chat turns with ``context`` (may be "") before its first turn."""
    turns = prompt_turns(prompt)
    lead = f"{context}\n\n" if context else ""
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": f"{lead}{CURRENT_QUESTION}\n{turns[0]}"},
    ]
    messages += [
        {"role": "user" if i % 2 == 0 else "assistant", "content": turn} for i, turn in enumerate(turns[1:], 1)
    ]
    return messages

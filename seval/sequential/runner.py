"""Running a sequential (EvaLearn) evaluation: select, resume, schedule, record; ``sequentialEval``.

Asking and grading are in ``annotator``, one position and one sequence in
``positions``, what each paradigm shows in ``paradigms``, the records and files
in ``records``. Here: the data is loaded and selected, the output's journal is
read (and locked) to find what is finished, every unfinished sequence (or, for
zero-shot, every position) is run on the shared ``Engine``, and the summary is
printed. Each finished position is journaled (fsynced) before it counts, so a
rerun of the same command resumes where the last one stopped, every history
rebuilt from the recorded answers and verdicts.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from seval.client.core import LLMClient
from seval.client.endpoints import Endpoint, resolve_base_url, resolve_key
from seval.console import log_to_file
from seval.engine import Engine
from seval.errors import DataError, UsageError
from seval.io.folders import check_free_space, check_output_folder, check_writable
from seval.progress import RunProgress
from seval.sequential.annotator import (  # noqa: F401  (the sampling defaults the command line shows)
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    JUDGE_MAX_TOKENS,
    JUDGE_TEMPERATURE,
    Annotator,
    EmptyAnswer,
)
from seval.sequential.data import DEFAULT_SEQ_LEN, prepare_data, select_sequences_for_evaluation
from seval.sequential.fewshot import DEFAULT_FEW_SHOT_SEED, DEFAULT_SHOTS
from seval.sequential.paradigms import DEFAULT_PARADIGM, PARADIGMS, Setup
from seval.sequential.positions import evaluate_position, evaluate_sequence
from seval.sequential.records import EvalOutcome, ResultStore, SequentialItem, check_integrity
from seval.sequential.report import report_path_for
from seval.sequential.rubrics import DEFAULT_RUBRIC_LANG, RUBRIC_LANGS
from seval.sequential.scheduling import run_positions, run_tasks
from seval.sequential.summary import print_sequential_summary

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-2024-11-20"
DEFAULT_BASE_URL = "https://api.openai.com"
DEFAULT_WORKERS = 5
LOG_FILE = "sequential_eval.log"  # written beside the results, as the runner writes benchmark.log
DEMO_DIR = Path(__file__).resolve().parent / "demo"  # packaged, so an installed sequential-eval --demo works
DEMO_OUTPUT = Path("out_benchmark") / "sequential_demo" / "results.json"
DEMO_MODELS = ("sim-solver", "sim-judge")
KEY_ENV = {"client": ("CLIENT_API_KEY", "OPENAI_API_KEY"), "judge": ("JUDGE_API_KEY", "OPENAI_API_KEY")}
URL_ENV = {"client": "CLIENT_API_BASE_URL", "judge": "JUDGE_API_BASE_URL"}  # EvaLearn's 2026 variables


def _select(input_json_path, seq_json_path, seq_len: int, selection: dict) -> tuple[list[dict], dict, int]:
    """Load, check and select; one-line DataError when nothing valid is left."""
    checked = prepare_data(Path(input_json_path), Path(seq_json_path) if seq_json_path else None, seq_len)
    if not checked.sequences:
        raise DataError("no valid sequence to evaluate: " + "; ".join(checked.issues or ["the sequence file is empty"]))
    for issue in checked.issues:
        log.warning(issue)
    if checked.invalid:
        log.warning("skipping %d invalid sequences of %d", checked.invalid, checked.invalid + len(checked.sequences))
    chosen = select_sequences_for_evaluation(checked.sequences, **selection)
    return chosen, checked.problems, checked.invalid


def _run_chains(
    pending: list[dict],
    problems: dict,
    annotator: Annotator,
    store: ResultStore,
    prefixes: dict,
    workers: int,
    setup: Setup | None = None,
) -> tuple[list[tuple], int]:
    """Run every unfinished sequence as one chain on the engine; returns the stopped ones (and how many of
    those stopped at an answer its token limit cut).

    Each sequence is one task on the engine's queue, so ``workers`` threads
    pull whole sequences and the wall time is about ceil(sequences / workers)
    chains; the client's pacer, not the pool, caps requests per endpoint.
    """
    total = sum(len(seq["question_ids"]) for seq in pending)
    done = sum(len(prefixes[seq["sequence_id"]]) for seq in pending)
    stopped: list[tuple] = []
    cut = [0]  # sequences stopped at an empty answer that its token limit cut

    def chain(engine: Engine, progress: RunProgress, seq: dict) -> None:
        def on_item(item: SequentialItem) -> None:
            store.record(item)
            progress.advance()

        result = evaluate_sequence(
            seq,
            problems,
            annotator,
            None,
            save_results=False,
            done=prefixes[seq["sequence_id"]],
            on_item=on_item,
            check=engine.check,
            setup=setup,
        )
        if result["stopped_at"] is not None:
            stopped.append((seq["sequence_id"], result["stopped_at"]))
            cut[0] += int(result["stopped_truncated"])
        store.checkpoint()
        log.info(
            "sequence %s (%s): %d/%d correct%s",
            seq["sequence_id"],
            seq["type"],
            result["metrics"]["total_score"],
            len(seq["question_ids"]),
            "" if result["complete"] else f", stopped at an empty answer (position {result['stopped_at']})",
        )

    run_tasks([(seq,) for seq in pending], chain, store, annotator.client, workers, total, done)
    return stopped, cut[0]


def _load_store(output: Path, inputs: tuple) -> ResultStore:
    """The output's store with its journal read (nothing written); warns about torn or doubled lines."""
    if output.is_dir():
        raise UsageError(f"--output {output} is a folder; give a file path such as {output / 'results.json'}")
    if any(given and output.resolve() == Path(given).resolve() for given in inputs):
        raise UsageError(f"--output {output} is one of the input files; choose another path")
    store = ResultStore(output)
    duplicates, torn = store.load()
    for warning in ([torn] if torn else []) + [
        f"{store.journal}: {d} recorded twice; the first is kept" for d in duplicates
    ]:
        log.warning(warning)
    return store


def _endpoints(
    client_model,
    judge_model,
    client_base_url,
    judge_base_url,
    client_api_key,
    judge_api_key,
    env_keys: bool = True,
    extra_bodies: tuple[dict | None, dict | None] = (None, None),
):
    """The client and judge endpoints, with the runner's URL rules and keys from flags or environment.

    A role's URL: its flag, else its variable (CLIENT_API_BASE_URL / JUDGE_API_BASE_URL, EvaLearn's
    2026 names), else OPENAI_BASE_URL, else https://api.openai.com.
    """
    general = os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    endpoints = []
    for role, model, url, key, flag, extra in (
        ("client", client_model, client_base_url, client_api_key, "--client", extra_bodies[0]),
        ("judge", judge_model, judge_base_url, judge_api_key, "--judge", extra_bodies[1]),
    ):
        url = url or os.environ.get(URL_ENV[role])
        endpoints.append(
            Endpoint(
                role=role,
                model=model,
                base_url=resolve_base_url(role, url, general, f"{flag}-base-url"),
                api_key=resolve_key(key, None, KEY_ENV[role] if env_keys else ()),
                key_hint=f"{flag}-api-key, {KEY_ENV[role][0]} or OPENAI_API_KEY",
                extra_body=dict(extra or {}),
            )
        )
    return endpoints


def _pending(store: ResultStore, sequences: list[dict], models: tuple[str, str], sampling: dict, setup: Setup):
    """What is left to ask, after checking the store's records belong to this evaluation: unfinished
    sequences (chained paradigms, with each one's finished prefix) or missing positions (zero-shot)."""
    if setup.chained:
        prefixes = store.finished_prefixes(sequences, models, sampling, setup.paradigm)
        pending: list = [seq for seq in sequences if len(prefixes[seq["sequence_id"]]) < len(seq["question_ids"])]
    else:
        prefixes = {}
        store.check_identity(models, setup.paradigm, sampling)
        finished = store.finished_positions(sequences)
        pending = [
            (seq, position)
            for seq in sequences
            for position in range(1, len(seq["question_ids"]) + 1)
            if position not in finished[seq["sequence_id"]]
        ]
    selected_ids = {seq["sequence_id"] for seq in sequences}
    setup.check_records(
        [item for item in store.sorted_items() if item.sequence_id in selected_ids], sequences, store.journal
    )
    return pending, prefixes


@dataclass(frozen=True)
class Sampling:
    """How each role is sampled (a temperature of None is left out of requests)."""

    temperature: float | None = DEFAULT_TEMPERATURE
    max_tokens: int = DEFAULT_MAX_TOKENS
    judge_temperature: float | None = JUDGE_TEMPERATURE
    judge_max_tokens: int = JUDGE_MAX_TOKENS

    def as_recorded(self) -> dict:
        """The item fields that record it: a resume with other values is refused."""
        return {
            "client_temperature": self.temperature,
            "client_max_tokens": self.max_tokens,
            "judge_temperature": self.judge_temperature,
            "judge_max_tokens": self.judge_max_tokens,
        }


@dataclass
class Pending:
    """What a run left: answers that stayed empty (and how many its token limit cut), and what was adapted to."""

    stopped: list[tuple]
    stopped_truncated: int = 0
    adaptations: tuple[str, ...] = ()


def _evaluate_pending(
    store: ResultStore,
    sequences: list[dict],
    problems: dict,
    student: Endpoint,
    judge: Endpoint,
    client,
    *,
    workers: int | None,
    sampling: Sampling,
    check_empty: bool,
    setup: Setup,
) -> Pending:
    """Run what ``store`` has not finished of the selected sequences; what was left empty, cut, adapted to."""
    pending, prefixes = _pending(store, sequences, (student.model, judge.model), sampling.as_recorded(), setup)
    left = Pending([])
    try:
        if pending:
            check_output_folder(store.output.parent)
            check_writable([store.output, store.journal, report_path_for(store.output), store.output.parent / LOG_FILE])
            check_free_space(store.output.parent)
            made = client() if callable(client) else client
            annotator = Annotator(
                made or LLMClient(),
                student,
                judge,
                sampling.temperature,
                sampling.max_tokens,
                check_empty,
                sampling.judge_temperature,
                sampling.judge_max_tokens,
            )
            store.open()
            workers = workers or DEFAULT_WORKERS
            with log_to_file(store.output.parent / LOG_FILE):
                log.info(
                    "%s: %d %s to run (%d already finished) with %d workers",
                    setup.paradigm,
                    len(pending),
                    "sequences" if setup.chained else "positions",
                    (len(sequences) if setup.chained else sum(len(seq["question_ids"]) for seq in sequences))
                    - len(pending),
                    workers,
                )
                try:
                    if setup.chained:
                        left.stopped, left.stopped_truncated = _run_chains(
                            pending, problems, annotator, store, prefixes, workers, setup
                        )
                    else:
                        left.stopped, left.stopped_truncated = _run_positions(
                            pending, problems, annotator, store, workers, setup, sequences
                        )
                finally:
                    left.adaptations = tuple(annotator.client.adaptation_notes)
    finally:  # after a failure too, so the list shows every journaled position (and mends a stale one)
        store.write_json()
    return left


def _one_url(role: str, reference_name: str | None, project_name: str | None) -> str | None:
    """A role's base URL given under EvaLearn's 2026 name or this project's earlier one (not both, differing)."""
    if reference_name and project_name and reference_name != project_name:
        raise UsageError(f"two base URLs for the {role}: {reference_name!r} and {project_name!r}; give one")
    return reference_name or project_name


def sequentialEval(
    input_json_path,
    seq_json_path,
    output_json_path,
    worker_nums=None,
    check_empty=True,
    judge_api_key=None,
    client_api_key=None,
    judge_model=DEFAULT_MODEL,
    client_model=DEFAULT_MODEL,
    judge_api_base_url=None,
    client_api_base_url=None,
    *,
    client_base_url=None,
    judge_base_url=None,
    paradigm=DEFAULT_PARADIGM,
    rubric_lang=DEFAULT_RUBRIC_LANG,
    shots=DEFAULT_SHOTS,
    few_shot_seed=DEFAULT_FEW_SHOT_SEED,
    num_sequences=None,
    sequence_ids=None,
    sequence_types=None,
    seed=0,
    seq_len=DEFAULT_SEQ_LEN,
    temperature=DEFAULT_TEMPERATURE,
    max_tokens=DEFAULT_MAX_TOKENS,
    client=None,
    console: Console | None = None,
    env_keys: bool = True,
    judge_temperature=JUDGE_TEMPERATURE,
    judge_max_tokens=JUDGE_MAX_TOKENS,
    client_extra_body: dict | None = None,
    judge_extra_body: dict | None = None,
    prices: dict[str, tuple[float, float]] | None = None,
) -> EvalOutcome:
    """Evaluate every selected sequence (resuming earlier work in ``output_json_path``).

    The positional arguments are EvaLearn's (its January 2026 signature, shared by ``zeroShotEval``,
    ``fewShotEval`` and ``demonstrationEval``); ``client_base_url``/``judge_base_url`` are this
    project's earlier names for the two URLs. Base URLs default to CLIENT_API_BASE_URL /
    JUDGE_API_BASE_URL, then OPENAI_BASE_URL, else https://api.openai.com; keys to CLIENT_API_KEY /
    JUDGE_API_KEY, then OPENAI_API_KEY (none: no auth header). ``paradigm`` is feedback (the default),
    zero-shot, few-shot (``shots`` examples drawn with ``few_shot_seed``) or demonstration;
    ``rubric_lang`` picks rubric_zh or rubric_en first (see ``rubrics``).
    ``input_json_path`` may be a runner's runs.jsonl (``seq_json_path`` None:
    one sequence per type in difficulty order, ``seq_len`` long). Raises
    UsageError/DataError (bad input, nothing written), EndpointError (an
    endpoint failed for good; finished work kept) or KeyboardInterrupt.
    ``client``: an LLMClient, or a function making one (called only when there
    is work, so bad input writes nothing, not even a cache folder).
    ``env_keys=False`` ignores key variables (the demo sends no key anywhere).
    ``temperature``/``max_tokens`` sample the student, ``judge_temperature``/``judge_max_tokens``
    the judge (EvaLearn's 0.2, 4096 and 0.2, 2048 by default; a temperature of None is left out
    of requests); ``client_extra_body``/``judge_extra_body`` are fields merged into each request of
    that role; ``prices`` (role -> USD per million prompt, completion tokens) add a cost line.
    """
    if rubric_lang not in RUBRIC_LANGS:
        raise UsageError(f"--rubric-lang must be one of {', '.join(RUBRIC_LANGS)} (got {rubric_lang!r})")
    if paradigm not in PARADIGMS:
        raise UsageError(f"--paradigm must be one of {', '.join(PARADIGMS)} (got {paradigm!r})")
    student, judge = _endpoints(
        client_model,
        judge_model,
        _one_url("client", client_api_base_url, client_base_url),
        _one_url("judge", judge_api_base_url, judge_base_url),
        client_api_key,
        judge_api_key,
        env_keys,
        (client_extra_body, judge_extra_body),
    )
    selection = {
        "num_sequences": num_sequences,
        "sequence_ids": sequence_ids,
        "sequence_types": sequence_types,
        "seed": seed,
    }
    sequences, problems, invalid = _select(input_json_path, seq_json_path, seq_len, selection)
    setup = Setup(paradigm, rubric_lang, shots, few_shot_seed, problems)
    setup.check(sequences, input_json_path)
    store = _load_store(Path(output_json_path), (input_json_path, seq_json_path))
    try:  # the store holds the journal's lock from here to the end
        left = _evaluate_pending(
            store,
            sequences,
            problems,
            student,
            judge,
            client,
            workers=worker_nums,
            sampling=Sampling(temperature, max_tokens, judge_temperature, judge_max_tokens),
            check_empty=check_empty,
            setup=setup,
        )
    finally:
        store.close()
    selected_ids = {seq["sequence_id"] for seq in sequences}
    items = [item for item in store.sorted_items() if item.sequence_id in selected_ids]
    outcome = EvalOutcome(
        sequences,
        items,
        check_integrity(sequences, store.items),
        store.json_path or store.journal,
        store.journal,
        invalid,
        left.stopped,
        left.stopped_truncated,
        list(left.adaptations),
    )
    print_sequential_summary(console or Console(), outcome, prices)
    return outcome


def _run_positions(
    pending: list[tuple[dict, int]],
    problems: dict,
    annotator: Annotator,
    store: ResultStore,
    workers: int,
    setup: Setup,
    sequences: list[dict],
) -> tuple[list[tuple], int]:
    """Every unfinished position as its own task (positions that do not depend on each other); the answers
    that stayed empty, and how many of them their token limit cut."""
    cut: list[tuple] = []

    def ask(sequence: dict, position: int) -> SequentialItem | None:
        problem = problems[sequence["question_ids"][position - 1]]
        try:
            return evaluate_position(annotator, sequence, position, problem, [], setup)
        except EmptyAnswer as empty:
            if empty.truncated:
                cut.append((sequence["sequence_id"], position))
            return None

    total = sum(len(seq["question_ids"]) for seq in sequences)
    return run_positions(pending, ask, store, annotator.client, workers, total), len(cut)

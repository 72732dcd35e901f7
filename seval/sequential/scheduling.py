"""Scheduling a sequential evaluation on the engine: ``run_tasks``, and zero-shot's one task per position.

``run_tasks`` is the skeleton both schedules share (progress, Ctrl-C, the first failure, the
threads released). A chained paradigm gives it one task per sequence (``runner._run_chains``);
``run_positions`` gives it one per unfinished position, so ``--workers`` positions are asked at once
whatever the sequences' lengths, and a resume redoes exactly the positions that are missing. The
work of one position comes in as ``ask`` (which returns None when the answer stayed empty), so this
module knows the engine, the store and the progress bar, and nothing about prompts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from seval.client.core import LLMClient
from seval.console import stderr_console
from seval.engine import Engine
from seval.errors import Cancelled
from seval.progress import RunProgress
from seval.sequential.records import ResultStore, SequentialItem

log = logging.getLogger(__name__)


def run_tasks(
    tasks: list[tuple],
    work: Callable[..., None],
    store: ResultStore,
    client: LLMClient,
    workers: int,
    total: int,
    done: int,
) -> None:
    """Run ``work(engine, progress, *task)`` for every task on one engine, ``workers`` at a time.

    The one skeleton both schedules share: a progress bar over ``total`` positions (``done`` finished
    before), Ctrl-C stopping everything with what finished saved, the first failure raised after every
    task in flight has finished, and the engine's threads released.
    """
    engine = Engine(workers=workers, cancel_event=client.cancel_event)
    with RunProgress(client, total, "positions", console=stderr_console(), done=done) as progress:
        futures = [engine.submit(work, engine, progress, *task) for task in tasks]
        try:
            engine.wait_for(futures)
        except KeyboardInterrupt:
            engine.interrupted(lambda text: stderr_console().print(text, style="yellow"), "finished positions")
            store.write_json()
            raise
    try:
        engine.raise_failure()
        if engine.stopping:
            raise Cancelled()
    finally:  # every task is done by now; release the threads (API callers run many evaluations)
        engine.close()


def run_positions(
    tasks: list[tuple[dict, int]],
    ask: Callable[[dict, int], SequentialItem | None],
    store: ResultStore,
    client: LLMClient,
    workers: int,
    total: int,
) -> list[tuple]:
    """Ask every ``(sequence, position)`` in ``tasks`` at once, journaling each as it finishes.

    ``total``: positions of the selected sequences, finished ones included (for the progress bar).
    Returns ``(sequence_id, position)`` of the answers that stayed empty (nothing recorded for them).
    Raises the first endpoint failure, or Cancelled/KeyboardInterrupt, after saving what finished.
    """
    stopped: list[tuple] = []

    def one(engine: Engine, progress: RunProgress, sequence: dict, position: int) -> None:
        engine.check()
        item = ask(sequence, position)
        if item is None:
            stopped.append((sequence["sequence_id"], position))
            log.warning("sequence %s position %s: the answer stayed empty", sequence["sequence_id"], position)
            return
        store.record(item)
        progress.advance()
        store.checkpoint()

    run_tasks(tasks, one, store, client, workers, total, total - len(tasks))
    return sorted(stopped, key=lambda entry: (str(entry[0]), entry[1]))

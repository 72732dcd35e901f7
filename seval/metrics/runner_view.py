"""The runner view: figures from the benchmark runner's ``runs.jsonl``.

Each line of runs.jsonl is one finished run (``run_id``, ``ema_score``,
``examples``...). Lines are read as plain dicts, on purpose: this module
must not depend on the persistence layer's models or their timing.

What it reports:

* accuracy per difficulty and per reasoning type, with Wilson 95% intervals
  (an example is correct when its score is above 0.5, as in the runner's report;
  examples marked ``excluded`` are left out of everything, as are ``truncated`` ones of a run
  with ``exclude_truncated``);
* the EMA trajectory over runs (each run's ``ema_score``), with runs marked
  ``replay`` listed apart from generated runs;
* per reasoning type, a logistic fit of correctness against difficulty and
  the difficulty at which the model succeeds half the time (D50), with a
  bootstrap interval, or the reason the data cannot place it.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict

import numpy as np

from seval.benchmark.scoring import counts_in_scores, is_correct
from seval.metrics.core import wilson
from seval.metrics.fit import bootstrap_d50, place_d50
from seval.metrics.load import InputError, ReadInfo, is_run_record, read_values


def _number(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x)


def _difficulty(x: object) -> int | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if isinstance(x, str) and x.strip().isdigit():
        return int(x.strip())
    return None


def _rate_row(key: str, value, n: int, k: int) -> dict:
    lo, hi = wilson(k, n)
    return {key: value, "n": n, "correct": k, "accuracy": k / n if n else None, "ci95": {"low": lo, "high": hi}}


class RunnerView:
    """Read a runs.jsonl file and compute the runner view's figures."""

    def __init__(self, runs_file: str) -> None:
        self.runs_file = runs_file
        self.info = ReadInfo(runs_file)
        self.runs: list[dict] = []
        self.stats = dict(
            lines=0,
            not_run_records=0,
            examples=0,
            excluded_examples=0,
            unscored_examples=0,
            non_binary_scores=0,
            judge_errors=0,
            examples_without_difficulty=0,
        )
        # (reasoning_type, difficulty or None, correct) per usable example
        self.examples: list[tuple[str, int | None, int]] = []
        self._read()

    def _read(self) -> None:
        st = self.stats
        for batch in read_values(self.runs_file, self.info):
            for value in batch:
                st["lines"] += 1
                if not is_run_record(value) or not isinstance(value["examples"], list):
                    st["not_run_records"] += 1
                    continue
                scored = 0
                for ex in value["examples"]:
                    if not isinstance(ex, dict):
                        st["unscored_examples"] += 1
                        continue
                    st["examples"] += 1
                    excluded, cut = ex.get("excluded") is True, ex.get("truncated") is True
                    if not counts_in_scores(excluded, cut, value.get("exclude_truncated") is True):  # as the run did
                        st["excluded_examples"] += 1
                        continue
                    score = _number(ex.get("score"))
                    if score is None or math.isnan(score):
                        st["unscored_examples"] += 1
                        continue
                    if score not in (0.0, 1.0):
                        st["non_binary_scores"] += 1
                    if ex.get("judge_error"):
                        st["judge_errors"] += 1
                    tags = ex.get("tags")
                    if not isinstance(tags, dict):
                        tags = {}
                    rtype = tags.get("reasoning_type")
                    rtype = "unknown" if rtype is None else str(rtype)
                    diff = _difficulty(tags.get("difficulty"))
                    if diff is None:
                        st["examples_without_difficulty"] += 1
                    self.examples.append((rtype, diff, 1 if is_correct(score) else 0))
                    scored += 1
                self.runs.append(
                    {
                        "run_id": value.get("run_id"),
                        "started_at": value.get("started_at"),
                        "ended_at": value.get("ended_at"),
                        "run_mean_score": _number(value.get("run_mean_score")),
                        "ema_score": _number(value.get("ema_score")),
                        "examples": scored,
                        "replay": value.get("replay") is True,
                    }
                )
        if self.info.truncated_line is not None:
            st["truncated_last_line"] = self.info.truncated_line
        if not self.runs:
            raise InputError(f"{self.runs_file} holds no run record (lines with run_id and examples)")

    def by_difficulty(self) -> list[dict]:
        cells: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for _, d, ok in self.examples:
            if d is not None:
                cells[d][0] += 1
                cells[d][1] += ok
        return [_rate_row("difficulty", d, n, k) for d, (n, k) in sorted(cells.items())]

    def by_reasoning_type(self) -> list[dict]:
        cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for t, _, ok in self.examples:
            cells[t][0] += 1
            cells[t][1] += ok
        return [_rate_row("reasoning_type", t, n, k) for t, (n, k) in sorted(cells.items())]

    def ema_trajectory(self) -> dict:
        keep = ("run_id", "started_at", "run_mean_score", "ema_score", "examples")
        generated = [{k: r[k] for k in keep} for r in self.runs if not r["replay"]]
        replay = [{k: r[k] for k in keep} for r in self.runs if r["replay"]]
        return {"generated": generated, "replay": replay}

    def difficulty_fits(self, reps: int, seed: int) -> dict:
        per_type: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for t, level, ok in self.examples:
            if level is not None:
                per_type[t][level][0] += 1
                per_type[t][level][1] += ok
        fits = {}
        for i, t in enumerate(sorted(per_type)):
            levels = sorted(per_type[t])
            d = np.array(levels, dtype=np.float64)
            n = np.array([per_type[t][x][0] for x in levels], dtype=np.float64)
            k = np.array([per_type[t][x][1] for x in levels], dtype=np.float64)
            fit = place_d50(d, n, k)
            fit["examples"] = int(n.sum())
            fit["levels"] = levels
            if reps > 0 and fit["status"] == "ok":
                fit["d50_ci95"] = bootstrap_d50(d, n, k, reps, seed + i)
            else:
                fit["d50_ci95"] = None
            fits[t] = fit
        return fits

    def report(self, reps: int = 1000, seed: int = 0) -> dict:
        generated = sum(1 for r in self.runs if not r["replay"])
        return {
            "runner_evaluation": {
                "dataset_info": {
                    "source": os.path.basename(self.runs_file),
                    "runs": len(self.runs),
                    "generated_runs": generated,
                    "replay_runs": len(self.runs) - generated,
                    "scored_examples": len(self.examples),
                    "correct_means": "score > 0.5 (a binary verdict of 1, or more than half of a judge panel)",
                },
                "by_difficulty": self.by_difficulty(),
                "by_reasoning_type": self.by_reasoning_type(),
                "ema_trajectory": self.ema_trajectory(),
                "difficulty_fit": self.difficulty_fits(reps, seed),
                "bootstrap": {"resamples": reps, "seed": seed, "level": 0.95},
                "data_quality": {**self.stats, "warnings": list(self.info.notes)},
            }
        }

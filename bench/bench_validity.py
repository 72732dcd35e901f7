#!/usr/bin/env python3
"""How far the reported accuracy can be trusted: one judge vs a validated panel of three (prints figures, not a test).

A simulated endpoint (``sim_endpoint.SimServer``) writes questions whose true
answers are known from their tags, but gives a share of them a WRONG
reference answer (``--flawed-rate``, default 0.10), and its judges flip their
verdict with probability ``--judge-error-rate`` (default 0.10), each judge
independently. The CLI runs twice on the same seed, into two temporary folders:

  (a) one judge (``sim-judge``), no validation: what a plain run reports;
  (b) a panel ``sim-judge,sim-judge-2,sim-judge-3`` (majority) with ``--validate``
      (``--panel 5`` adds ``sim-judge-4`` and ``sim-judge-5``).

For each run it prints the reported accuracy (the run record's
``run_mean_score``), the ground-truth accuracy of the same scored questions
(share of non-excluded examples whose answer's final line matches
``true_answer_for(question)`` under ``answers_match``), the gap between them
in accuracy points, and how many items were scored and excluded, plus where
the gap comes from (scored items with a wrong reference; items graded against
the truth).

Target: (b) within TARGET_POINTS (2) accuracy points of the truth, while (a) is
visibly off, i.e. more than VISIBLE_POINTS (2) points away. PASS/MISS is
printed per run and per seed.

What drives the gaps. (a): wrong references mark right answers wrong, and
flips go both ways; the two partly cancel, so its net gap varies from seed to
seed although about one item in eight is misgraded. (b): a majority of three
judges that each flip 10% of verdicts is still wrong on 3p^2 - 2p^3 = 2.8% of
items. In the sim a right answer is word for word the evaluation model's own
validation solution, so its grading request is the validation request again
and gets the same verdict: a right answer misgraded as wrong would have failed
validation and been regenerated. Only wrong answers are left to be misgraded,
upwards: about 0.028 x (1 - accuracy), roughly +1 point on average, plus
binomial noise of about 0.7 points at 240 items (more items shrink the noise,
not the bias; ``--panel 5`` shrinks both). A real judge at temperature 0, or
``--cache-dir``, behaves the same when the answering and evaluation models
write the same answer.

    python bench/bench_validity.py [--seed 0,1,2] [--flawed-rate 0.1] [--judge-error-rate 0.1]
                                   [--types 8] [--levels 10] [--questions 3] [--panel 3]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seval.benchmark.prompts import DEFAULT_REASONING_TYPES  # noqa: E402
from seval.sim.server import SimServer, answers_match, true_answer_for  # noqa: E402

CLI = ROOT / "self_evolving_benchmark.py"
TARGET_POINTS = 2.0  # (b) must be within this many accuracy points of the truth
VISIBLE_POINTS = 2.0  # (a) is "visibly off" when its gap is larger than this
SINGLE = ("sim-judge", ())
PANEL = ("sim-judge,sim-judge-2,sim-judge-3", ("--judge-aggregation", "majority", "--validate"))


def panel_of(size: int) -> tuple[str, tuple[str, ...]]:
    """Run (b)'s judges: sim-judge, sim-judge-2, ... (the sim treats any sim-judge* name as a judge)."""
    names = ["sim-judge"] + [f"sim-judge-{k}" for k in range(2, size + 1)]
    return ",".join(names), PANEL[1]


def final_answer(text: str) -> str:
    """The first non-empty line after the last 'Final answer:' (what the simulated judge reads)."""
    parts = re.split(r"final answer\s*:", text or "", flags=re.IGNORECASE)
    if len(parts) < 2:
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        return lines[-1] if lines else ""
    rest = [line.strip() for line in parts[-1].splitlines() if line.strip()]
    return rest[0] if rest else ""


@dataclass
class Figures:
    label: str
    reported: float | None
    truth: float | None
    scored: int
    excluded: int
    flawed_scored: int  # scored items whose reference answer is wrong
    graded_right: int  # scored items whose (binary) score equals the ground truth
    too_high: int  # scored correct, wrong by the ground truth
    too_low: int  # scored incorrect, right by the ground truth
    seconds: float

    @property
    def gap_points(self) -> float | None:
        if self.reported is None or self.truth is None:
            return None
        return abs(self.reported - self.truth) * 100


def run_cli(base_url: str, out_dir: Path, judges: str, extra: tuple, args: argparse.Namespace) -> float:
    types = ",".join(DEFAULT_REASONING_TYPES[: args.types])
    command = [
        sys.executable,
        str(CLI),
        "--base-url",
        base_url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        args.solver,
        "--model-evaluation",
        judges,
        "--reasoning-types",
        types,
        "--n",
        str(args.levels),
        "--num-questions",
        str(args.questions),
        "--out-dir",
        str(out_dir),
        "--no-charts",
        "--retry-backoff",
        "0",
        "--log-level",
        "WARNING",
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise SystemExit(f"the CLI failed ({done.returncode}): {done.stderr.strip()}")
    return time.perf_counter() - started


def measure(label: str, out_dir: Path, seconds: float) -> Figures:
    record = json.loads((out_dir / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    scored = [e for e in record["examples"] if not e["excluded"]]
    truths = [answers_match(final_answer(e["answer"]), true_answer_for(e["question"])) for e in scored]
    flawed = sum(
        1
        for e in scored
        if e["reference_answer"] is not None
        and not answers_match(e["reference_answer"], true_answer_for(e["question"]))
    )
    calls = [e["score"] > 0.5 for e in scored]
    right = sum(1 for call, truth in zip(calls, truths, strict=True) if call == truth)
    too_high = sum(1 for call, truth in zip(calls, truths, strict=True) if call and not truth)
    truth = sum(truths) / len(truths) if truths else None
    return Figures(
        label,
        record["run_mean_score"],
        truth,
        len(scored),
        record["excluded"],
        flawed,
        right,
        too_high,
        len(scored) - right - too_high,
        seconds,
    )


def fmt(value: float | None, pattern: str = "{:.4f}") -> str:
    return "-" if value is None else pattern.format(value)


def one_seed(seed: int, args: argparse.Namespace) -> tuple[Figures, Figures]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-validity-") as tmp:
        for label, (judges, extra) in (("(a) one judge", SINGLE), ("(b) panel+validate", panel_of(args.panel))):
            # A fresh sim per run, same seed: both runs see the same simulated world.
            with SimServer(seed=seed, flawed_rate=args.flawed_rate, judge_error_rate=args.judge_error_rate) as sim:
                out_dir = Path(tmp) / label[1]
                seconds = run_cli(sim.base_url, out_dir, judges, extra, args)
            results.append(measure(label, out_dir, seconds))
    return results[0], results[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", default="0", help="sim seed, or a comma-separated list of seeds (default 0)")
    parser.add_argument("--flawed-rate", type=float, default=0.10, help="share of wrong reference answers")
    parser.add_argument("--judge-error-rate", type=float, default=0.10, help="probability a judge flips a verdict")
    parser.add_argument("--types", type=int, default=8, help="reasoning types (1-8, default 8)")
    parser.add_argument("--levels", type=int, default=10, help="difficulty levels (1-10, default 10)")
    parser.add_argument("--questions", type=int, default=3, help="questions per cell (default 3)")
    parser.add_argument("--solver", default="sim-solver", help="answering model (default sim-solver)")
    parser.add_argument("--panel", type=int, default=3, help="judges in run (b), at least 2 (default 3)")
    args = parser.parse_args(argv)
    seeds = [int(part) for part in args.seed.split(",") if part.strip()]
    if args.panel < 2:
        parser.error("--panel must be at least 2")

    print(
        f"Simulated world: flawed references {args.flawed_rate:.0%}, judge flips {args.judge_error_rate:.0%}; "
        f"{args.types} types x {args.levels} levels x {args.questions} questions = "
        f"{args.types * args.levels * args.questions} items per run; answering {args.solver}; "
        f"run (b) panel of {args.panel} judges."
    )
    print(
        f"Target: (b) within {TARGET_POINTS:g} points of the truth; (a) visibly off = more than "
        f"{VISIBLE_POINTS:g} points away.\n"
    )
    header = (
        f"{'seed':>4}  {'run':<19} {'reported':>8} {'truth':>8} {'gap pts':>7} {'scored':>6} {'excl':>5} "
        f"{'bad ref':>7} {'graded ok':>9} {'+/-':>7} {'secs':>5}  verdict"
    )
    print(header)
    print("-" * len(header))
    passes = 0
    for seed in seeds:
        single, panel = one_seed(seed, args)
        verdicts = {
            single.label: single.gap_points is not None and single.gap_points > VISIBLE_POINTS,
            panel.label: panel.gap_points is not None and panel.gap_points <= TARGET_POINTS,
        }
        for figures in (single, panel):
            ok = verdicts[figures.label]
            print(
                f"{seed:>4}  {figures.label:<19} {fmt(figures.reported):>8} {fmt(figures.truth):>8} "
                f"{fmt(figures.gap_points, '{:.2f}'):>7} {figures.scored:>6} {figures.excluded:>5} "
                f"{figures.flawed_scored:>7} {figures.graded_right:>4}/{figures.scored:<4} "
                f"{f'+{figures.too_high}/-{figures.too_low}':>7} "
                f"{figures.seconds:>5.1f}  {'PASS' if ok else 'MISS'}"
                + ("" if figures is panel else " (visibly off)" if ok else " (not visibly off)")
            )
        passes += all(verdicts.values())
    print(f"\nSeeds meeting the target (both runs): {passes} of {len(seeds)}")
    print(
        "bad ref: scored items whose reference answer is wrong; graded ok: binary score equals the truth; "
        "+/-: scored correct but wrong / scored incorrect but right."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

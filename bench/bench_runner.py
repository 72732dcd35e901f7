#!/usr/bin/env python3
"""Benchmark of the runner's schedule and of the harness's own CPU cost (prints figures; not a test).

Part 1, schedule. Simulated endpoints answer every request after a fixed
latency L. A run of T types x D levels x Q questions has, per type, a chain of
D*Q generations that must go one after another (question k+1 lists question k
as must-differ), plus one answer and one verdict after the last one: the
critical path is (D*Q + 2) L. A one-at-a-time client needs 3*T*D*Q calls x L.
Concurrency is capped per endpoint (base URL), so the main figure uses THREE
sim servers, one per role; the single-endpoint figure, where all roles share
one cap, is printed too.

The CLI runs as a subprocess (its own interpreter, so the sim servers here do
not share its GIL). "Run wall" is timed from the first request the sims
receive to the process's exit, which leaves out interpreter start-up and
imports; the process wall is printed as well.

Part 2, harness CPU per call at L = 0: user+sys CPU of the CLI subprocess
(``RUSAGE_CHILDREN``), minus the CPU of ``--help`` (start-up and imports),
divided by the number of calls of a larger run (T x D x 4 questions) to
amortise what is left of the fixed cost. The marginal cost (the CPU difference
between that run and one half its size, per extra call) leaves out every fixed
cost, lazy imports and the report included.

Figures depend on the machine and on what else runs on it: the load average
is printed first; run it on a quiet machine.

    python bench/bench_runner.py [--latency 0.05] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seval.benchmark.prompts import DEFAULT_REASONING_TYPES  # noqa: E402
from seval.sim.server import SimServer  # noqa: E402

CLI = ROOT / "self_evolving_benchmark.py"
ROLES = ("generation", "answering", "evaluation")
MODELS = {"generation": "sim-generator", "answering": "sim-solver", "evaluation": "sim-judge"}
WALL_TARGET = 1.3  # wall / critical-path bound
CPU_TARGET_MS = 2.0  # harness CPU per call
# Charts (matplotlib, drawn once after the run) are a fixed cost outside what is measured here.
NO_CHARTS = ("--no-charts",)


class ArrivalClock:
    """on_request hook shared by the servers: times of the first and last arrivals, and the count."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, _count: int) -> None:
        now = time.perf_counter()
        with self._lock:
            self.count += 1
            self.last = now
            if self.first is None:
                self.first = now


def cli_command(
    urls: dict[str, str], out_dir: Path, types: tuple[str, ...], levels: int, questions: int, concurrency: int
) -> list[str]:
    command = [
        sys.executable,
        str(CLI),
        "--out-dir",
        str(out_dir),
        "--reasoning-types",
        ",".join(types),
        "--n",
        str(levels),
        "--num-questions",
        str(questions),
        "--concurrency",
        str(concurrency),
        "--log-level",
        "WARNING",
        *NO_CHARTS,
    ]
    for role in ROLES:
        command += [f"--base-url-{role}", urls[role], f"--model-{role}", MODELS[role]]
    return command


def cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}


def timed_run(
    latency: float, separate: bool, types: tuple[str, ...], levels: int, questions: int, concurrency: int
) -> dict:
    """One run against sims of ``latency``; one server per role when ``separate``."""
    clock = ArrivalClock()
    servers = [SimServer(seed=0, latency=latency, on_request=clock).start() for _ in (ROLES if separate else ROLES[:1])]
    urls = {role: (servers[i] if separate else servers[0]).base_url for i, role in enumerate(ROLES)}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_runner_") as tmp:
            started = time.perf_counter()
            result = subprocess.run(
                cli_command(urls, Path(tmp), types, levels, questions, concurrency),
                env=cli_env(),
                capture_output=True,
                text=True,
            )
            ended = time.perf_counter()
    finally:
        for server in servers:
            server.stop()
    if result.returncode != 0:
        sys.exit(f"the CLI failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return {
        "run_wall": ended - clock.first,
        "process_wall": ended - started,
        "calls": clock.count,
        "tail": ended - clock.last,
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of_run(types: tuple[str, ...], levels: int, questions: int, concurrency: int) -> tuple[float, int]:
    """(CLI user+sys CPU, calls) of one run at zero latency on three endpoints."""
    clock = ArrivalClock()
    servers = [SimServer(seed=0, on_request=clock).start() for _ in ROLES]
    urls = {role: servers[i].base_url for i, role in enumerate(ROLES)}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_cpu_") as tmp:
            before = children_cpu()
            subprocess.run(
                cli_command(urls, Path(tmp), types, levels, questions, concurrency),
                env=cli_env(),
                capture_output=True,
                check=True,
            )
            return children_cpu() - before, clock.count
    finally:
        for server in servers:
            server.stop()


def cpu_per_call(types: tuple[str, ...], levels: int, questions: int, concurrency: int, repeat: int) -> dict:
    """Harness CPU per call at zero latency: start-up subtracted, and marginal. Least of ``repeat`` each."""
    startups = []
    for _ in range(repeat):
        before = children_cpu()
        subprocess.run([sys.executable, str(CLI), "--help"], env=cli_env(), capture_output=True, check=True)
        startups.append(children_cpu() - before)
    startup = min(startups)
    big = min(cpu_of_run(types, levels, questions, concurrency) for _ in range(repeat))
    half = min(cpu_of_run(types, levels, max(1, questions // 2), concurrency) for _ in range(repeat))
    (total, calls), (half_total, half_calls) = big, half
    return {
        "startup_s": startup,
        "total_s": total,
        "calls": calls,
        "per_call_ms": 1000 * (total - startup) / calls,
        "per_call_raw_ms": 1000 * total / calls,
        "marginal_ms": 1000 * (total - half_total) / (calls - half_calls) if calls > half_calls else float("nan"),
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per simulated reply (default 0.05)")
    parser.add_argument("--concurrency", type=int, default=16, help="--concurrency of the CLI (default 16)")
    parser.add_argument("--types", type=int, default=8, help="reasoning types (default 8)")
    parser.add_argument("--levels", type=int, default=10, help="difficulty levels (default 10)")
    parser.add_argument("--questions", type=int, default=2, help="questions per cell (default 2)")
    parser.add_argument("--cpu-questions", type=int, default=4, help="questions per cell of the CPU run (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per setting; the best is kept (default 3)")
    args = parser.parse_args(argv)

    types = tuple(DEFAULT_REASONING_TYPES[: args.types])
    items = len(types) * args.levels * args.questions
    calls = 3 * items
    latency = args.latency
    bound = (args.levels * args.questions + 2) * latency
    serial = calls * latency

    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    print(
        f"Machine: {cores} CPUs, load average {load:.2f}"
        + ("  (busy: figures below are pessimistic)" if load > 0.5 * cores else "")
    )
    print(
        f"Runner benchmark: {len(types)} types x {args.levels} levels x {args.questions} questions = "
        f"{items} items, {calls} calls; latency L = {latency * 1000:.0f} ms; --concurrency {args.concurrency}"
    )
    print(
        f"Critical-path bound: ({args.levels * args.questions} generations in a row + 1 answer + 1 verdict) "
        f"x L = {bound:.3f} s"
    )
    print(f"One-at-a-time time : {calls} calls x L = {serial:.3f} s")
    print("Concurrency is capped per endpoint (base URL): the main figure uses three sim servers, one per role.")
    print()

    figures = {}
    for label, separate in (("three endpoints (one per role)", True), ("one endpoint (all roles)", False)):
        runs = [
            timed_run(latency, separate, types, args.levels, args.questions, args.concurrency)
            for _ in range(args.repeat)
        ]
        best = min(runs, key=lambda run: run["run_wall"])
        extra = best["calls"] - calls
        figures[separate] = best
        walls = ", ".join(f"{run['run_wall']:.3f}" for run in runs)
        print(f"{label}:")
        print(f"  run wall (first request to exit), best of {args.repeat}: {best['run_wall']:.3f} s  [{walls}]")
        print(f"  process wall (with interpreter start-up): {best['process_wall']:.3f} s")
        print(
            f"  calls the sims saw: {best['calls']}"
            + (f" ({extra:+d}: questions asked again or verdicts asked once more)" if extra else "")
        )
        print(
            f"  wall / bound  = {best['run_wall'] / bound:.2f}  (target <= {WALL_TARGET})  "
            f"{verdict(best['run_wall'] / bound <= WALL_TARGET) if separate else '(capacity-bound, for information)'}"
        )
        print(f"  serial / wall = {serial / best['run_wall']:.1f}x")
        print(
            f"  last request to exit: {best['tail']:.3f} s (its reply L, then record, report, summary, "
            "interpreter exit)"
        )
        # First request to last request: the chain's generations, then the last question's answer.
        step = (best["run_wall"] - best["tail"]) / (args.levels * args.questions + 1)
        print(
            f"  one step on the critical path: {step * 1000:.0f} ms of which L = {latency * 1000:.0f} ms "
            f"(overhead {(step - latency) * 1000:.0f} ms per step)"
        )
        if not separate:
            slots = calls * latency / args.concurrency
            print(
                f"  (one endpoint: {calls} calls x L / {args.concurrency} slots = {slots:.3f} s is a floor "
                f"of its own, above the critical path when it exceeds {bound:.3f} s)"
            )
    print()

    cpu = cpu_per_call(types, args.levels, args.cpu_questions, args.concurrency, args.repeat)
    print(
        f"Harness CPU at L = 0 ({len(types)} x {args.levels} x {args.cpu_questions} items, {cpu['calls']} calls, "
        f"three endpoints; least of {args.repeat}):"
    )
    print(f"  CLI user+sys CPU {cpu['total_s']:.3f} s; start-up and imports (--help) {cpu['startup_s']:.3f} s")
    print(
        f"  per call, start-up subtracted: {cpu['per_call_ms']:.2f} ms  (target < {CPU_TARGET_MS} ms)  "
        f"{verdict(cpu['per_call_ms'] < CPU_TARGET_MS)}"
    )
    print(
        f"  per call, marginal (vs a run half the size): {cpu['marginal_ms']:.2f} ms  "
        f"{verdict(cpu['marginal_ms'] < CPU_TARGET_MS)}"
    )
    print(f"  per call, start-up included : {cpu['per_call_raw_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

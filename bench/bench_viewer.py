#!/usr/bin/env python3
"""Benchmark of the results viewer (prints figures against the bounds; not a test).

1. Size: the demo's pages. The benchmark demo and the sequential demo run against the simulated
   endpoint (as ``--demo`` does, without charts), then ``--view`` writes their pages; the sizes are
   printed against SIZE_BOUND_KB and against the records each page shows (runs.jsonl, results.json).
2. Speed: a benchmark folder of 10,000 items (10 runs x 1,000), written through the project's own
   records (run records and journals), with sim questions and two text profiles:
   * ``plain``: answers, verdicts and notes as long as the simulator's (one judge);
   * ``heavy``: what a reasoning model and a panel leave: a 1.5 KB answer, 3 KB of reasoning
     (issue 11's field), three judges with rationale and reply, a validation answer.
   Each page is opened in headless Chromium (driven over the DevTools pipe, ``tests/browser.py``)
   and timed inside the page: navigation start to the first view drawn and listening for input
   ("interactive", the ``seval-ready`` mark), with the JSON parse, first paint and the end of the
   background reading of the long texts beside it; a page opened with a search in its address
   (which must wait for every text); then the median of 5 of each interaction, from the input
   event to the view drawn again: a filter, a search (after the search box's 120 ms typing pause),
   the next page, opening an item.
   Bound: interactive within INTERACTIVE_BOUND_MS.

Figures depend on the machine and on what else runs on it (the load average is printed).

    python bench/bench_viewer.py [--items 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, find_chromium  # noqa: E402

from seval.benchmark.records import (  # noqa: E402
    Example,
    ExampleTags,
    ItemStep,
    JudgeVerdict,
    QuestionStep,
    RunDescription,
    RunFinished,
    RunPlan,
    RunRecord,
)
from seval.benchmark.store import RUNS_FILE, journal_path  # noqa: E402
from seval.records import TokenUsage  # noqa: E402
from seval.sim.items import make_item  # noqa: E402
from seval.view import build_benchmark_view  # noqa: E402

INTERACTIVE_BOUND_MS = 2000.0
SIZE_BOUND_KB = 1024.0  # "small": opens at once, and can be attached to an issue or mailed
RUNS = 10
TYPES = (
    "logical_deduction",
    "mathematical_reasoning",
    "commonsense_reasoning",
    "reading_comprehension",
    "abstraction_analogy",
)
LEVELS = 10
REPEATS = 5
WORDS = (
    "the",
    "value",
    "first",
    "step",
    "so",
    "we",
    "check",
    "each",
    "constraint",
    "then",
    "count",
    "order",
    "remaining",
    "answer",
    "because",
    "after",
    "position",
    "which",
    "gives",
    "again",
    "total",
    "rule",
)
STAMP = "2026-01-01T00:00:00+00:00"


def prose(rng: random.Random, length: int) -> str:
    """Filler text of about ``length`` characters, in sentences and paragraphs."""
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        words.append(word + ("." if rng.random() < 0.08 else "") + ("\n\n" if rng.random() < 0.01 else ""))
        size += len(word) + 1
    return " ".join(words)


def make_folder(folder: Path, items: int, heavy: bool, seed: int = 0) -> None:
    """``items`` examples over RUNS runs, written as runs.jsonl plus one journal per run."""
    rng = random.Random(seed)
    per_run = items // RUNS
    per_cell = max(1, per_run // (len(TYPES) * LEVELS))
    judges = ["judge-a", "judge-b", "judge-c"] if heavy else ["judge-a"]
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / RUNS_FILE).open("w", encoding="utf-8") as runs:
        for run_id in range(1, RUNS + 1):
            plan = RunPlan(
                run_id=run_id,
                started_at=STAMP,
                difficulty_start=1,
                difficulty_end=LEVELS,
                num_questions_per_cell=per_cell,
                endpoint_generation="http://127.0.0.1:1/v1",
                endpoint_answering="http://127.0.0.1:1/v1",
                endpoint_evaluation="http://127.0.0.1:1/v1",
                model_generation="gen-model",
                model_answering="answer-model",
                model_evaluation=",".join(judges),
                reasoning_types=list(TYPES),
                n=LEVELS,
                alpha=0.3,
                reference_answers=True,
                validate_questions=heavy,
                novelty_threshold=0.85,
            )
            examples, events = [], [plan.model_dump_json()]
            for difficulty in range(1, LEVELS + 1):
                for kind in TYPES:
                    for index in range(1, per_cell + 1):
                        example, question_step, item_step = make_example(
                            rng, run_id, kind, difficulty, index, judges, heavy
                        )
                        examples.append(example)
                        events += [question_step.model_dump_json(), item_step.model_dump_json()]
            scored = [example.score for example in examples if not example.excluded]
            record = RunRecord(
                **plan.model_dump(include=set(RunDescription.model_fields)),  # as finish.build_record
                ended_at=STAMP,
                run_mean_score=sum(scored) / len(scored),
                ema_score=0.5 + 0.02 * run_id,
                ema_by_reasoning_type={kind: 0.4 + 0.05 * i for i, kind in enumerate(TYPES)},
                usage_by_role={
                    role: TokenUsage(prompt_tokens=10**6, completion_tokens=10**5, total_tokens=11 * 10**5)
                    for role in ("generation", "answering", "evaluation")
                },
                examples=examples,
                judge_errors=sum(1 for e in examples if e.judge_error),
                excluded=sum(1 for e in examples if e.excluded),
            )
            runs.write(record.model_dump_json() + "\n")
            events.append(RunFinished(run_id=run_id, ended_at=STAMP).model_dump_json())
            journal_path(folder, run_id).write_text("\n".join(events) + "\n", encoding="utf-8")


def make_example(rng, run_id, kind, difficulty, index, judges, heavy):
    question, truth = make_item(kind, difficulty, f"{rng.getrandbits(32):08x}")
    correct = rng.random() < 1.05 - difficulty / 10
    given = truth if correct else truth + "7"
    answer = (prose(rng, 1500) if heavy else "Working: a few steps.") + f"\nFinal answer: {given}"
    excluded = heavy and rng.random() < 0.02
    verdicts = []
    for judge in judges:
        agrees = rng.random() < 0.93
        verdict = correct if agrees else not correct
        rationale = (prose(rng, 250) + " ") if heavy else ""
        rationale += f"The final answer '{given}' {'agrees' if verdict else 'does not agree'} with the expected answer."
        reply = f'{{"score": "{"correct" if verdict else "incorrect"}", "rationale": "{rationale[:80]}"}}'
        verdicts.append(JudgeVerdict(model=judge, score=float(verdict), rationale=rationale, reply=reply))
    score = float(sum(v.score or 0 for v in verdicts) * 2 > len(verdicts))
    checks = {
        "reference_answer": truth,
        "validation": "verified" if heavy else None,
        "validation_answer": (prose(rng, 300) + f"\nFinal answer: {truth}") if heavy else None,
        "similarity": round(rng.random() * 0.6, 3),
        "excluded_reason": "unverified: the judge rejected the reference" if excluded else None,
    }
    extra = {"reasoning": prose(rng, 3000), "finish_reason": "stop"} if heavy else {}
    example = Example(
        question=question,
        tags=ExampleTags(reasoning_type=kind, difficulty=difficulty, question_index=index),
        answer=answer,
        score=score,
        rationale=verdicts[0].rationale,
        created_at=STAMP,
        judge_verdicts=verdicts,
        excluded=excluded,
        **checks,
        **extra,
    )
    usage = TokenUsage(prompt_tokens=300, completion_tokens=120, total_tokens=420)
    question_step = QuestionStep(
        reasoning_type=kind,
        difficulty=difficulty,
        question_index=index,
        question=question,
        created_at=STAMP,
        usage=usage,
        **checks,
    )
    item_step = ItemStep(
        reasoning_type=kind,
        difficulty=difficulty,
        question_index=index,
        answer=answer,
        score=score,
        created_at=STAMP,
        judge_verdicts=verdicts,
        answer_usage=usage,
        judge_usage=usage,
    )
    return example, question_step, item_step


# -- timing in the browser ------------------------------------------------------------------------
def mark(page, name: str) -> float:
    return page.evaluate(f"performance.getEntriesByName({name!r})[0].startTime")


def first_paint(page) -> float | None:
    return page.evaluate(
        "(performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint') || {}).startTime"
    )


def interaction(page, action: str) -> float:
    """Milliseconds from ``action`` (JavaScript that sends input to the page) to the view drawn again."""
    return page.evaluate(
        f"""new Promise((resolve) => {{
            const before = Number(document.documentElement.dataset.renders);
            const started = performance.now();
            {action};
            const check = () => Number(document.documentElement.dataset.renders) > before
                ? resolve(performance.now() - started) : setTimeout(check, 0);
            check();
        }})"""
    )


def reset_items(page) -> None:
    """The items view without filters, on its first page."""
    page.set_hash("view=items&reset=" + str(time.monotonic_ns()))  # a hash never seen: always drawn again
    page.wait_for("document.documentElement.dataset.view === 'items' && document.querySelector('#item-table')")


def select_action(selector: str, value: str | None) -> str:
    """Pick ``value`` in a select (None: its first option after "all")."""
    if value is None:
        return (
            f"(() => {{ const el = document.querySelector({selector!r}); el.value = el.options[1].value; "
            "el.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )
    return (
        f"(() => {{ const el = document.querySelector({selector!r}); el.value = {value!r}; "
        "el.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


def time_page(browser: Browser, page_path: Path) -> dict:
    url = page_path.resolve().as_uri()
    figures: dict[str, float | None] = {}
    started = time.perf_counter()
    page = browser.open(url)
    figures["load event (wall, from navigate)"] = 1000 * (time.perf_counter() - started)
    figures["JSON parsed"] = mark(page, "seval-parsed")
    figures["interactive: overview"] = mark(page, "seval-ready")
    figures["first contentful paint"] = first_paint(page)
    figures["every text parsed (background)"] = page.wait_for(
        "performance.getEntriesByName('seval-texts').length && performance.getEntriesByName('seval-texts')[0].startTime"
    )
    page.close()
    page = browser.open(url + "#view=items&q=remaining%20total")
    # A search needs every text: opened with one, the page shows results once the document is read.
    figures["search results when opened with a search"] = page.wait_for(
        "document.querySelector('#items') && performance.now()"
    )
    page.close()
    page = browser.open(url + "#view=items")
    figures["interactive: items table"] = mark(page, "seval-ready")
    steps = {
        "filter (verdict = wrong)": lambda i: select_action("select[data-filter=outcome]", ["wrong", ""][i % 2]),
        "filter (one difficulty)": lambda i: select_action("select[data-filter=difficulty]", [None, ""][i % 2]),
        "search (incl. 120 ms pause)": lambda i: (
            "(() => { const el = document.getElementById('search'); el.value = "
            f"{['remaining total', 'warehouse', ''][i % 3]!r}; el.dispatchEvent(new Event('input')); }})()"
        ),
        "next page": lambda i: (  # back a page when there is no next one, so every click draws a page
            "(() => { const next = document.querySelector('[data-action=next]');"
            " (next.disabled ? document.querySelector('[data-action=prev]') : next).click(); })()"
        ),
    }
    for name, action in steps.items():
        reset_items(page)  # each step starts from the unfiltered table, so every action changes what is shown
        if name == "next page" and page.evaluate("document.querySelector('[data-action=next]').disabled"):
            figures[name] = None  # one page of items only
            continue
        figures[name] = statistics.median(interaction(page, action(i)) for i in range(REPEATS))
    reset_items(page)
    times = []
    for i in range(REPEATS):
        times.append(interaction(page, f"document.querySelectorAll('#item-table tbody tr')[{i}].click()"))
        reset_items(page)
    figures["open an item"] = statistics.median(times)
    page.close()
    return figures


def demo_sizes(work: Path) -> list[tuple[str, int, int]]:
    """Run both demos and view them: ``(what, page bytes, bytes of the records it shows)`` per page."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    demo = work / "out_benchmark"
    pages = [
        (["self_evolving_benchmark.py", "--demo", "--no-charts"], demo / "demo", [demo / "demo/runs.jsonl"]),
        (
            ["sequential_eval.py", "--demo", "--no-charts"],
            demo / "sequential_demo/results.json",
            [demo / "sequential_demo/results.json"],
        ),
    ]
    sizes = []
    for command, viewed, records in pages:
        for args in (command, [command[0], "--view", str(viewed)]):
            done = subprocess.run(
                [sys.executable, str(ROOT / args[0]), *args[1:]], cwd=work, env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
        path, items = re.search(r"Viewer: (.+) \((\d+) items", done.stdout).groups()
        what = f"{command[0].removesuffix('.py')} --demo, {items} items"
        sizes.append((what, (work / path).stat().st_size, sum(record.stat().st_size for record in records)))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000, help="items of the timed pages (default 10,000)")
    parser.add_argument("--keep", type=Path, help="write the folders here and keep them (default: a temp folder)")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no Chromium found (apt-get install chromium, or set CHROMIUM)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {chromium}")
    with tempfile.TemporaryDirectory(prefix="bench_viewer_") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"\nPage size of the demos (bound {SIZE_BOUND_KB:.0f} KB):")
        for name, size, records in demo_sizes(work):
            print(
                f"  {name:45} {size / 1024:8.1f} KB   ratio {size / 1024 / SIZE_BOUND_KB:.2f}"
                f"   ({size / records:.2f} x the {records / 1024:.0f} KB of records it shows)"
            )
        with Browser(chromium) as browser:
            for name, path in (("benchmark", "demo/index.html"), ("sequential", "sequential_demo/results.view.html")):
                print(f"\n{name} demo page:")
                print_figures(time_page(browser, work / "out_benchmark" / path))
            for profile in ("plain", "heavy"):
                folder = work / f"items_{profile}"
                make_folder(folder, args.items, heavy=profile == "heavy")
                started = time.perf_counter()
                page = build_benchmark_view(folder)
                built = time.perf_counter() - started
                print(
                    f"\n{profile}: {page.items:,} items, page {page.size / 2**20:.1f} MB, built in {built:.2f} s "
                    f"(--view: read, map, write)"
                )
                print_figures(time_page(browser, page.path))
    return 0


def print_figures(figures: dict[str, float | None]) -> None:
    for name, value in figures.items():
        shown = "-" if value is None else f"{value:8.0f} ms"
        bound = ""
        if value is not None and name.startswith("interactive"):
            bound = f"   ratio {value / INTERACTIVE_BOUND_MS:.2f} of {INTERACTIVE_BOUND_MS:.0f} ms"
        print(f"  {name:42} {shown}{bound}")


if __name__ == "__main__":
    sys.exit(main())

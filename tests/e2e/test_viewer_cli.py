"""``--view`` from the command line (in-process, over loopback HTTP to the simulator): the page written where
the README says, its data the folder's records, an unfinished run shown as such, and bad input refused in
one line with nothing written. What the page does in a browser is tests/e2e/test_viewer_browser.py."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from helpers import CLI, SEQUENTIAL_CLI, read_lines, run_tool

from seval.view.html import GENERATOR


def run_benchmark(sim, out_dir: Path, *extra: str):
    done = run_tool(
        CLI,
        "--base-url",
        sim.base_url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "sim-solver",
        "--model-evaluation",
        "sim-judge",
        "--out-dir",
        out_dir,
        "--reasoning-types",
        "logical_deduction",
        "--n",
        "2",
        "--num-questions",
        "2",
        "--no-charts",
        *extra,
    )
    assert done.returncode == 0, done.stderr
    return done


def page_data(path: Path) -> dict:
    """The page's data block, read back as the page reads it, with its long-text blocks merged in."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>', text, re.S)[1])
    for start, block in re.findall(r'class="page-texts" data-first="(\d+)">(.*?)</script>', text, re.S):
        for offset, texts in enumerate(json.loads(block)):
            item = data["items"][int(start) + offset]
            item.update({k: v for k, v in texts.items() if k != "answers"})
            for answer, answer_texts in zip(item["answers"], texts["answers"], strict=True):
                answer.update({k: v for k, v in answer_texts.items() if k != "verdicts"})
    return data


def listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def test_view_writes_the_folder_page_and_prints_its_path(sim, tmp_path):
    out = tmp_path / "bench"
    run_benchmark(sim, out)
    done = run_tool(CLI, "--view", out, "--price", "answering=1,2")
    assert done.returncode == 0, done.stderr
    page = out / "index.html"
    assert f"Viewer: {page} (4 items" in done.stdout
    examples = read_lines(out / "runs.jsonl")[0]["examples"]
    data = page_data(page)
    assert [item["question"] for item in data["items"]] == [example["question"] for example in examples]
    assert [item["answers"][0]["text"] for item in data["items"]] == [example["answer"] for example in examples]
    assert data["simulated"] is True and data["priced"] == ["answering"]
    assert all(item["answers"][0]["usage"][0][1]["total"] > 0 for item in data["items"])  # from the journal
    # --view without a folder takes --out-dir; a page of ours is rewritten, nothing else in the folder changes.
    before = {name: data for name, data in listing(out).items() if name != "index.html"}
    assert run_tool(CLI, "--view", "--out-dir", out).returncode == 0
    assert {name: data for name, data in listing(out).items() if name != "index.html"} == before


def test_an_interrupted_run_is_shown_with_the_items_it_judged(sim, tmp_path):
    out = tmp_path / "bench"
    run_benchmark(sim, out)
    # What a crash after the last judged item leaves: the journal without its end, no record, no state.
    journal = out / "journal_run_0001.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines()
    kept = "\n".join(line for line in lines if '"kind":"finished"' not in line) + "\n"
    journal.write_text(kept + '{"kind": "item", "reasoning_type": "logi')  # and a crash mid-append
    (out / "runs.jsonl").unlink()
    (out / "state.json").unlink()
    before = journal.read_bytes()
    done = run_tool(CLI, "--view", out)
    assert done.returncode == 0, done.stderr
    assert "is truncated" in done.stdout and journal.read_bytes() == before  # reported, and left as it was
    data = page_data(out / "index.html")
    (summary,) = data["runs"]
    assert summary["unfinished"] and summary["items"] == summary["planned"] == 4
    assert len(data["items"]) == 4 and data["state"] is None


def test_the_sequential_page_goes_beside_the_results(tmp_path):
    results = tmp_path / "seq" / "results.json"
    done = run_tool(SEQUENTIAL_CLI, "--demo", "--num-sequences", "2", "--output", results, "--no-charts")
    assert done.returncode == 0, done.stderr
    for given in (results, results.with_name("results.json.jsonl")):  # the JSON list or its journal
        done = run_tool(SEQUENTIAL_CLI, "--view", given)
        assert done.returncode == 0, done.stderr
        assert f"Viewer: {results.with_name('results.view.html')} (14 items" in done.stdout
    data = page_data(results.with_name("results.view.html"))
    records = json.loads(results.read_text(encoding="utf-8"))
    assert [item["answers"][0]["text"] for item in data["items"]] == [record["gpt4res"] for record in records]
    assert len(data["sequences"]) == 2


def test_bad_input_is_one_line_and_writes_nothing(sim, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("mine")
    results = tmp_path / "bench"
    run_benchmark(sim, results)
    cases = [
        (CLI, ["--view", empty], "holds no benchmark run"),
        (CLI, ["--view", tmp_path / "missing"], "does not exist"),
        (CLI, ["--view", results, "--dry-run"], "cannot be combined with --dry-run"),
        (CLI, ["--view", results, "--price", "answering=x"], "--price"),
        (SEQUENTIAL_CLI, ["--view", results / "runs.jsonl"], "is it a results file written by sequential_eval.py"),
        (SEQUENTIAL_CLI, ["--view", empty / "notes.txt"], "is it a results file"),
        (SEQUENTIAL_CLI, ["--view", tmp_path / "missing.json"], "does not exist"),
        (SEQUENTIAL_CLI, ["--view", results / "runs.jsonl", "--demo"], "drop --demo"),
    ]
    for tool, args, message in cases:
        before = listing(empty), listing(results)
        done = run_tool(tool, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert (listing(empty), listing(results)) == before


def test_an_index_html_the_viewer_did_not_write_is_left_alone(sim, tmp_path):
    out = tmp_path / "bench"
    run_benchmark(sim, out)
    (out / "index.html").write_text("<h1>my notes</h1>")
    done = run_tool(CLI, "--view", out)
    assert done.returncode == 2 and "was not written by this viewer" in done.stderr
    assert (out / "index.html").read_text() == "<h1>my notes</h1>"
    (out / "index.html").unlink()
    assert run_tool(CLI, "--view", out).returncode == 0
    assert f'content="{GENERATOR}"' in (out / "index.html").read_text(encoding="utf-8")
    shutil.rmtree(out)


def test_a_comparison_written_into_the_folder_is_on_its_page(sim, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    run_benchmark(sim, first)
    run_benchmark(sim, second, "--replay", first / "runs.jsonl", "--model-answering", "sim-solver-weak")
    compared = run_tool(CLI, "--compare", first, second, "--out-dir", first, "--no-charts")
    assert compared.returncode == 0, compared.stderr
    assert run_tool(CLI, "--view", first).returncode == 0
    comparison = page_data(first / "index.html")["comparison"]
    assert comparison == json.loads((first / "comparison.json").read_text(encoding="utf-8"))
    assert [model["model"] for model in comparison["models"]] == ["sim-solver", "sim-solver-weak"]

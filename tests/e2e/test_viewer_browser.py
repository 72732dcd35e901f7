"""The viewer in a real browser: headless Chromium (Debian's ``chromium``; .ci/run installs it) opens the page
built from real runs against the simulator, a test clicks, types and picks filters as a user would, and reads
the DOM. One test plants hostile text in every field a model writes and checks that it is shown as text and
that nothing ran. Skipped only when no Chromium can be found.

Expected figures come from the records on disk (runs.jsonl, results.json), not from the viewer's own data.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser import Browser, find_chromium
from helpers import CLI, SEQUENTIAL_CLI, LoopbackChatServer, read_lines, run_tool

from seval.sequential.paradigm_prompts import few_shot_system, zero_shot_system
from seval.sequential.prompts import flatten_prompt, system_prompt
from seval.sim.server import SimServer

TYPES = ("logical_deduction", "mathematical_reasoning")


@pytest.fixture(scope="module")
def browser():
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium found (apt-get install chromium; .ci/run installs it); the viewer is not tested")
    with Browser(binary) as chromium:
        yield chromium


def count(page) -> int:
    return int(page.wait_for("document.querySelector('#items') && document.querySelector('#items').dataset.count"))


def wait_count(page, expected: int) -> None:
    items = "document.querySelector('#items')"
    page.wait_for(f"{items} && {items}.dataset.count === '{expected}'")


def text_of(page, selector: str) -> str | list[str]:
    return page.evaluate(f"[...document.querySelectorAll({json.dumps(selector)})].map((el) => el.textContent)")


def benchmark(base_url: str, out: Path, *extra: str) -> None:
    done = run_tool(
        CLI,
        "--base-url",
        base_url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "sim-solver",
        "--model-evaluation",
        "sim-judge,sim-judge-2",
        "--out-dir",
        out,
        "--reasoning-types",
        ",".join(TYPES),
        "--n",
        "2",
        "--num-questions",
        "2",
        "--validate",
        "--no-charts",
        *extra,
    )
    assert done.returncode == 0, done.stderr


def test_benchmark_page_filters_search_and_an_item(browser, tmp_path):
    out = tmp_path / "bench"
    # Judges that err (so a panel disagrees) and flawed references (so validation leaves some questions out).
    with SimServer(seed=3, judge_error_rate=0.3, flawed_rate=0.35) as sim:
        benchmark(sim.base_url, out)
        benchmark(sim.base_url, out)
    assert run_tool(CLI, "--view", out).returncode == 0
    runs = read_lines(out / "runs.jsonl")
    examples = [(run["run_id"], e) for run in runs for e in run["examples"]]
    scored = [(run, e) for run, e in examples if not e["excluded"]]
    wrong = [(run, e) for run, e in scored if e["score"] <= 0.5]
    split = [e for _, e in examples if len({v["score"] for v in e["judge_verdicts"] if v["score"] is not None}) > 1]
    excluded = [e for _, e in examples if e["excluded"]]
    assert wrong and split and excluded and len(runs) == 2  # the seed gives the test something to find

    page = browser.open((out / "index.html").as_uri())
    assert page.evaluate("document.getElementById('simulated') !== null")
    assert len(text_of(page, "#runs tbody tr")) == 2
    assert len(text_of(page, "#heatmap tbody tr")) == len(TYPES)

    page.click("a[data-view=items]")
    assert count(page) == len(examples)
    page.select("select[data-filter=run]", "2")
    wait_count(page, sum(1 for run, _ in examples if run == 2))
    page.select("select[data-filter=type]", TYPES[1])
    page.select("select[data-filter=difficulty]", "4")
    wait_count(
        page,
        sum(
            1
            for run, e in examples
            if run == 2 and e["tags"]["reasoning_type"] == TYPES[1] and e["tags"]["difficulty"] == 4
        ),
    )
    page.click("#clear")
    wait_count(page, len(examples))
    page.select("select[data-filter=outcome]", "wrong")
    wait_count(page, len(wrong))
    assert set(text_of(page, "#item-table tbody tr td:nth-child(6)")) == {"wrong"}
    page.select("select[data-filter=outcome]", "excluded")
    wait_count(page, len(excluded))
    page.click("#clear")
    page.click("input[data-flag=disagree]")
    wait_count(page, len(split))

    # Search for a question by the tag the simulator printed in it, then open it from the table.
    page.click("#clear")
    run_id, target = wrong[0]
    tag = re.search(r"#[0-9a-f]{8}", target["question"])[0]
    page.type_text("#search", tag.upper())  # case does not matter
    # The question holds it, and so may a later question's note naming it as its most similar one.
    wait_count(page, sum(1 for _, e in examples if tag in e["question"] + (e["similar_to"] or "")))
    target_id = f"r{run_id}-{[e for r, e in examples if r == run_id].index(target) + 1}"
    page.click(f"#item-table tbody tr[data-id='{target_id}']")
    page.wait_for("document.querySelector('#item [data-part=question]')")
    assert text_of(page, "#item [data-part=question]") == [target["question"]]
    assert text_of(page, "#item [data-part=reference]") == [target["reference_answer"]]
    assert text_of(page, "#item [data-part=answer]") == [target["answer"]]
    assert text_of(page, "#item [data-part=rationale]") == [v["rationale"] for v in target["judge_verdicts"]]
    assert "Validation" in page.evaluate("document.getElementById('item').textContent")

    # Keys walk the filtered list: Escape back to the table, a filter, the first item, then j to the next.
    page.press("Escape")
    page.wait_for("document.documentElement.dataset.view === 'items'")
    page.click("#clear")
    page.select("select[data-filter=run]", "1")
    wait_count(page, sum(1 for run, _ in examples if run == 1))  # the table is redrawn before a row is clicked
    page.click("#item-table tbody tr")
    page.wait_for("document.documentElement.dataset.view === 'item'")
    page.press("j")
    page.wait_for("document.querySelector('#item') && document.querySelector('#item').dataset.id === 'r1-2'")
    assert text_of(page, "#item [data-part=question]") == [runs[0]["examples"][1]["question"]]
    assert page.evaluate("window.__violations.concat(window.__errors)") == []


def test_several_models_samples_reasoning_cut_answers_and_unreported_usage(browser, tmp_path):
    out = tmp_path / "models"
    # Models that think first (some answers cut by the token limit) behind an endpoint that reports no usage.
    with SimServer(seed=0, quirks="reasoning,no-usage") as sim:
        done = run_tool(
            CLI, "--base-url", sim.base_url, "--model-generation", "sim-generator",
            "--model-answering", "sim-solver,sim-solver-weak", "--model-evaluation", "sim-judge", "--out-dir", out,
            "--reasoning-types", TYPES[0], "--n", "2", "--num-questions", "2", "--samples", "2",
            "--max-tokens-generation", "4000", "--max-tokens-evaluation", "4000", "--no-charts",
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert run_tool(CLI, "--view", out).returncode == 0
    record = read_lines(out / "runs.jsonl")[0]
    examples = record["examples"]
    answers = [(example, answer) for example in examples for answer in example["answers"]]
    split = [e for e in examples if len({a["score"] > 0.5 for a in e["answers"]}) > 1]
    cut = [(e, a) for e, a in answers if a["truncated"]]
    assert split and cut and len(answers) == 2 * len(examples)

    page = browser.open((out / "index.html").as_uri() + "#view=items")
    assert count(page) == len(answers)
    page.select("select[data-filter=model]", "sim-solver-weak")
    wait_count(page, len(examples))
    page.click("#clear")
    page.click("input[data-flag=models]")
    wait_count(page, 2 * len(split))
    page.click("#clear")
    page.click("input[data-flag=truncated]")
    wait_count(page, len(cut))
    page.click("input[data-flag=empty]")
    wait_count(page, sum(1 for _, a in cut if not a["answer"].strip()))

    example, answer = cut[0]
    number = examples.index(example) + 1
    page.set_hash(f"view=item&id=r1-{number}")
    page.wait_for("document.querySelector('#item [data-part=reasoning]')")
    block = f'#item [data-model="{answer["model"]}"]'
    assert text_of(page, f"{block} > details [data-part=reasoning]") == [answer["reasoning"]]
    assert page.evaluate(f"document.querySelector({json.dumps(block + ' > details')}).open") is False  # folded
    assert "finish reason" in text_of(page, f"{block} dt") and "length" in text_of(page, f"{block} dd")
    assert "not reported by the endpoint" in text_of(page, f"{block} dd")
    assert len(text_of(page, f"{block} [data-sample]")) == len(answer["samples"]) == 2
    page.set_hash("view=overview")
    page.wait_for("document.getElementById('overview')")
    assert "comparison_run_0001.json" in page.evaluate("document.getElementById('overview').textContent")
    # Each answering model's tokens: none reported (the endpoint sent no usage), so none are claimed.
    tokens = page.evaluate(
        "[...document.querySelectorAll('#tokens tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent))"
    )
    unreported = [model for model, used in record["usage_by_model"].items() if used["calls_without_usage"]]
    assert unreported == ["sim-solver", "sim-solver-weak"]
    assert [row[1:3] for row in tokens if row[1].startswith("answering: ")] == [
        [f"answering: {model}", "not reported"] for model in unreported
    ]
    # Each model's accuracy is the run's comparison's: every sample judged, not a question's mean score.
    compared = json.loads((out / "comparison_run_0001.json").read_text(encoding="utf-8"))["models"]
    rows = page.evaluate(
        "[...document.querySelectorAll('#overview tr')].filter((tr) => tr.querySelector('td a'))"
        ".map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent))"
    )
    assert [row for row in rows if row[0] in {"sim-solver", "sim-solver-weak"}] == [
        [m["model"], str(m["answers"]), str(m["correct"]), f"{100 * m['accuracy']:.1f}%"] for m in compared
    ]
    assert page.evaluate("window.__violations.concat(window.__errors)") == []


def test_sequential_pages_sequences_and_what_the_model_was_shown(browser, tmp_path):
    done = run_tool(
        SEQUENTIAL_CLI,
        "--demo",
        "--num-sequences",
        "2",
        "--paradigm",
        "all",
        "--output",
        tmp_path / "results.json",
        "--no-charts",
    )
    assert done.returncode == 0, done.stderr
    for paradigm in ("feedback", "few_shot", "zero_shot"):
        assert run_tool(SEQUENTIAL_CLI, "--view", tmp_path / f"results_{paradigm}.json").returncode == 0
    records = json.loads((tmp_path / "results_feedback.json").read_text(encoding="utf-8"))
    sequence = records[0]["sequence_id"]
    positions = [r for r in records if r["sequence_id"] == sequence]

    page = browser.open(tmp_path.joinpath("results_feedback.view.html").as_uri() + "#view=sequences")
    page.wait_for("document.querySelector('#sequence-table')")
    assert len(text_of(page, "#sequence-table tbody tr")) == 2
    squares = page.evaluate(
        f"[...document.querySelectorAll('tr[data-seq=\"{sequence}\"] .outcomes a')].map((a) => a.className)"
    )
    assert squares == [f"o{int(r['answer_score'] > 0)}" for r in positions]

    page.click(f"tr[data-seq='{sequence}'] .outcomes a[data-pos='3']")
    page.wait_for("document.querySelector('#history')")
    assert page.evaluate("document.getElementById('item').dataset.id") == f"s{sequence}-p3"
    # Each earlier position as the student saw it: question, its answer, the criteria it was graded by
    # (the field the record names), the judge's reply.
    expected = [
        [flatten_prompt(r["prompt"]), r["gpt4res"], r[r["rubric_field"]], r["gpt4judge"]] for r in positions[:2]
    ]
    assert entries(page) == expected
    assert text_of(page, "[data-part=system-prompt]") == [system_prompt(positions[0]["type"])]
    page.set_hash("view=overview")
    page.wait_for("document.querySelector('#positions')")
    assert len(text_of(page, "#positions tbody tr")) == len({r["type"] for r in records})

    # Few-shot: the solved examples the record names, each with its question and standard answer.
    few_shot = json.loads((tmp_path / "results_few_shot.json").read_text(encoding="utf-8"))
    problems = {r["id"]: r for r in few_shot}
    record = few_shot[0]
    page = browser.open(tmp_path.joinpath("results_few_shot.view.html").as_uri() + f"#view=item&id=s{sequence}-p1")
    page.wait_for("document.querySelector('#history')")
    assert len(entries(page)) == len(record["examples_shown"]) > 0
    for texts, example in zip(entries(page), record["examples_shown"], strict=True):
        shown = problems.get(example["problem_id"])
        assert texts == ([] if shown is None else [flatten_prompt(shown["prompt"]), shown["canonical_answer"]])
    assert text_of(page, "[data-part=system-prompt]") == [few_shot_system(record["type"])]

    page = browser.open(tmp_path.joinpath("results_zero_shot.view.html").as_uri() + f"#view=item&id=s{sequence}-p3")
    page.wait_for("document.querySelector('#history')")
    assert entries(page) == [] and text_of(page, "[data-part=system-prompt]") == [zero_shot_system(record["type"])]
    assert page.evaluate("window.__violations.concat(window.__errors)") == []


def entries(page) -> list[list[str]]:
    """The texts of each entry of "What the model was shown", in order."""
    return page.evaluate(
        "[...document.querySelectorAll('#history .entry')].map((entry) =>"
        " [...entry.querySelectorAll('.text')].map((el) => el.textContent))"
    )


# -- hostile text -------------------------------------------------------------------------------------
TITLE_PAYLOAD = "document.title='pwned';window.pwned=1"
PAYLOADS = (
    f'<img src=x onerror="{TITLE_PAYLOAD}">',
    f"</script><script>{TITLE_PAYLOAD}</script>",
    f'<svg onload="{TITLE_PAYLOAD}"></svg><iframe src="javascript:{TITLE_PAYLOAD}"></iframe>',
    "<!-- &lt;b&gt; &amp; \u2028 -->",
)
HOSTILE = " ".join(PAYLOADS)


class HostileEndpoint(LoopbackChatServer):
    """Every model writes markup and script: questions, references, answers, rationales, an unreadable verdict."""

    def __init__(self) -> None:
        super().__init__()
        self.generated = 0

    def reply_to(self, body: dict) -> str:
        conversation = " ".join(str(message["content"]) for message in body["messages"])
        if body["model"] == "gen":
            with self._lock:
                self.generated += 1
                number = self.generated
            return json.dumps({"question": f"item-{number} {HOSTILE}", "reference_answer": f"ref {HOSTILE}"})
        if body["model"] == "ans":
            return f"answer {HOSTILE}"
        if "item-2" in conversation:  # no verdict at all, even when asked again: recorded as a judge error
            return f"I will not grade this. {HOSTILE}"
        return json.dumps({"score": "incorrect", "rationale": f"rationale {HOSTILE}"})


class Listener:
    """A loopback HTTP server that keeps the path of every request reaching it (the page must send none)."""

    def __enter__(self):
        paths = self.paths = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                paths.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_OPTIONS = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


def test_hostile_text_is_shown_as_text_and_runs_nothing(browser, tmp_path):
    out = tmp_path / "bench"
    kind = f'logic<img src=x onerror="{TITLE_PAYLOAD}">'
    with HostileEndpoint() as endpoint:
        done = run_tool(
            CLI,
            "--base-url",
            endpoint.base_url,
            "--model-generation",
            "gen",
            "--model-answering",
            "ans",
            "--model-evaluation",
            "judge",
            "--out-dir",
            out,
            "--reasoning-types",
            kind,
            "--n",
            "1",
            "--num-questions",
            "2",
            "--novelty-threshold",
            "1",
            "--no-charts",
        )
    assert done.returncode == 0, done.stderr
    assert run_tool(CLI, "--view", out).returncode == 0
    url = (out / "index.html").as_uri()
    title = f"{out} - benchmark results"
    nothing_ran = (
        "[document.title, typeof window.pwned, document.querySelectorAll("
        "'img, iframe, object, embed, [onerror], [onload]').length, window.__violations, window.__errors]"
    )

    page = browser.open(url)
    assert page.evaluate(nothing_ran) == [title, "undefined", 0, [], []]
    assert kind in text_of(page, "#heatmap tbody th")
    page.set_hash("view=items")
    page.wait_for("document.querySelector('#item-table')")
    previews = text_of(page, "#item-table tbody td:last-child")  # the question's start, white space collapsed
    assert len(previews) == 2 and all(PAYLOADS[0] in text and PAYLOADS[1] in text for text in previews)
    for item_id, rationale in (("r1-1", f"rationale {HOSTILE}"), ("r1-2", "(no rationale given)")):
        page.set_hash(f"view=item&id={item_id}")
        page.wait_for(f"document.querySelector('#item[data-id={item_id}] [data-part=answer]')")
        assert text_of(page, "#item [data-part=question]") == [f"item-{item_id[-1]} {HOSTILE}"]
        assert text_of(page, "#item [data-part=reference]") == [f"ref {HOSTILE}"]
        assert text_of(page, "#item [data-part=answer]") == [f"answer {HOSTILE}"]
        assert text_of(page, "#item [data-part=rationale]") == [rationale]
        assert HOSTILE in page.evaluate("document.getElementById('item').innerText")  # on screen, as characters
        assert page.evaluate(nothing_ran) == [title, "undefined", 0, [], []]
    assert "unreadable verdict" in page.evaluate("document.getElementById('item').textContent")
    assert all(HOSTILE in reply for reply in text_of(page, "#item [data-part=reply]"))

    # A page opened straight at an item (its texts parsed after the document) is just as inert.
    page = browser.open(url + "#view=item&id=r1-2")
    page.wait_for("document.querySelector('#item [data-part=answer]')")
    assert page.evaluate(nothing_ran) == [title, "undefined", 0, [], []]

    # The CSP forbids the network: a request made from inside the page is refused and never arrives.
    with Listener() as listener:
        outcome = page.evaluate(f"fetch({json.dumps(listener.url + '/x')}).then(() => 'sent', () => 'refused')")
        page.evaluate(f"new Image().src = {json.dumps(listener.url + '/y.png')}")
        page.wait_for("window.__violations.length >= 2")
        assert outcome == "refused" and listener.paths == []

"""Tests of the SIMULATED endpoint's behaviour, called directly: items, routes, generator, solver, judge, faults.

The simulator answers every request in ``SimServer.handle(method, path, authorization, body)``,
with no HTTP in it; these tests call that (on a server that is never started), so they need
no socket. The HTTP layer itself (headers, chunked bodies, keep-alive, concurrent clients)
and ``python sim_endpoint.py`` as a process are tested in ``e2e/test_sim_http.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import random
import re
from dataclasses import dataclass
from itertools import pairwise

import pytest
from shared_cases import final_answer, generation_prompt, judge_prompt, reply_text, user

import sim_endpoint as sim_script
from seval import verdict
from seval.sim import models as sim_models
from seval.sim import server as sim_endpoint
from seval.sim.server import (
    SimServer,
    answers_match,
    find_item_tags,
    make_item,
    solve_item,
    true_answer_for,
)

KINDS = sim_endpoint.KINDS
HEXES = [f"{(n * 2654435761) % 2**32:08x}" for n in range(1, 25)]


# --- fixtures and helpers ---------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the simulator sends back for one request: status, the headers it adds, the body bytes."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.content)


def send(sim: SimServer, method: str, path: str, body: dict | bytes | None = None, key: str | None = None) -> Reply:
    """One request as the HTTP layer hands it over; a dict body is encoded as ``requests`` encodes ``json=``."""
    data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode("utf-8")
    return Reply(*sim.handle(method, path, None if key is None else f"Bearer {key}", data))


@pytest.fixture(scope="module")
def server():
    """The simulator of seed 0, never started: requests go straight to its handler."""
    return SimServer(seed=0)


def post_chat(sim, model, messages, **extra):
    return send(sim, "POST", "/v1/chat/completions", {"model": model, "messages": messages, **extra})


def verdict_is_correct(reply: str) -> bool:
    """The last JSON object with a 'score', read in any of the judge's forms."""
    decoder, found = json.JSONDecoder(), []
    for match in re.finditer(r"\{", reply):
        try:
            obj, _ = decoder.raw_decode(reply, match.start())
        except ValueError:
            continue
        if isinstance(obj, dict) and "score" in obj:
            found.append(obj["score"])
    assert found, reply
    score = found[-1]
    assert score in (True, False, 1, 0, 1.0, 0.0, "correct", "incorrect"), score
    return score in (True, 1, 1.0, "correct")


def parse_generated(reply: str) -> dict:
    return json.loads(re.sub(r"^```json\n|\n```$", "", reply))


# --- independent solvers: each reads the question text and works the answer out ---


def solve_logical(q: str) -> str:
    links = re.findall(r"(\w+) stands directly in front of (\w+)\.", q)
    links += [(front, back) for back, front in re.findall(r"(\w+) stands directly behind (\w+)\.", q)]
    succ = dict(links)
    front = re.search(r"(\w+) is at the very front\.", q)
    people = set(succ) | set(succ.values()) | ({front.group(1)} if front else set())
    heads = sorted(people - set(succ.values()), key=lambda p: front is None or p != front.group(1))
    assert len(heads) == (2 if front and len(heads) == 2 else 1)
    order = []
    for head in heads:
        person = head
        while person:
            order.append(person)
            person = succ.get(person)
    assert len(order) == len(set(order)) == int(re.match(r"(\d+) people", q).group(1))
    for ahead, behind in re.findall(r"(\w+) stands somewhere ahead of (\w+)\.", q):
        assert order.index(ahead) < order.index(behind)
    return order[int(re.search(r"Who is in position (\d+)\?", q).group(1)) - 1]


def solve_math(q: str) -> str:
    value = int(re.search(r"starts with (\d+)", q).group(1))
    for step in re.findall(r"^\d+\. (.+)$", q, re.M):
        if m := re.fullmatch(r"(\d+) more \w+ are added", step):
            value += int(m.group(1))
        elif m := re.fullmatch(r"(\d+) \w+ are taken away", step):
            value -= int(m.group(1))
        elif step.endswith("doubles"):
            value *= 2
        elif step.endswith("triples"):
            value *= 3
        else:
            assert step.startswith("half of") and value % 2 == 0
            value //= 2
        assert value >= 0
    return str(value)


def minutes_of(text: str) -> int:
    named = {"a quarter of an hour": 15, "half an hour": 30, "an hour": 60}
    if text in named:
        return named[text]
    hours = re.search(r"(\d+) hours?", text)
    mins = re.search(r"(\d+) minutes", text)
    return (int(hours.group(1)) * 60 if hours else 0) + (int(mins.group(1)) if mins else 0)


def solve_commonsense(q: str) -> str:
    def clock(hh, mm):
        return int(hh) * 60 + int(mm)

    start = now = clock(*re.search(r"leaves home at (\d\d):(\d\d)", q).groups())
    for sentence in re.findall(r"(?:First|Then|Next), [^.]+\.", q):
        if m := re.search(r"finishing at (\d\d):(\d\d)\.$", sentence):
            assert clock(*m.groups()) > now
            now = clock(*m.groups())
        else:
            now += minutes_of(sentence[:-1].rsplit(" for ", 1)[1])
    return str(now - start)


READING_FACTS = [
    ("city", r"(\w+) lives in (\w+)\."),
    ("city", r"(\w+) used to live in \w+ but moved to (\w+) two years ago\."),
    ("pet", r"(\w+) has a (\w+)\."),
    ("pet", r"(\w+) once had a \w+; these days \w+ looks after a (\w+)\."),
    ("job", r"(\w+) works as a (\w+)\."),
    ("job", r"(\w+) worked as a \w+ for years and is now a (\w+)\."),
]


def solve_reading(q: str) -> str:
    passage = re.search(r"Passage: (.+?)\n\nQuestion:", q, re.S).group(1)
    facts = {}
    for sentence in re.split(r"(?<=\.) ", passage):
        if "'s " in sentence.split(" ")[0] + " ":
            continue  # a relative's fact: a distractor
        matched = [(attr, m.groups()) for attr, pattern in READING_FACTS if (m := re.fullmatch(pattern, sentence))]
        assert len(matched) == 1, sentence
        attr, (person, value) = matched[0]
        assert (person, attr) not in facts
        facts[person, attr] = value
    for attr, pattern in (
        ("city", r"In which city does (\w+) live now\?"),
        ("pet", r"Which animal does (\w+) have now\?"),
        ("job", r"What is (\w+)'s job now\?"),
    ):
        if m := re.search(pattern, q):
            return facts[m.group(1), attr]
    raise AssertionError(q)


def solve_sequence(q: str) -> str:
    terms = re.search(r"\n\n(.+), \?\n", q).group(1).split(", ")
    if terms[0].isalpha():
        steps = {ord(b) - ord(a) for a, b in pairwise(terms)}
        assert len(steps) == 1
        return chr(ord(terms[-1]) + steps.pop())
    t = [int(x) for x in terms]
    diffs = [b - a for a, b in pairwise(t)]
    if len(set(diffs)) == 1:
        return str(t[-1] + diffs[0])
    extras = {t[i] - t[i - 1] - t[i - 2] for i in range(2, len(t))}
    if len(extras) == 1:
        return str(t[-1] + t[-2] + extras.pop())
    d2 = [b - a for a, b in pairwise(diffs)]
    d3 = [b - a for a, b in pairwise(d2)]
    assert len(set(d3)) == 1, terms
    return str(t[-1] + diffs[-1] + d2[-1] + d3[-1])


def solve_scientific(q: str) -> str:
    kmh = re.search(r"moving at (\d+) km/h", q)
    speed, distance = (int(kmh.group(1)) / 3.6 if kmh else 0.0), 0.0
    for stage in re.findall(r"^\d+\. (.+)$", q, re.M):
        if m := re.fullmatch(r"(accelerates|brakes) uniformly at (\d+) m/s\^2 for (\d+) s", stage):
            a = int(m.group(2)) * (1 if m.group(1) == "accelerates" else -1)
            t = int(m.group(3))
            distance += speed * t + a * t * t / 2
            speed += a * t
            assert speed >= -1e-9
        else:
            m = re.fullmatch(r"keeps a constant speed for (\d+) (s|minutes?)", stage)
            distance += speed * int(m.group(1)) * (1 if m.group(2) == "s" else 60)
    assert abs(distance - round(distance)) < 1e-6
    return str(round(distance))


def solve_table(q: str) -> str:
    header = re.search(r"^\| Branch \| (.+) \|$", q, re.M).group(1).split(" | ")
    rows = {
        name: dict(zip(header, map(int, cells.split(" | ")), strict=True))
        for name, cells in re.findall(r"^\| (\w+) \| ([\d |]+) \|$", q, re.M)
    }
    if m := re.search(r"total of the (Q\d) column", q):
        return str(sum(r[m.group(1)] for r in rows.values()))
    if "largest combined Q1 + Q2" in q:
        totals = {name: r["Q1"] + r["Q2"] for name, r in rows.items()}
        best = [name for name, total in totals.items() if total == max(totals.values())]
        assert len(best) == 1
        return best[0]
    threshold = int(re.search(r"Q3 value is greater than (\d+)", q).group(1))
    chosen = [r for r in rows.values() if r["Q3"] > threshold]
    assert chosen
    return str(sum(r["Q2"] for r in chosen) - sum(r["Q1"] for r in chosen))


def run_program(q: str) -> str:
    code = re.search(r"```python\n(.*?)\n```", q, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<sim-item>", "exec"), {})
    return out.getvalue().strip()


def count_letters(q: str) -> str:
    words = re.search(r"list of words: (.+?)\. How many", q).group(1).split(", ")
    letter = re.search(r"the letter '(\w)'", q).group(1)
    return str(sum(w.count(letter) for w in words))


INDEPENDENT = {
    "logical_deduction": solve_logical,
    "mathematical_reasoning": solve_math,
    "commonsense_reasoning": solve_commonsense,
    "reading_comprehension": solve_reading,
    "abstraction_analogy": solve_sequence,
    "scientific_reasoning": solve_scientific,
    "data_interpretation": solve_table,
    "computer_programming": run_program,
    "generic": count_letters,
}


# --- items --------------------------------------------------------------------------


@pytest.mark.parametrize("difficulty", [1, 10])
@pytest.mark.parametrize("kind", list(INDEPENDENT))
def test_solve_item_answers_are_right(kind, difficulty):
    for hex8 in HEXES:
        question, answer = solve_item(kind, difficulty, hex8)
        assert INDEPENDENT[kind](question) == answer, (kind, difficulty, hex8, question)


def test_every_kind_and_difficulty_generates_a_short_answer_and_a_working_program():
    for kind in INDEPENDENT:
        for difficulty in range(1, 11):
            question, answer = solve_item(kind, difficulty, "0badcafe")
            assert answer and len(answer) <= 12 and "\n" not in answer
            if kind == "computer_programming":
                assert run_program(question) == answer


def test_size_grows_with_difficulty():
    for kind in INDEPENDENT:
        easy = sum(len(solve_item(kind, 1, h)[0]) for h in HEXES[:8])
        hard = sum(len(solve_item(kind, 10, h)[0]) for h in HEXES[:8])
        assert hard > easy, kind


def test_tags_round_trip():
    question, answer = make_item("mathematical_reasoning", 5, "3f9a1c2e")
    assert question.endswith("[sim-item mathematical_reasoning d5 #3f9a1c2e]")
    assert find_item_tags("a " + question + " b") == [("mathematical_reasoning", 5, "3f9a1c2e")]
    assert true_answer_for("earlier " + make_item("generic", 2, "00000001")[0] + "\n" + question) == answer
    assert true_answer_for("no tag here") is None
    assert make_item("no_such_kind", 3, "12345678")[0].endswith("[sim-item generic d3 #12345678]")


def test_answers_match_normalises():
    assert answers_match("**42**.", "42")
    assert answers_match(" paris ", "Paris")
    assert answers_match("150 m", "150")
    assert answers_match("1,024", "1024")
    assert answers_match("-32", "-32.0")
    assert not answers_match("43", "42")
    assert not answers_match("Oslo", "Paris")


# --- routes, determinism ------------------------------------------------------------


def test_models_list(server):
    body = send(server, "GET", "/v1/models").json()
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    assert ids == [
        "sim-generator",
        "sim-solver",
        "sim-solver-strong",
        "sim-solver-weak",
        "sim-solver-injector",
        "sim-judge",
        "sim-judge-2",
        "sim-judge-3",
        "sim-embed",
    ]
    assert all(m["object"] == "model" and m["owned_by"] == "simulated" for m in body["data"])
    assert all("SIMULATED" in m["description"] for m in body["data"])
    assert send(server, "GET", "/models").json() == body  # the path without /v1 too


def test_same_request_gives_byte_identical_reply_and_seeds_differ(server):
    messages = generation_prompt("mathematical_reasoning", 4)
    first = post_chat(server, "sim-generator", messages).content
    assert post_chat(server, "sim-generator", messages, temperature=0.9).content == first
    assert post_chat(SimServer(seed=1), "sim-generator", messages).content != first


def test_unknown_model_is_404(server):
    response = post_chat(server, "gpt-nonexistent", user("hi"))
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "The model `gpt-nonexistent` does not exist",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }


def test_malformed_json_and_missing_messages_are_400(server):
    bad = send(server, "POST", "/v1/chat/completions", b"{not json")
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    missing = send(server, "POST", "/v1/chat/completions", {"model": "sim-solver"})
    assert missing.status_code == 400 and "messages" in missing.json()["error"]["message"]


def test_require_key():
    sim = SimServer(require_key="K")
    for key in (None, "wrong"):  # no Authorization header; "Bearer wrong"
        response = send(sim, "GET", "/v1/models", key=key)
        assert response.status_code == 401
        assert response.json()["error"] == {
            "message": "Incorrect API key provided",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    ok = send(sim, "POST", "/v1/chat/completions", {"model": "sim-solver", "messages": user("x")}, key="K")
    assert ok.status_code == 200


def test_request_log_and_count():
    sim = SimServer()
    send(sim, "GET", "/v1/models")
    post_chat(sim, "sim-solver", user("first"))
    post_chat(sim, "nope", user("second"))
    assert sim.request_count == 3
    assert [r["messages"][0]["content"] for r in sim.requests] == ["first", "second"]


# --- generator ----------------------------------------------------------------------


def test_generator_tags_the_requested_kind_and_difficulty(server):
    for kind in KINDS:
        for difficulty in (1, 7, 10):
            text = reply_text(post_chat(server, "sim-generator", generation_prompt(kind, difficulty)))
            (tag,) = find_item_tags(text)
            assert tag[:2] == (kind, difficulty)
            assert text.rstrip().endswith("]")
    other = reply_text(post_chat(server, "sim-generator", generation_prompt("poetry_analysis", 8)))
    assert find_item_tags(other)[0][:2] == ("generic", 8)
    follow_up = generation_prompt("scientific_reasoning", 6) + [
        {"role": "assistant", "content": "Sorry?"},
        {"role": "user", "content": "Please try again."},
    ]
    assert find_item_tags(reply_text(post_chat(server, "sim-generator", follow_up)))[0][:2] == (
        "scientific_reasoning",
        6,
    )
    plain = reply_text(post_chat(server, "sim-generator", user("Write any question.")))
    assert find_item_tags(plain)[0][:2] == ("generic", 5)


def test_generator_json_mode_gives_the_true_reference_answer(server):
    fenced = 0
    for n in range(12):
        ask = f'\nReply as JSON: {{"question": "...", "reference_answer": "..."}} (#{n})'
        reply = reply_text(post_chat(server, "sim-generator", generation_prompt("computer_programming", 5, ask)))
        fenced += reply.startswith("```json")
        item = parse_generated(reply)
        assert find_item_tags(item["question"])
        assert item["reference_answer"] == true_answer_for(item["question"]) == run_program(item["question"])
    assert 0 < fenced < 12


def test_flawed_rate_one_gives_wrong_reference_answers():
    sim = SimServer(flawed_rate=1.0)
    for kind in KINDS:
        ask = '\nReply with JSON keys "question" and "reference_answer".'
        item = parse_generated(reply_text(post_chat(sim, "sim-generator", generation_prompt(kind, 4, ask))))
        assert not answers_match(item["reference_answer"], true_answer_for(item["question"]))


# --- solver -------------------------------------------------------------------------


def accuracy(sim, model, items, history=(), shown=()):
    """Share of ``items`` answered right after ``history`` (answered "0") and ``shown`` (given as
    (question, answer) with the answer right), each earlier item a user turn and an assistant turn."""
    earlier = []
    for question in history:
        earlier += [{"role": "user", "content": question}, {"role": "assistant", "content": "Final answer: 0"}]
    for question, answer in shown:
        earlier += [{"role": "user", "content": question}, {"role": "assistant", "content": f"Final answer: {answer}"}]
    right = 0
    for question in items:
        text = reply_text(post_chat(sim, model, earlier + user(question)))
        right += answers_match(final_answer(text), true_answer_for(question))
    return right / len(items)


def test_solver_is_worse_on_hard_items(server):
    easy = [make_item(KINDS[n % 8], 1, f"{n:08x}")[0] for n in range(100)]
    hard = [make_item(KINDS[n % 8], 10, f"{n:08x}")[0] for n in range(100)]
    easy_acc, hard_acc = accuracy(server, "sim-solver", easy), accuracy(server, "sim-solver", hard)
    assert easy_acc > 0.85 and hard_acc < 0.4 and easy_acc > hard_acc
    assert accuracy(server, "sim-solver-strong", hard) > accuracy(server, "sim-solver-weak", hard)


def test_solver_does_better_with_relevant_context(server):
    # Relevant: earlier items of the same kind shown with their right answers (demonstrations, few-shot
    # examples, a feedback history whose rubric quotes the answer); other context barely helps.
    kind = "mathematical_reasoning"
    items = [make_item(kind, 6, f"{n + 500:08x}")[0] for n in range(300)]
    solved = [make_item(kind, 3, f"{n + 900:08x}") for n in range(6)]
    unsolved = [question for question, _ in solved]
    other_kind = [make_item("generic", 3, f"{n + 900:08x}") for n in range(6)]
    alone = accuracy(server, "sim-solver", items)
    assert accuracy(server, "sim-solver", items, shown=solved) > alone + 0.2  # 6 x 0.05 = +0.30 expected
    assert accuracy(server, "sim-solver", items, history=unsolved) < alone + 0.12  # 6 x 0.01 expected
    assert accuracy(server, "sim-solver", items, shown=other_kind) < alone + 0.12


def test_solver_context_counts():
    question, answer = make_item("logical_deduction", 4, "0000abcd")
    other, other_answer = make_item("generic", 2, "0000beef")
    current, _ = make_item("logical_deduction", 5, "0000cafe")
    assert sim_models.context_counts(f"{question}\n[Standard answer]\n{answer}\n{current}") == (1, 0)
    assert sim_models.context_counts(f"{question}\nThe standard answer is: {answer}\n{current}") == (1, 0)
    assert sim_models.context_counts(f"{question}\n标准答案为：{answer}\n{current}") == (1, 0)
    assert sim_models.context_counts(f"{question}\nFinal answer: nothing\n{current}") == (0, 1)
    assert sim_models.context_counts(f"{other}\n{other_answer}\n{current}") == (0, 1)
    assert sim_models.context_counts(f"{current}\n{question}\n{answer}\n{current}") == (1, 0)  # repeat: not history


def test_solver_without_tag_says_unknown(server):
    assert final_answer(reply_text(post_chat(server, "sim-solver", user("What is 2+2?")))) == "unknown"


# --- judge --------------------------------------------------------------------------


def test_judges_grade_right_answers_correct_and_wrong_ones_incorrect(server):
    for n, kind in enumerate(list(KINDS) * 3):
        question, truth = make_item(kind, 1 + n % 10, f"{n + 77:08x}")
        wrong = sim_endpoint.plausible_wrong(truth, question, random.Random(n))
        for judge in ("sim-judge", "sim-judge-2", "sim-judge-3"):
            good = reply_text(post_chat(server, judge, judge_prompt(question, f"I think so.\nFinal answer: {truth}")))
            bad = reply_text(post_chat(server, judge, judge_prompt(question, f"Final answer: {wrong}")))
            assert verdict_is_correct(good) and not verdict_is_correct(bad)


def test_judge_verdict_forms_vary_and_the_project_parser_reads_them(server):
    forms = set()
    for n in range(40):
        question, truth = make_item("generic", 2, f"{n:08x}")
        reply = reply_text(post_chat(server, "sim-judge", judge_prompt(question, f"Final answer: {truth}")))
        last = json.loads(re.findall(r"\{.*\}", reply)[-1])
        forms.add((reply.startswith("{"), type(last["score"]).__name__))
        assert verdict.parse_score_verdict(reply).score == 1.0
    assert len(forms) >= 6


def test_judge_uses_reference_answer_block_and_last_blocks(server):
    question, truth = make_item("mathematical_reasoning", 3, "00c0ffee")
    given = judge_prompt(question, "Final answer: Banana", reference="banana")
    assert verdict_is_correct(reply_text(post_chat(server, "sim-judge", given)))
    repeated = judge_prompt(
        question, f"Final answer: {truth}", tail="Corrected submission:\n<answer>\nFinal answer: -1\n</answer>"
    )
    assert not verdict_is_correct(reply_text(post_chat(server, "sim-judge", repeated)))


def test_judge_without_truth_grades_incorrect(server):
    reply = reply_text(post_chat(server, "sim-judge", judge_prompt("What is 2+2?", "Final answer: 4")))
    assert not verdict_is_correct(reply) and "cannot check" in reply


def test_answer_score_format(server):
    question, truth = make_item("abstraction_analogy", 4, "0000beef")
    tail = 'End with ```json {"answer_score": 1 or 0}```'
    for answer, expected in ((truth, 1), ("nonsense", 0)):
        reply = reply_text(post_chat(server, "sim-judge", judge_prompt(question, f"Final answer: {answer}", tail=tail)))
        assert reply.endswith(f'```json\n{{"answer_score": {expected}}}\n```')
        assert verdict.parse_answer_score(reply) == (expected, True)


def test_judge_error_rate_flips_and_judges_err_independently():
    question, truth = make_item("generic", 1, "0000f00d")
    sim = SimServer(judge_error_rate=1.0)
    assert not verdict_is_correct(
        reply_text(post_chat(sim, "sim-judge", judge_prompt(question, f"Final answer: {truth}")))
    )
    sim = SimServer(judge_error_rate=0.5)
    patterns = {
        judge: [
            verdict_is_correct(
                reply_text(post_chat(sim, judge, judge_prompt(question, f"Final answer: {truth} (#{n})")))
            )
            for n in range(30)
        ]
        for judge in ("sim-judge", "sim-judge-2", "sim-judge-3")
    }
    assert len({tuple(p) for p in patterns.values()}) == 3
    assert all(0 < sum(p) < 30 for p in patterns.values())


# --- faults -------------------------------------------------------------------------


def is_fault(response) -> bool:
    if response.status_code in (429, 503):
        if response.status_code == 429:
            assert response.headers["Retry-After"] == "0"
        return True
    assert response.status_code == 200
    try:
        return "choices" not in response.json()
    except ValueError:
        return True


def test_full_fault_rate_faults_twice_then_succeeds():
    seen = set()
    sim = SimServer(fault_rate=1.0)
    for n in range(20):
        messages = user(make_item("generic", 2, f"{n:08x}")[0])
        responses = [post_chat(sim, "sim-solver", messages) for _ in range(3)]
        assert is_fault(responses[0]) and is_fault(responses[1]) and not is_fault(responses[2])
        seen.update(
            r.status_code if r.status_code != 200 else ("json" if r.text.endswith("}") else "garbage")
            for r in responses[:2]
        )
    assert sim.request_count == 60 and len(sim.requests) == 60
    assert seen == {429, 503, "json", "garbage"}


def test_faults_do_not_depend_on_other_requests():
    messages = user(make_item("generic", 2, "0000aaaa")[0])
    sim = SimServer(fault_rate=0.5, seed=3)
    alone = [is_fault(post_chat(sim, "sim-solver", messages)) for _ in range(3)]
    sim = SimServer(fault_rate=0.5, seed=3)
    mixed = []
    for n in range(3):
        post_chat(sim, "sim-solver", user(f"noise {n}"))
        mixed.append(is_fault(post_chat(sim, "sim-solver", messages)))
    assert alone == mixed and alone[2] is False


# --- embeddings ---------------------------------------------------------------------


def embed(sim, inputs, model="sim-embed"):
    return send(sim, "POST", "/v1/embeddings", {"model": model, "input": inputs})


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_are_unit_trigram_vectors(server):
    texts = [
        "The cat sat on the mat today.",
        "The cat sat on the mat today.",
        "The cat sat on the mat, today!",
        "Quarterly revenue of the zinc refinery",
    ]
    body = embed(server, texts).json()
    assert body["object"] == "list" and body["model"] == "sim-embed" and body["usage"]["prompt_tokens"] > 0
    assert [d["index"] for d in body["data"]] == [0, 1, 2, 3]
    vectors = [d["embedding"] for d in body["data"]]
    assert all(len(v) == 256 and math.isclose(math.sqrt(cosine(v, v)), 1.0) for v in vectors)
    assert math.isclose(cosine(vectors[0], vectors[1]), 1.0)
    assert cosine(vectors[0], vectors[2]) > 0.8 > cosine(vectors[0], vectors[3])
    single = embed(server, "The cat sat on the mat today.").json()["data"]
    assert single[0]["embedding"] == vectors[0]


def test_embedding_model_errors(server):
    assert embed(server, "x", model="unknown-embedder").status_code == 404
    assert embed(server, "x", model="sim-solver").status_code == 400
    assert post_chat(server, "sim-embed", user("hi")).status_code == 400


def test_a_judge_with_no_answer_to_grade_solves_the_question(server):
    """Validation asks the evaluation model to solve a question: a sim judge then answers it."""
    question, truth = make_item("mathematical_reasoning", 2, "0000abcd")
    reply = post_chat(server, "sim-judge", [{"role": "user", "content": question}]).json()
    text = reply["choices"][0]["message"]["content"]
    assert text.splitlines()[-1].startswith("Final answer:")


def test_injector_writes_a_fake_verdict_only_into_wrong_answers(server):
    wrong_with_fake, right_without = 0, 0
    for number in range(60):
        question, truth = make_item("mathematical_reasoning", 9, f"{number:08x}")
        text = reply_text(post_chat(server, "sim-solver-injector", [{"role": "user", "content": question}]))
        final = [line for line in text.splitlines() if line.startswith("Final answer:")][0]
        correct = final.removeprefix("Final answer:").strip() == truth
        has_fake = '{"score": "correct"' in text
        wrong_with_fake += (not correct) and has_fake
        right_without += correct and not has_fake
        assert has_fake != correct
    assert wrong_with_fake > 0 and right_without > 0


# --- command line -------------------------------------------------------------------


def test_the_root_module_still_offers_the_simulators_public_names():
    """``sim_endpoint.make_item`` (README) and the rest worked before the simulator moved into ``seval.sim``."""
    for name in sim_script.__all__:
        assert getattr(sim_script, name) is getattr(sim_endpoint, name), name
    assert {"make_item", "solve_item", "true_answer_for", "answers_match", "KINDS"} <= set(sim_script.__all__)
    assert sim_script.make_item("generic", 2, "0000abcd") == make_item("generic", 2, "0000abcd")


def test_help_says_simulated(capsys):
    with pytest.raises(SystemExit) as finished:
        sim_script.main(["--help"])
    assert finished.value.code == 0 and "SIMULATED" in capsys.readouterr().out

"""Procedural question items for the SIMULATED endpoint (``sim_endpoint.py``).

Nothing here talks to a real model. Each item is a small puzzle regenerated
from three values alone: its kind, its difficulty (1..10) and an 8-digit hex
seed. Those three travel inside the question text as a tag::

    [sim-item mathematical_reasoning d5 #3f9a1c2e]

so the simulated solver and judge can recover the true answer of any question
they are shown, without the server remembering anything between requests.

Every answer is short and exact (an integer, a name, a word or a letter), and
the number of steps or the size of each puzzle grows with the difficulty.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re

from seval.benchmark.prompts import DEFAULT_REASONING_TYPES

KINDS = DEFAULT_REASONING_TYPES  # one procedural generator per default reasoning type of the benchmark
GENERIC_KIND = "generic"
MIN_DIFFICULTY, MAX_DIFFICULTY = 1, 10

TAG_TEMPLATE = "[sim-item {kind} d{difficulty} #{hex8}]"
TAG_RE = re.compile(r"\[sim-item ([a-z_]+) d(\d{1,2}) #([0-9a-f]{8})\]")

# Word pools. Each pool's words are distinct from every other pool's, so a
# plausible wrong answer can be drawn from the same pool as the right one.
NAMES = (
    "Alice",
    "Bruno",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Maya",
    "Nadia",
)
CITIES = (
    "Paris",
    "Lisbon",
    "Oslo",
    "Vienna",
    "Prague",
    "Dublin",
    "Madrid",
    "Berlin",
    "Warsaw",
    "Athens",
    "Cairo",
    "Lima",
    "Tokyo",
    "Seoul",
)
PETS = ("cat", "dog", "parrot", "rabbit", "hamster", "tortoise", "goldfish", "ferret", "canary", "lizard")
JOBS = (
    "baker",
    "nurse",
    "pilot",
    "teacher",
    "plumber",
    "chemist",
    "farmer",
    "librarian",
    "dentist",
    "carpenter",
    "journalist",
    "tailor",
)
BRANCHES = (
    "Alder",
    "Birch",
    "Cedar",
    "Dogwood",
    "Elm",
    "Fir",
    "Ginkgo",
    "Hazel",
    "Ironwood",
    "Juniper",
    "Larch",
    "Maple",
    "Oak",
    "Pine",
)
GENERIC_WORDS = (
    "apple",
    "river",
    "mirror",
    "banana",
    "letter",
    "garden",
    "pepper",
    "window",
    "orange",
    "tomato",
    "puzzle",
    "bottle",
    "carrot",
    "summer",
    "coffee",
    "butter",
    "kitten",
    "meadow",
    "pillow",
    "cherry",
    "silver",
    "ladder",
    "marble",
)
ACTIVITIES = (
    "walks to the station",
    "waits for the train",
    "rides the train",
    "has a coffee",
    "reads in the park",
    "visits the market",
    "shops for groceries",
    "cooks lunch",
    "takes a nap",
    "repairs a bicycle",
    "answers emails",
    "jogs along the river",
)
MATH_SETTINGS = (
    ("warehouse", "crates"),
    ("jar", "marbles"),
    ("library", "books"),
    ("pond", "ducks"),
    ("farm", "sheep"),
)
RELATIVES = ("brother", "sister", "cousin", "neighbour")
LOOP_VARS = ("i", "j", "k", "m")
_ANSWER_POOLS = (NAMES, CITIES, PETS, JOBS, BRANCHES)


def clamp_difficulty(difficulty: int) -> int:
    """Difficulty forced into 1..10."""
    return max(MIN_DIFFICULTY, min(MAX_DIFFICULTY, int(difficulty)))


def normalize_kind(kind: str) -> str:
    """``kind`` if it is one of the eight known kinds, else ``generic``."""
    return kind if kind in KINDS else GENERIC_KIND


def make_tag(kind: str, difficulty: int, hex8: str) -> str:
    """The tag that ends every generated question."""
    return TAG_TEMPLATE.format(kind=kind, difficulty=difficulty, hex8=hex8)


def _item_rng(kind: str, difficulty: int, hex8: str) -> random.Random:
    # sha256, not hash(): Python's str hash changes between processes.
    digest = hashlib.sha256(f"sim-item|{kind}|{difficulty}|{hex8}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


# --- one generator per kind: (rng, difficulty) -> (question, answer) ---------


def _gen_logical(rng: random.Random, d: int) -> tuple[str, str]:
    """A queue of d+2 people fixed by 'directly in front of' clues."""
    order = rng.sample(NAMES, d + 2)
    links = list(range(len(order) - 1))
    clues = []
    if d >= 5:
        # Drop one link; naming who is at the front still fixes the order,
        # because the front chain must come first and the other follows it.
        # Never the last link: the person at the back would then be named nowhere.
        links.remove(rng.choice(links[:-1]))
        clues.append(f"{order[0]} is at the very front.")
    for i in links:
        front, back = order[i], order[i + 1]
        if rng.random() < 0.5:
            clues.append(f"{front} stands directly in front of {back}.")
        else:
            clues.append(f"{back} stands directly behind {front}.")
    for _ in range(d // 3):  # true but redundant clues: distractors
        i, j = sorted(rng.sample(range(len(order)), 2))
        clues.append(f"{order[i]} stands somewhere ahead of {order[j]}.")
    rng.shuffle(clues)
    position = rng.randint(1, len(order))
    question = (
        f"{len(order)} people stand in a single line, numbered from position 1 at the "
        f"front to position {len(order)} at the back.\n"
        + "\n".join(f"- {clue}" for clue in clues)
        + f"\nWho is in position {position}? Answer with a name only."
    )
    return question, order[position - 1]


def _gen_mathematical(rng: random.Random, d: int) -> tuple[str, str]:
    """A stock that changes through d+1 operations."""
    place, noun = rng.choice(MATH_SETTINGS)
    value = start = rng.randint(10, 40)
    steps = []
    for _ in range(d + 1):
        ops = ["add"]
        if value >= 4:
            ops.append("remove")
        if value <= 150:
            ops.append("multiply")
        if value >= 4 and value % 2 == 0 and d >= 4:
            ops.append("halve")
        op = rng.choice(ops)
        if op == "add":
            k = rng.randint(2, 30)
            value += k
            steps.append(f"{k} more {noun} are added")
        elif op == "remove":
            k = rng.randint(1, value // 2)
            value -= k
            steps.append(f"{k} {noun} are taken away")
        elif op == "multiply":
            k = rng.choice((2, 3))
            value *= k
            steps.append(f"the number of {noun} {'doubles' if k == 2 else 'triples'}")
        else:
            value //= 2
            steps.append(f"half of the {noun} are taken away")
    question = (
        f"A {place} starts with {start} {noun}. Then, in this order:\n"
        + "\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1))
        + f"\nHow many {noun} are there at the end? Answer with a single integer."
    )
    return question, str(value)


def _fmt_duration(minutes: int) -> str:
    special = {15: "a quarter of an hour", 30: "half an hour", 60: "an hour"}
    if minutes in special:
        return special[minutes]
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    text = f"{hours} hour" + ("s" if hours > 1 else "")
    return text + (f" {rest} minutes" if rest else "")


def _fmt_clock(minutes: int) -> str:
    hours, rest = divmod(minutes % (24 * 60), 60)
    return f"{hours:02d}:{rest:02d}"


def _gen_commonsense(rng: random.Random, d: int) -> tuple[str, str]:
    """A day of d+1 activities given as durations or end times; total minutes."""
    person = rng.choice(NAMES)
    # Start by 10:00 and legs of at most 75 minutes: 11 legs end before
    # midnight, so a clock time is never ambiguous.
    start = now = rng.randrange(6 * 60, 10 * 60 + 1, 5)
    parts = []
    for i, activity in enumerate(rng.sample(ACTIVITIES, d + 1)):
        duration = rng.randrange(5, 80, 5)
        now += duration
        if i > 0 and rng.random() < 0.4:
            parts.append(f"Next, {person} {activity}, finishing at {_fmt_clock(now)}.")
        else:
            opener = "First" if i == 0 else "Then"
            parts.append(f"{opener}, {person} {activity} for {_fmt_duration(duration)}.")
    question = (
        f"{person} leaves home at {_fmt_clock(start)}. "
        + " ".join(parts)
        + " How many minutes pass in total between leaving home and the end of the "
        "last activity? Answer with a single integer."
    )
    return question, str(now - start)


_READING_POOLS = {"city": CITIES, "pet": PETS, "job": JOBS}
_READING_NOW = {"city": "{p} lives in {new}.", "pet": "{p} has a {new}.", "job": "{p} works as a {new}."}
_READING_BEFORE = {
    "city": "{p} used to live in {old} but moved to {new} two years ago.",
    "pet": "{p} once had a {old}; these days {p} looks after a {new}.",
    "job": "{p} worked as a {old} for years and is now a {new}.",
}
_READING_RELATIVE = {
    "city": "{p}'s {rel} lives in {x}.",
    "pet": "{p}'s {rel} has a {x}.",
    "job": "{p}'s {rel} works as a {x}.",
}
_READING_QUESTION = {
    "city": "In which city does {p} live now?",
    "pet": "Which animal does {p} have now?",
    "job": "What is {p}'s job now?",
}


def _gen_reading(rng: random.Random, d: int) -> tuple[str, str]:
    """Facts about 3..7 people; past facts and relatives' facts are distractors."""
    people = rng.sample(NAMES, min(3 + (d - 1) // 2, 7))
    now = {attr: rng.sample(pool, len(people)) for attr, pool in _READING_POOLS.items()}
    target, asked = rng.randrange(len(people)), rng.choice(tuple(_READING_POOLS))
    sentences = []
    for i, person in enumerate(people):
        for attr, pool in _READING_POOLS.items():
            new = now[attr][i]
            moved = d >= 3 and (rng.random() < d / 12 or (d >= 5 and (i, attr) == (target, asked)))
            if moved:
                old = rng.choice([v for v in pool if v != new])
                sentences.append(_READING_BEFORE[attr].format(p=person, old=old, new=new))
            else:
                sentences.append(_READING_NOW[attr].format(p=person, new=new))
        if d >= 6 and rng.random() < 0.5 + d / 40:
            attr = rng.choice(tuple(_READING_POOLS))
            other = rng.choice([v for v in _READING_POOLS[attr] if v != now[attr][i]])
            sentences.append(_READING_RELATIVE[attr].format(p=person, rel=rng.choice(RELATIVES), x=other))
    if d >= 7:
        rng.shuffle(sentences)
    question = (
        "Read the passage and answer the question.\n\nPassage: "
        + " ".join(sentences)
        + "\n\nQuestion: "
        + _READING_QUESTION[asked].format(p=people[target])
        + " Answer with one word."
    )
    return question, now[asked][target]


def _gen_abstraction(rng: random.Random, d: int) -> tuple[str, str]:
    """A sequence whose rule gets harder every two difficulty levels."""
    tier = (d - 1) // 2
    shown = 5 + (tier >= 2) + (tier >= 4)
    count = shown + 1
    seq: list[str] | list[int]  # letters on the easiest tier, numbers elsewhere
    if tier == 0 and rng.random() < 0.5:  # letters stepping through the alphabet
        step = rng.randint(1, 3)
        first = rng.randint(0, 25 - step * shown)
        seq = [chr(ord("A") + first + step * i) for i in range(count)]
    elif tier == 0:  # arithmetic
        a, k = rng.randint(1, 20), rng.randint(2, 9)
        seq = [a + k * i for i in range(count)]
    elif tier == 1 and rng.random() < 0.5:  # geometric
        a, r = rng.randint(1, 5), rng.randint(2, 3)
        seq = [a * r**i for i in range(count)]
    elif tier == 1:  # alternating steps
        p, q = rng.sample(range(1, 10), 2)
        seq = [rng.randint(1, 20)]
        for i in range(count - 1):
            seq.append(seq[-1] + (p if i % 2 == 0 else q))
    elif tier == 2:  # steps that grow by a constant
        seq, step, growth = [rng.randint(1, 10)], rng.randint(1, 5), rng.randint(1, 4)
        for _ in range(count - 1):
            seq.append(seq[-1] + step)
            step += growth
    elif tier == 3 and rng.random() < 0.5:  # double then add
        seq, c = [rng.randint(1, 5)], rng.randint(1, 4)
        for _ in range(count - 1):
            seq.append(seq[-1] * 2 + c)
    elif tier == 3:  # two interleaved arithmetic sequences
        x, dx, y, dy = rng.randint(1, 20), rng.randint(2, 6), rng.randint(20, 40), rng.randint(-5, -1)
        seq = [x + dx * (i // 2) if i % 2 == 0 else y + dy * (i // 2) for i in range(count)]
    elif rng.random() < 0.5:  # Fibonacci-like with a constant
        seq, c = [rng.randint(1, 5), rng.randint(1, 5)], rng.randint(0, 3)
        while len(seq) < count:
            seq.append(seq[-1] + seq[-2] + c)
    else:  # shifted cubes
        s, c = rng.randint(1, 3), rng.randint(-5, 5)
        seq = [(i + s) ** 3 + c for i in range(count)]
    terms = ", ".join(str(t) for t in seq[:shown])
    question = f"Find the rule and give the next term of the sequence:\n\n{terms}, ?\n\nAnswer with the next term only."
    return question, str(seq[shown])


def _gen_scientific(rng: random.Random, d: int) -> tuple[str, str]:
    """A cart through 1 + d//2 motion stages; total distance in metres."""
    speed, intro = 0, "starts from rest"
    if d >= 5 and rng.random() < 0.6:
        kmh = 18 * rng.randint(1, 4)  # multiples of 18 km/h are whole multiples of 5 m/s
        speed, intro = kmh // 18 * 5, f"is already moving at {kmh} km/h"
    distance, stages = 0, []
    for _ in range(1 + d // 2):
        kind = rng.choice(("accelerate", "cruise", "brake")) if speed else "accelerate"
        accel = rng.randint(1, 3)
        even_times = [t for t in (2, 4, 6, 8, 10) if accel * t <= speed]
        if kind == "brake" and not even_times:
            kind = "cruise"
        if kind == "accelerate":
            t = rng.choice((2, 4, 6, 8, 10))  # even t keeps a*t^2/2 whole
            distance += speed * t + accel * t * t // 2
            speed += accel * t
            stages.append(f"accelerates uniformly at {accel} m/s^2 for {t} s")
        elif kind == "brake":
            t = rng.choice(even_times)
            distance += speed * t - accel * t * t // 2
            speed -= accel * t
            stages.append(f"brakes uniformly at {accel} m/s^2 for {t} s")
        elif d >= 7 and rng.random() < 0.4:
            minutes = rng.randint(1, 2)
            distance += speed * 60 * minutes
            stages.append(f"keeps a constant speed for {minutes} minute" + ("s" if minutes > 1 else ""))
        else:
            t = rng.randint(5, 30)
            distance += speed * t
            stages.append(f"keeps a constant speed for {t} s")
    question = (
        f"A cart {intro}. Then, in this order, it:\n"
        + "\n".join(f"{n}. {stage}" for n, stage in enumerate(stages, 1))
        + "\nWhat total distance, in metres, does the cart travel during these stages? "
        "Answer with a single integer."
    )
    return question, str(distance)


def _gen_data(rng: random.Random, d: int) -> tuple[str, str]:
    """A table of 3+d branches; a column sum, an argmax or a filtered difference."""
    cols = ["Q1", "Q2"] + (["Q3"] if d >= 7 else [])
    rows = rng.sample(BRANCHES, 3 + d)
    table = {row: [rng.randint(10, 99) for _ in cols] for row in rows}
    if d <= 3:
        col = rng.randrange(len(cols))
        ask, unit = f"What is the total of the {cols[col]} column over all branches?", "integer"
        answer = str(sum(values[col] for values in table.values()))
    elif d <= 6:
        best = max(sum(values) for values in table.values())
        winner = next(row for row in rows if sum(table[row]) == best)
        table[winner][0] += 1  # makes the largest total unique even after a tie
        ask, unit, answer = "Which branch has the largest combined Q1 + Q2?", "branch name", winner
    else:
        q3 = [values[2] for values in table.values()]
        if min(q3) == max(q3):
            table[rows[0]][2] += 1
            q3 = [values[2] for values in table.values()]
        threshold = rng.randint(min(q3), max(q3) - 1)
        chosen = [values for values in table.values() if values[2] > threshold]
        ask = (
            f"Over the branches whose Q3 value is greater than {threshold}, what is the sum of Q2 minus the sum of Q1?"
        )
        unit, answer = "integer", str(sum(v[1] for v in chosen) - sum(v[0] for v in chosen))
    lines = ["| Branch | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    lines += [f"| {row} | " + " | ".join(str(v) for v in table[row]) + " |" for row in rows]
    question = (
        "The table shows units sold per branch.\n\n" + "\n".join(lines) + f"\n\n{ask} Answer with a single {unit}."
    )
    return question, answer


def _gen_programming(rng: random.Random, d: int) -> tuple[str, str]:
    """Nested loops (depth 1..4) with a condition and a final while loop as d grows.

    The answer is computed here by mirroring the program, not by running it;
    the tests run the printed program and check the two agree.
    """
    loop_vars = LOOP_VARS[: 1 + (d - 1) // 3]
    bounds = []
    for _ in loop_vars:
        low = rng.randint(0, 2) if d >= 7 else 0
        bounds.append((low, low + rng.randint(2, 2 + d // 2)))
    start, const = rng.randint(0, 9), rng.randint(0, 5)
    coefs = [rng.randint(1, 3) for _ in loop_vars]
    mod = rng.randint(2, 4)
    rem, penalty = rng.randrange(mod), rng.randint(1, 3)
    limit, step = rng.randint(20, 60), rng.randint(7, 15)
    use_if, use_else, use_while = d >= 3, d >= 5, d >= 9

    terms = [v if c == 1 else f"{c} * {v}" for c, v in zip(coefs, loop_vars, strict=True)]
    update = " + ".join(terms + ([str(const)] if const else []))
    lines = [f"total = {start}"]
    for depth, (var, (low, high)) in enumerate(zip(loop_vars, bounds, strict=True)):
        span = f"{low}, {high}" if low else f"{high}"
        lines.append("    " * depth + f"for {var} in range({span}):")
    pad = "    " * len(loop_vars)
    if use_if:
        summed = loop_vars[0] if len(loop_vars) == 1 else "(" + " + ".join(loop_vars) + ")"
        lines.append(pad + f"if {summed} % {mod} == {rem}:")
        lines.append(pad + f"    total += {update}")
        if use_else:
            lines += [pad + "else:", pad + f"    total -= {penalty}"]
    else:
        lines.append(pad + f"total += {update}")
    if use_while:
        lines += [f"while total > {limit}:", f"    total -= {step}"]
    lines.append("print(total)")

    total = start
    for combo in itertools.product(*(range(low, high) for low, high in bounds)):
        if not use_if or sum(combo) % mod == rem:
            total += sum(c * v for c, v in zip(coefs, combo, strict=True)) + const
        elif use_else:
            total -= penalty
    if use_while and total > limit:
        total -= step * -(-(total - limit) // step)  # ceil division: the loop's step count
    question = (
        "What does this Python program print?\n\n```python\n"
        + "\n".join(lines)
        + "\n```\n\nAnswer with the exact output only."
    )
    return question, str(total)


def _gen_generic(rng: random.Random, d: int) -> tuple[str, str]:
    """Count one letter across 3+d words."""
    words = [rng.choice(GENERIC_WORDS) for _ in range(3 + d)]
    letter = rng.choice(sorted(set("".join(words))))
    question = (
        f"Here is a list of words: {', '.join(words)}. How many times does the letter "
        f"'{letter}' appear in total across all of these words? Answer with a single integer."
    )
    return question, str(sum(word.count(letter) for word in words))


_GENERATORS = {
    "logical_deduction": _gen_logical,
    "mathematical_reasoning": _gen_mathematical,
    "commonsense_reasoning": _gen_commonsense,
    "reading_comprehension": _gen_reading,
    "abstraction_analogy": _gen_abstraction,
    "scientific_reasoning": _gen_scientific,
    "data_interpretation": _gen_data,
    "computer_programming": _gen_programming,
    GENERIC_KIND: _gen_generic,
}


# --- public API -------------------------------------------------------------


def solve_item(kind: str, difficulty: int, hex8: str) -> tuple[str, str]:
    """Regenerate an item: ``(question_text_without_tag, true_answer)``.

    Pure: the same three values always give the same question and answer.
    An unknown kind is treated as ``generic``; difficulty is clamped to 1..10.
    """
    kind, difficulty = normalize_kind(kind), clamp_difficulty(difficulty)
    return _GENERATORS[kind](_item_rng(kind, difficulty, hex8), difficulty)


def make_item(kind: str, difficulty: int, hex8: str) -> tuple[str, str]:
    """``(question_with_tag, true_answer)``: the question ends with its tag."""
    kind, difficulty = normalize_kind(kind), clamp_difficulty(difficulty)
    question, answer = solve_item(kind, difficulty, hex8)
    return f"{question}\n\n{make_tag(kind, difficulty, hex8)}", answer


def find_item_tags(text: str) -> list[tuple[str, int, str]]:
    """Every ``(kind, difficulty, hex8)`` tag in ``text``, in order of appearance."""
    return [(kind, int(d), hex8) for kind, d, hex8 in TAG_RE.findall(text or "")]


def true_answer_for(text: str) -> str | None:
    """The true answer of the LAST tagged item in ``text``, or None if there is no tag."""
    tags = find_item_tags(text)
    return solve_item(*tags[-1])[1] if tags else None


def plausible_wrong(answer: str, question: str, rng: random.Random) -> str:
    """A wrong answer that looks right: a nearby integer, letter or pool word."""
    if re.fullmatch(r"-?\d+", answer):
        value, delta = int(answer), rng.choice((-2, -1, 1, 2))
        if value >= 0 > value + delta:
            delta = -delta  # stay non-negative where the truth is: negatives look odd
        return str(value + delta)
    if re.fullmatch(r"[A-Z]", answer):
        return chr(ord("A") + (ord(answer) - ord("A") + rng.choice((-1, 1))) % 26)
    for pool in _ANSWER_POOLS:
        if answer in pool:
            # Prefer words the question itself mentions: those are the real distractors.
            mentioned = sorted({w for w in re.findall(r"[A-Za-z]+", question) if w in pool and w != answer})
            return rng.choice(mentioned or [w for w in pool if w != answer])
    return answer[::-1] if answer[::-1] != answer else answer + "s"

"""The page's data + the packaged template, styles and scripts -> one self-contained HTML document.

Safety rests on three things, each enough to stop a planted ``</script>`` or ``<img onerror>``:

* the data sits in a ``<script type="application/json">`` element (a data block: never run) with
  ``<``, ``>``, ``&`` and U+2028/U+2029 written as ``\\u003c``-style escapes, so no text in it can
  end the element or open a tag; the page reads it with ``JSON.parse``;
* the scripts put every string on the page as a text node (``textContent``), never as markup;
* a Content-Security-Policy allows exactly the page's own script and style (by SHA-256) and
  nothing else: no other script, no inline handler, no request of any kind (``default-src 'none'``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from importlib import resources

# The scripts, in the order they are joined into the page's one script (each may use the ones before it).
SCRIPTS = ("dom.js", "state.js", "charts.js", "overview.js", "items.js", "item.js", "sequences.js", "main.js")
GENERATOR = "seval-view"  # the page's <meta name="generator">: how an index.html of ours is recognised
# Long texts, parsed only when the item view or a search needs them (page/state.js): the fields of an
# item, of each of its answers and of each verdict. Everything else is parsed before the first view.
ITEM_TEXTS = frozenset({"question", "turns", "reference", "criteria", "notes", "extra", "shown"})
ANSWER_TEXTS = frozenset({"text", "reasoning", "rationale", "extra", "samples"})
VERDICT_TEXTS = frozenset({"rationale", "reply", "first", "reasoning"})
# Long texts that items share (a problem shown as an example before many positions): one block each, read with
# the items' texts.
SHARED_TEXTS = ("problem_texts",)
PREVIEW_CHARS = 240  # of the question, for the items table
TEXT_CHUNK = 500  # items per block of long texts: one block parses in a few tens of milliseconds
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]|[\ud800-\udfff]")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# What must never appear in the page's own script or style: it would end the element early.
_CLOSES_ELEMENT = re.compile(r"</(script|style)|<!--", re.IGNORECASE)


def page_file(name: str) -> str:
    """A packaged template, style sheet or script (``seval/view/page/``)."""
    return resources.files("seval.view").joinpath("page", name).read_text(encoding="utf-8")


@cache
def script_text() -> str:
    """The page's script: the packaged scripts joined, in strict mode, inside one function scope."""
    parts = [f"// ---- {name}\n{page_file(name)}" for name in SCRIPTS]
    return "\n(function () {\n'use strict';\n" + "\n".join(parts) + "\n})();\n"


def embed_json(data: object) -> str:
    """JSON text that is safe inside a ``<script type="application/json">`` element.

    A lone surrogate (JSON's ``\\ud800`` read into a Python string) is written as its escape too,
    so the file is valid UTF-8 and ``JSON.parse`` gives back the same string.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda match: _JSON_ESCAPES.get(match[0]) or f"\\u{ord(match[0]):04x}", text)


def sha256_source(text: str) -> str:
    """A CSP source expression allowing exactly the inline element whose content is ``text``."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def content_security_policy(script: str, style: str) -> str:
    """No network and nothing inline but the page's own script and style."""
    return (
        f"default-src 'none'; script-src {sha256_source(script)}; style-src {sha256_source(style)}; "
        "base-uri 'none'; form-action 'none'"
    )


def split_texts(items: list[dict]) -> tuple[list[dict], list[dict]]:
    """Each item cut in two: what the overview, the table and the filters need (with a short preview of
    the question), and its long texts, which only the item view and the search read."""
    index, texts = [], []
    for item in items:
        answers_index, answers_text = [], []
        for answer in item["answers"]:
            verdicts = [_split(verdict, VERDICT_TEXTS) for verdict in answer["verdicts"]]
            head, text = _split(answer, ANSWER_TEXTS)
            answers_index.append({**head, "verdicts": [head for head, _ in verdicts]})
            answers_text.append({**text, "verdicts": [text for _, text in verdicts]})
        head, text = _split(item, ITEM_TEXTS)
        index.append({**head, "preview": _preview(item["question"]), "answers": answers_index})
        texts.append({**text, "answers": answers_text})
    return index, texts


def _split(fields: dict, texts: frozenset[str]) -> tuple[dict, dict]:
    head = {name: value for name, value in fields.items() if name not in texts and name != "answers"}
    return head, {name: value for name, value in fields.items() if name in texts}


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "\u2026"


def text_blocks(texts: list[dict]) -> str:
    """The long texts as JSON blocks of TEXT_CHUNK items each, placed after the script: the first view
    is drawn before the browser has even read them, then they are parsed a block at a time."""
    blocks = []
    for start in range(0, len(texts), TEXT_CHUNK):
        chunk = embed_json(texts[start : start + TEXT_CHUNK])
        blocks.append(f'<script type="application/json" class="page-texts" data-first="{start}">{chunk}</script>')
    return "\n".join(blocks)


def render_page(data: dict, title: str) -> str:
    """The whole HTML document for ``data`` (a page built by ``view.benchmark`` or ``view.sequential``)."""
    index, texts = split_texts(data["items"])
    shared = {name: data[name] for name in SHARED_TEXTS if name in data}
    data = {name: value for name, value in data.items() if name not in SHARED_TEXTS}
    data.update(items=index, text_chunk=TEXT_CHUNK)
    script, style = script_text(), page_file("style.css")
    for name, text in (("script", script), ("style", style)):
        if _CLOSES_ELEMENT.search(text):
            raise RuntimeError(f"the viewer's own {name} contains text that would end its element")
    values = {
        "csp": html.escape(content_security_policy(script, style)),
        "generator": GENERATOR,
        "title": html.escape(title),
        "style": style,
        "data": embed_json(data),
        "script": script,
        "texts": text_blocks(texts)
        + "".join(
            f'\n<script type="application/json" class="page-shared" data-name="{name}">{embed_json(value)}</script>'
            for name, value in shared.items()
        ),
    }
    # One pass over the template: text put in (data, scripts) is never searched for placeholders itself.
    return _PLACEHOLDER.sub(lambda match: values[match[1]], page_file("index.html"))

"""The viewer's page as a document: data embedded so no text can end its element, a CSP that allows exactly
the page's own script and style, scripts that never parse text as markup, and the split of long texts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

from seval.view.html import (
    SCRIPTS,
    TEXT_CHUNK,
    embed_json,
    page_file,
    render_page,
    split_texts,
)

HOSTILE = '</script><script>document.title="pwned"</script><!-- <img src=x onerror=alert(1)> & \u2028\u2029'


class Elements(HTMLParser):
    """Every script and style element of a document, with its attributes and raw content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[str, dict, str]] = []
        self.metas: list[dict] = []
        self._open: tuple[str, dict] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            self.metas.append(dict(attrs))
        if tag in ("script", "style"):
            self._open, self._text = (tag, dict(attrs)), []

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            self.found.append((tag, self._open[1], "".join(self._text)))
            self._open = None


def page_data(items: list[dict] | None = None) -> dict:
    return {"kind": "benchmark", "source": HOSTILE, "items": items or [], "runs": []}


def item(number: int, text: str) -> dict:
    verdict = {"model": "j", "score": 0.0, "verdict": "incorrect", "rationale": text, "reply": text, "error": None}
    answer = {
        "model": "m",
        "text": text,
        "reasoning": text,
        "score": 0.0,
        "outcome": "wrong",
        "verdicts": [verdict],
        "extra": [],
        "usage": [],
    }
    return {
        "id": f"r1-{number}",
        "question": f"{number} {text}",
        "reference": text,
        "criteria": None,
        "notes": [],
        "extra": [["planted", text]],
        "turns": None,
        "answers": [answer],
        "run": 1,
    }


def parse(document: str) -> Elements:
    parser = Elements()
    parser.feed(document)
    return parser


def test_embedded_json_has_no_character_that_could_end_its_element_and_reads_back_equal():
    data = {"text": HOSTILE, "lone": "\ud800 half a pair", "list": [HOSTILE, 1, None]}
    text = embed_json(data)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == data
    text.encode("utf-8")  # a lone surrogate is written as its escape: the file is valid UTF-8


def test_hostile_text_in_the_data_stays_inside_the_data_element():
    document = render_page(page_data([item(1, HOSTILE)]), title=HOSTILE)
    elements = parse(document)
    scripts = [(attrs, text) for tag, attrs, text in elements.found if tag == "script"]
    # The data block, the page's one script, one block of texts: the planted </script> opened nothing.
    assert [attrs.get("type") for attrs, _ in scripts] == ["application/json", None, "application/json"]
    assert json.loads(scripts[0][1])["source"] == HOSTILE
    assert json.loads(scripts[2][1])[0]["answers"][0]["text"] == HOSTILE
    assert "<title>&lt;/script&gt;" in document


def test_the_csp_allows_exactly_the_page_own_script_and_style_and_no_request():
    document = render_page(page_data(), title="t")
    elements = parse(document)
    csp = next(meta["content"] for meta in elements.metas if meta.get("http-equiv") == "Content-Security-Policy")
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'none'"  # covers connect-src, img-src, font-src, frame-src, ...
    script = next(text for tag, attrs, text in elements.found if tag == "script" and "type" not in attrs)
    style = next(text for tag, _, text in elements.found if tag == "style")
    for name, text in (("script-src", script), ("style-src", style)):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert directives[name] == f"'sha256-{digest}'"
    assert "unsafe" not in csp


def test_the_page_scripts_never_turn_text_into_markup_or_code():
    sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|srcdoc")
    for name in SCRIPTS:
        source = re.sub(r"(?m)^\s*//.*$", "", page_file(name))  # code, not the comments that name the sinks
        assert not sinks.search(source), f"{name} uses {sinks.search(source)[0]}"


def test_long_texts_are_split_from_what_the_first_view_needs_and_merge_back_whole():
    items = [item(number, f"text {number}") for number in range(TEXT_CHUNK + 3)]
    index, texts = split_texts(items)
    assert "question" not in index[0] and "text" not in index[0]["answers"][0]
    assert "rationale" not in index[0]["answers"][0]["verdicts"][0]
    assert index[0]["preview"] == "0 text 0" and index[0]["answers"][0]["outcome"] == "wrong"
    for head, text, whole in zip(index, texts, items, strict=True):
        merged = {**head, **{k: v for k, v in text.items() if k != "answers"}}
        merged.pop("preview")
        merged["answers"] = [
            {
                **a,
                **{k: v for k, v in t.items() if k != "verdicts"},
                "verdicts": [{**va, **vt} for va, vt in zip(a["verdicts"], t["verdicts"], strict=True)],
            }
            for a, t in zip(head["answers"], text["answers"], strict=True)
        ]
        assert merged == whole
    document = render_page(page_data(items), title="t")
    blocks = [attrs for tag, attrs, _ in parse(document).found if attrs.get("class") == "page-texts"]
    assert [block["data-first"] for block in blocks] == ["0", str(TEXT_CHUNK)]

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

from seval.view.data import finite

# The scripts, in the order they are joined into the page's one script (each may use the ones before it).
SCRIPTS = ("dom.js", "state.js", "charts.js", "overview.js", "items.js", "item.js", "sequences.js", "main.js")
GENERATOR = "seval-view"  # the page's <meta name="generator">: how an index.html of ours is recognised
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
    text = json.dumps(finite(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
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


def render_page(data: dict, title: str) -> str:
    """The whole HTML document for ``data`` (a page built by ``view.benchmark`` or ``view.sequential``)."""
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
    }
    # One pass over the template: text put in (data, scripts) is never searched for placeholders itself.
    return _PLACEHOLDER.sub(lambda match: values[match[1]], page_file("index.html"))

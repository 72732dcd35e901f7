"""Text from models and users placed in markdown: a table cell or a heading cannot be broken by it.

Reasoning-type names, model names and task types are free text; a ``|`` ends a
table cell and a newline ends a table row or a heading, so either would shift
every column after it.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def inline(text: object) -> str:
    """``text`` on one line (line breaks become spaces), for a heading or a list item."""
    return _LINE_BREAKS.sub(" ", str(text))


def cell(text: object) -> str:
    """``text`` as one markdown table cell: on one line, ``|`` escaped."""
    return inline(text).replace("|", "\\|")

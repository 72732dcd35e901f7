"""Free text in reports (reasoning types with ``|`` or a line break) cannot break a markdown table or heading."""

from __future__ import annotations

import re

from helpers import run_main

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def tables(markdown: str) -> list[list[str]]:
    """The runs of consecutive lines that start with ``|``."""
    found, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found + ([current] if current else [])


def test_a_reasoning_type_with_a_pipe_and_a_line_break_keeps_every_table_whole(sim, tmp_path):
    config = tmp_path / "bench.toml"
    config.write_text('reasoning-types = "pipe | in name,line\\nbreak"\n', encoding="utf-8")
    out = tmp_path / "out"
    code = run_main(
        "--config",
        config,
        "--base-url",
        sim.base_url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "sim-solver",
        "--model-evaluation",
        "sim-judge",
        "--n",
        1,
        "--no-charts",
        "--out-dir",
        out,
    )
    assert code == 0
    report = (out / "report_run_0001.md").read_text(encoding="utf-8")
    found = tables(report)
    assert len(found) >= 4
    for table in found:
        widths = {len(UNESCAPED_PIPE.findall(row)) for row in table}
        assert len(widths) == 1, table  # every row has the header's number of cells
    assert "| pipe \\| in name |" in report and "| line break |" in report
    headings = [line for line in report.splitlines() if line.startswith("### ")]
    assert any(line.startswith("### line break, difficulty 1") for line in headings)

"""The results viewer: one self-contained HTML page per benchmark output folder or sequential results file.

``build`` reads the records and writes the page; ``benchmark`` and ``sequential`` turn records into the
page's data (the field names they read are in ``data``); ``html`` puts data, styles and scripts into one
document with its Content-Security-Policy; ``page/`` holds the template, style sheet and scripts.
"""

from seval.view.build import ViewPage, build_benchmark_view, build_sequential_view, view_path_for

__all__ = ["ViewPage", "build_benchmark_view", "build_sequential_view", "view_path_for"]

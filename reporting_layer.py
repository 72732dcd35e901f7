"""Presentation under the design card's name: a run's markdown report and console summary.

They live in ``seval.benchmark.report``; this module re-exports the public names.
"""

from seval.benchmark.report.markdown import render_report, report_path, write_report
from seval.benchmark.report.summary import print_run_summary

__all__ = ["print_run_summary", "render_report", "report_path", "write_report"]

"""Reports of a results folder: the HTML page (summary first, then the claims table, then every experiment's
figures) and the claims table as Markdown (the docs' Results page)."""

from saddle.report.html import write_report
from saddle.report.markdown import markdown_report
from saddle.report.results import format_value, read_results

__all__ = ["format_value", "markdown_report", "read_results", "write_report"]

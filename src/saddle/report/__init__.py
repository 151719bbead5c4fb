"""Reports: the HTML page that shows every experiment's figures and metrics."""

from saddle.report.html import write_report

__all__ = ["write_report"]

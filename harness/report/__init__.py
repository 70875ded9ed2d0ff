"""Reports: self-contained HTML pages (per submission and per cohort) and exports for other tools."""

from harness.report.exports import export_csv, export_gradescope, export_junit
from harness.report.html import render_cohort, render_submission

__all__ = ["export_csv", "export_gradescope", "export_junit", "render_cohort", "render_submission"]

"""Renderers: ReportModel -> HTML, PDF, e-mail, results.json. They know nothing of statistics."""

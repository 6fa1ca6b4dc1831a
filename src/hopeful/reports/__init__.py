"""`hopeful reports`: one HTML report per town, the overview and the index page.

The stage entry is `hopeful.reports.build`; this package stays light because notebook
kernels import its views (`town_view`, `overview_view`, `figures`).
"""

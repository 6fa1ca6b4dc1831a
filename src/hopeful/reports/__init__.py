"""`hopeful reports`: one HTML report per town, the overview and the index page.

The stage entry is `hopeful.reports.build`; this package stays light because notebook
kernels import its views (`town_view`, `overview_view`, `figures`).
"""

import sys

# nbformat validates notebooks with jsonschema, whose format checkers import `rfc3987_syntax`
# when it is installed (Jupyter's own packages pull it in); that module compiles 39 Lark
# grammars at import, 3-5 s of CPU in the report driver and in every worker process, for
# "iri" string formats no notebook schema uses. Marking it absent before anything imports
# jsonschema makes jsonschema skip those two checkers (it treats the module as optional).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

"""Pilot towns: consultation evidence, triangulation with the index, priorities and a framework.

See docs/consultations.md. Real evidence is sensitive and lives outside git, by default in
data/consultations/<town_code>.csv.
"""

from hopeful.consultations.guide_html import practitioners_guide_html
from hopeful.consultations.schema import read_evidence
from hopeful.consultations.template import cli_template, write_template

__all__ = ["cli_template", "practitioners_guide_html", "read_evidence", "write_template"]

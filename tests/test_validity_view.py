"""The overview's validity table and its generated sentences, on a hand-made index_validity.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful.processed import write_csv
from hopeful.reports import validity_view
from hopeful.scoring.framework import DEFAULT_PATH, load_framework

# A domain of the framework in use, so its plain name can be checked whatever the domains are.
DOMAIN = load_framework(DEFAULT_PATH).domains[0]


def validity_csv(folder: Path) -> Path:
    """Two outcomes: one where the index (and its one domain) keeps an expected partial
    correlation in England and over all towns (Wales: interval covers 0), one only in England,
    against expectation."""
    rows = []
    for outcome, name, groups in (
        ("wellbeing", "Well-being", [("England", 0.2), ("Wales", 0.0), ("All towns", 0.15)]),
        ("change", "Change", [("England", 0.2)]),
    ):
        expected = 1 if outcome == "wellbeing" else -1
        for nation, partial in groups:
            for predictor, control, sign in (
                ("index_score", "uk_imd_score", expected),
                (f"domain_{DOMAIN.code}", "uk_imd_score", expected),
                ("uk_imd_score", "index_score", -expected),
            ):
                rows.append(
                    {"outcome": outcome, "outcome_name": name, "nation": nation,
                     "predictor": predictor, "control": control, "towns": 1000, "clusters": 250,
                     "rho": 0.3, "rho_low": 0.2, "rho_high": 0.4, "partial": partial,
                     "partial_low": partial - 0.1, "partial_high": partial + 0.1, "level": 0.95,
                     "expected_sign": sign}
                )  # fmt: skip
    write_csv(pd.DataFrame(rows), folder / "index_validity.csv")
    return folder


def test_table_has_plain_labels_and_intervals(tmp_path: Path) -> None:
    table = validity_view.validity_table(validity_csv(tmp_path))
    assert len(table) == 8  # the index and deprivation; domains have their own table
    assert not any("_" in column for column in table.columns)
    first = table.iloc[0]
    assert first["Measure"] == "Towns Index"
    assert first["Controlling for"] == "Deprivation (UK composite score)"
    assert first["Rank correlation (95% interval)"] == "+0.30 (+0.20 to +0.40)"
    assert first["Towns (local authorities)"] == "1,000 (250)"


def test_summary_counts_checks_from_the_numbers(tmp_path: Path) -> None:
    text = validity_view.validity_summary(validity_csv(tmp_path))
    lines = text.splitlines()
    assert lines[0].startswith("- **Well-being** (all 1,000 towns)")
    assert "+0.15 (+0.05 to +0.25): in the expected direction." in lines[0]
    assert lines[1].startswith("- **Change** (1,000 towns in England)")
    assert "against the expected direction." in lines[1]
    assert "Of 4 outcome and nation checks" in text
    assert "expected direction in **2** (Well-being (England), Well-being (All towns))" in text
    assert "against it in **1** (Change (England))" in text


def test_domain_table_uses_each_outcomes_widest_group(tmp_path: Path) -> None:
    table = validity_view.domain_table(validity_csv(tmp_path))
    assert list(table.columns) == ["Domain", "Well-being (All towns)", "Change (England)"]
    assert table["Domain"].tolist() == [DOMAIN.name]
    assert table.iloc[0, 1] == "+0.15 (+0.05 to +0.25)"
    text = validity_view.validity_summary(tmp_path)
    assert f"{DOMAIN.name} 1 as expected, 1 against" in text

"""`hopeful score`: indicators → Towns Index, clusters, peers and intervals, written into towns.csv.

Idempotent: it starts again from the columns `hopeful prepare` wrote, so running it twice gives
the same files. The framework and clusters files are declarative; their hashes go into
provenance.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from hopeful import atomic, clusters, indicators, peers, prepare, sources
from hopeful.errors import DataError
from hopeful.models import area_features, leave, multilevel
from hopeful.scoring import framework as framework_mod
from hopeful.scoring import pipeline

GROUP_COLUMNS = ["size_class", "nation", "region"]


def default_framework() -> Path:
    """The package's framework.toml: the index `hopeful score` builds by default."""
    return Path(str(resources.files("hopeful").joinpath("data/framework.toml")))


@dataclass
class ScoreReport:
    """What `score` wrote and the summary it recorded in score_summary.json."""

    outputs: list[Path] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def prepared_towns(processed_dir: Path) -> pd.DataFrame:
    """towns.csv as `hopeful prepare` wrote it (any earlier score columns dropped)."""
    path = processed_dir / "towns.csv"
    if not path.is_file():
        raise DataError("towns.csv is missing: run `hopeful prepare` first", file=path)
    towns = pd.read_csv(path, dtype={"town_code": str, "lad_code": str})
    prepare.validate_towns(towns, str(path))
    own = prepare.column_dictionary()
    keep = own.loc[own["table"] == "towns", "column"]
    return towns[[c for c in towns.columns if c in set(keep)]]


def score_columns_dictionary(
    fw: framework_mod.Framework, config: clusters.ClusterConfig, catalogue: pd.DataFrame
) -> pd.DataFrame:
    """Dictionary rows for everything score adds: indicators, index, domains, clusters, peers."""
    rows = [
        {
            "table": "towns",
            "column": r.code,
            "meaning": f"{r.name}: {r.meaning}",
            "unit": r.unit,
            "source": r.source,
            "year": r.year,
            "geography": r.geography,
            "direction": r.direction,
            "proxy": r.proxy,
            "nations": r.nations,
            "comparability": r.comparability,
        }
        for r in catalogue.fillna("").itertuples()
    ]
    name = fw.name

    def add(column: str, meaning: str, unit: str) -> None:
        rows.append(
            {
                "table": "towns",
                "column": column,
                "meaning": meaning,
                "unit": unit,
                "source": f"hopeful score ({name})",
                "year": "",
            }
        )

    add("index_score", "Towns Index score (higher = more resilient)", "score 0-100")
    add("index_rank", "Rank of the index score among all towns (1 = most resilient)", "rank")
    for q, label in (("p05", "5th percentile"), ("median", "median"), ("p95", "95th percentile")):
        add(
            f"index_rank_{q}",
            f"Monte Carlo {label} of the town's rank over {fw.uncertainty.draws} sampled models",
            "rank",
        )
    add("index_decile", "Decile of the index rank (1 = the most resilient tenth)", "decile")
    for group in fw.ranking_groups:
        add(f"index_rank_in_{group}", f"Rank of the index score within the town's {group}", "rank")
    for domain in fw.domains:
        add(
            f"domain_{domain.code}", f"Domain score: {domain.name} (higher = better)", "score 0-100"
        )
    for i in range(1, fw.strengths_k + 1):
        add(f"strength_{i}", f"The town's {i}. strongest domain relative to all towns", "code")
        add(f"weakness_{i}", f"The town's {i}. weakest domain relative to all towns", "code")
    for c in config.clusters:
        add(
            f"cluster_{c.id}",
            f"Cluster {c.id} {c.name} ({c.origin}): full, partial, none or not_assessed",
            "category",
        )
    add("clusters_full", "Number of clusters the town is fully in", "count")
    add("clusters_partial", "Number of clusters the town is partially in", "count")
    add("clusters_not_assessed", "Number of clusters that could not be assessed", "count")
    for column, (meaning, unit) in LEAVE_COLUMNS.items():
        rows.append(
            {
                "table": "towns",
                "column": column,
                "meaning": meaning,
                "unit": unit,
                "source": "hopeful.models.leave (Electoral Commission 2016 results; "
                "Census 2021; IoD 2019)",
                "year": "2016",
            }
        )
    add("peer_codes", "Nearest towns on structural indicators (semicolon-separated codes)", "codes")
    add("better_peer_codes", "Nearest peers with a higher index score", "codes")
    return pd.DataFrame(rows)


LEAVE_COLUMNS = {
    "leave_share_modelled": (
        "MODELLED share of the town's voters who chose Leave in 2016 (an "
        "estimate, not a count; see docs/attitudes.md)",
        "fraction of 1",
    ),
    "leave_share_modelled_p05": (
        "5th percentile of the modelled Leave share (90% interval)",
        "fraction of 1",
    ),
    "leave_share_modelled_p95": (
        "95th percentile of the modelled Leave share (90% interval)",
        "fraction of 1",
    ),
    "leave_area16_code": ("2016 counting area (local authority) holding most of the town", "code"),
    "leave_area16_name": ("Name of that counting area", "text"),
    "leave_share_area16": (
        "MEASURED Leave share of that whole counting area (Electoral Commission)",
        "fraction of 1",
    ),
    "leave_area16_coverage": (
        "Share of the town's adults living in that counting area",
        "fraction of 1",
    ),
    "leave_region": ("Region as named in the referendum results", "text"),
}


def leave_estimates(raw_dir: Path, processed_dir: Path) -> pd.DataFrame:
    """Fit the area model (saved to models/leave_la.json) and estimate every town's Leave share."""
    features = area_features.lsoa_features(raw_dir)
    model = leave.fit_leave_model(raw_dir, processed_dir, lsoa_table=features)
    return leave.town_leave_estimates(model, raw_dir, lsoa_table=features)


def score(
    raw_dir: Path,
    processed_dir: Path,
    *,
    framework_path: Path | None = None,
    clusters_path: Path | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> ScoreReport:
    """Build indicators, score the index with uncertainty, assign clusters and peers."""
    processed_dir = Path(processed_dir)
    framework_path = framework_path or default_framework()
    problems = sources.verify(raw_dir)
    if problems:
        raise DataError(
            "raw data are missing or changed; run `hopeful fetch`:\n  " + "\n  ".join(problems),
            file=raw_dir,
        )
    # Validate the declarative files before the slow steps; columns are checked after.
    fw = framework_mod.load_framework(framework_path)
    config = clusters.load_clusters(clusters_path)
    towns = prepared_towns(processed_dir)
    lsoa = pd.read_parquet(processed_dir / "lsoa.parquet")

    progress("building town indicators")
    table = indicators.build_indicators(
        Path(raw_dir), lsoa[["lsoa11_code", "town_code"]], lsoa[["lsoa11_code", "lad_code"]], towns
    )
    catalogue = indicators.catalogue()
    towns = towns.merge(table, on="town_code", how="left", validate="one_to_one")

    progress("scoring the Towns Index (with Monte Carlo uncertainty)")
    framework_mod.check_data(fw, towns.columns)
    frame = towns.set_index("town_code")
    result = pipeline.run(frame[list(fw.indicator_codes)], fw, frame[GROUP_COLUMNS])
    towns = towns.merge(
        pipeline.unit_columns(result),
        left_on="town_code",
        right_index=True,
        how="left",
        validate="one_to_one",
    )

    progress("assigning clusters and peers")
    clusters.validate_against(config, towns.columns)
    criteria = clusters.criteria_table(towns, config)
    towns = towns.merge(
        clusters.membership_from_criteria(criteria, config),
        on="town_code",
        how="left",
        validate="one_to_one",
    )
    near = peers.peers_from_settings(towns, config.peers)
    towns = towns.merge(peers.peer_codes(near), on="town_code", how="left", validate="one_to_one")
    better = peers.better_peers(
        near, towns.set_index("town_code")["index_score"], n=config.peers.better
    )
    better_codes = (
        better.sort_values(["town_code", "rank"])
        .groupby("town_code")["peer_code"]
        .agg(";".join)
        .rename("better_peer_codes")
    )
    towns = towns.merge(better_codes, left_on="town_code", right_index=True, how="left")

    progress("modelling the EU referendum vote of areas and towns")
    leave = leave_estimates(Path(raw_dir), processed_dir)
    towns = towns.merge(leave, on="town_code", how="left", validate="one_to_one")
    towns = towns.sort_values("town_code").reset_index(drop=True)
    variance = multilevel.variance_partition(towns, "leave_share_modelled")
    atomic.write_text(
        processed_dir / "models" / "leave_multilevel.csv",
        variance.round(6).to_csv(lineterminator="\n"),
    )
    prepare.validate_towns(towns)

    dictionary = pd.concat(
        [
            prepare.data_dictionary(
                {
                    "towns": towns[
                        [
                            c
                            for c in towns.columns
                            if c in set(prepare.column_dictionary()["column"])
                        ]
                    ]
                }
            ),
            score_columns_dictionary(fw, config, catalogue),
        ],
        ignore_index=True,
    )
    missing = sorted(set(towns.columns) - set(dictionary["column"]))
    if missing:
        raise DataError(
            f"columns without a dictionary entry: {missing}", file="data_dictionary.csv"
        )
    las = pd.read_csv(processed_dir / "local_authorities.csv", dtype={"lad_code": str})
    dictionary = pd.concat(
        [dictionary, prepare.data_dictionary({"local_authorities": las})], ignore_index=True
    )

    mc = result.uncertainty
    audit = result.audit
    outputs = {
        "towns.csv": lambda p: prepare.write_csv(towns, p),
        "towns.parquet": lambda p: prepare.write_parquet(towns, p),
        "data_dictionary.csv": lambda p: prepare.write_csv(dictionary, p),
        "indicators.csv": lambda p: prepare.write_csv(catalogue, p),
        "cluster_criteria.csv": lambda p: prepare.write_csv(criteria, p),
        "cluster_criteria.parquet": lambda p: prepare.write_parquet(criteria, p),
        "cluster_thresholds.csv": lambda p: prepare.write_csv(
            clusters.thresholds(towns, config), p
        ),
        "peers.csv": lambda p: prepare.write_csv(near, p),
        "index_weights.csv": lambda p: prepare.write_csv(result.weights.reset_index(), p),
        "index_audit_domains.csv": lambda p: prepare.write_csv(audit.summary.reset_index(), p),
        "index_audit_indicators.csv": lambda p: prepare.write_csv(
            audit.indicator_correlations.reset_index(), p
        ),
        "index_audit_correlations.csv": lambda p: prepare.write_csv(
            audit.domain_correlations.reset_index(), p
        ),
        "index_leave_one_out.csv": lambda p: prepare.write_csv(mc.leave_one_out.reset_index(), p),
    }
    if result.outliers is not None:
        outputs["index_outliers.csv"] = lambda p: prepare.write_csv(
            result.outliers.reset_index(), p
        )
    report = ScoreReport()
    for name, writer in outputs.items():
        writer(processed_dir / name)
        report.outputs.append(processed_dir / name)

    summary = {
        "framework": {"file": framework_path.name, "sha256": fw.sha256, "name": fw.name},
        "clusters": {"sha256": config.sha256},
        "uncertainty": {
            k: (round(v, 6) if isinstance(v, float) else v) for k, v in sorted(mc.summary.items())
        },
        "towns": len(towns),
        "indicators": len(fw.indicator_codes),
        "clusters_full_mean": round(float(towns["clusters_full"].mean()), 4),
    }
    atomic.write_text(
        processed_dir / "score_summary.json", json.dumps(summary, indent=2, sort_keys=True) + "\n"
    )
    report.outputs.append(processed_dir / "score_summary.json")
    prov_path = processed_dir / "provenance.json"
    prov = json.loads(prov_path.read_text(encoding="utf-8"))
    prov["framework_sha256"] = fw.sha256
    prov["clusters_sha256"] = config.sha256
    prov["outputs"] = {
        n: prepare.sha256_file(processed_dir / n)
        for n in sorted(set(prov.get("outputs", {})) | set(outputs))
    }
    atomic.write_text(prov_path, json.dumps(prov, indent=2, sort_keys=True) + "\n")
    report.summary = summary
    return report

"""`hopeful score`: indicators → Towns Index, clusters, peers and intervals, written into towns.csv.

Three steps, each a function writing its own outputs, then `publish` joins them:

1. `indicators_step`: the town indicators from the interim tables and the prepared tables;
2. `index_step`: the Towns Index with its uncertainty, the clusters and the peers (reads the
   framework and clusters files);
3. `attitudes_step`: the Leave model fitted on counting areas and every town's estimate.

A step's own table goes to the steps folder (default data/interim/score/, beside and never
inside data/processed/, so reports never read it); what reports show goes to its `published/`
subfolder until `publish` moves the whole set into data/processed/ at once (a staging folder,
then one rename per file, provenance.json last), so an interrupted run never leaves towns.csv
and the other tables disagreeing with each other or with provenance.json.
A step whose inputs (files, config, code) are unchanged skips itself (see `hopeful.stamps`);
`start` reruns from a step and `force` reruns everything. Idempotent: it starts again from the
columns `hopeful prepare` wrote, so running it twice gives the same files. The framework and
clusters files are declarative; their hashes go into provenance.json.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import atomic, cluster_stats, clusters, indicators, interim, load, peers, stamps
from hopeful.errors import DataError
from hopeful.indicators import build, errors, trends
from hopeful.prepare import raw_tables
from hopeful.processed import (
    column_dictionary,
    data_dictionary,
    read_local_authorities,
    read_town_constituencies,
    read_towns,
    update_provenance,
    validate_towns,
    write_csv,
    write_parquet,
)
from hopeful.scoring import framework as framework_mod
from hopeful.scoring import pipeline, resilience_audit, validity

GROUP_COLUMNS = ["size_class", "nation", "region"]
ERRORS_TABLE = "indicator_errors.parquet"  # steps folder: standard errors of the indicators
TRENDS_TABLE = "trends.csv"  # processed: towns' and their authorities' values over time
STEPS = ("indicators", "index", "attitudes")
# Which earlier steps' tables a step reads: `--from` reruns a step and those that read it.
# The Leave model reads only prepared data, so a framework change never refits it.
READS = {"indicators": (), "index": ("indicators",), "attitudes": ()}
# The code each step runs beyond the package's top-level modules and data (see stamps).
STEP_CODE = {
    "indicators": ("indicators", "prepare"),
    "index": ("scoring", "indicators"),
    "attitudes": ("models", "indicators", "prepare"),
    "publish": ("indicators",),
}


@dataclass
class ScoreReport:
    """What `score` wrote and the summary it recorded in score_summary.json."""

    outputs: list[Path] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def default_steps_dir(interim_dir: Path) -> Path:
    """data/interim/score: step tables that reports never read."""
    return Path(interim_dir) / "score"


def published_dir(steps_dir: Path) -> Path:
    """Where steps put the tables reports read, until `publish` moves them in as one set."""
    return Path(steps_dir) / "published"


def prepared_towns(processed_dir: Path) -> pd.DataFrame:
    """towns.csv as `hopeful prepare` wrote it (any earlier score columns dropped)."""
    path = Path(processed_dir) / "towns.csv"
    towns = read_towns(processed_dir)
    validate_towns(towns, str(path))
    own = column_dictionary()
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
            f"{label} of the town's rank over {fw.uncertainty.draws} sampled models (methods, "
            "weights, structure and data noise); p05-p95 is the range of ranks over 90% of "
            "sampled methods and data noise, not a confidence interval",
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
        add(f"cluster_{c.id}_met", f"Criteria of cluster {c.id} the town meets", "count")
        add(
            f"cluster_{c.id}_assessed",
            f"Criteria of cluster {c.id} the town could be assessed on (of {len(c.criteria)})",
            "count",
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
    for column, (meaning, unit) in REFORM_COLUMNS.items():
        rows.append(
            {
                "table": "towns",
                "column": column,
                "meaning": meaning,
                "unit": unit,
                "source": "hopeful.models.constituency (House of Commons Library GE2024 "
                "results; Census 2021; IoD 2019)",
                "year": "2024",
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


REFORM_COLUMNS = {
    "reform24_share_modelled": (
        "MODELLED share of the town's voters who voted Reform UK at the 2024 general election "
        "(an estimate, not a count; 0 in seats Reform UK did not contest; see "
        "docs/attitudes.md). The measured constituency figure is reform_share_2024",
        "fraction of 1",
    ),
    "reform24_share_modelled_p05": (
        "5th percentile of the modelled Reform UK 2024 share (90% interval)",
        "fraction of 1",
    ),
    "reform24_share_modelled_p95": (
        "95th percentile of the modelled Reform UK 2024 share (90% interval)",
        "fraction of 1",
    ),
}
VALIDATION_TABLES = ("leave_validation.csv", "attitude_model_cv.csv")
# What the attitudes step publishes (in published_dir until `publish` moves it in).
ATTITUDE_OUTPUTS = (*VALIDATION_TABLES, "models/leave_la.json", "models/leave_multilevel.csv")


def attitude_estimates(
    interim_dir: Path, out_dir: Path
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Fit the area models (Leave saved to models/leave_la.json; GE2024 turnout and Reform
    UK on constituencies), estimate every town's Leave and Reform UK shares, and validate
    them (the tables of VALIDATION_TABLES)."""
    # Imported here: statsmodels takes seconds to import, and a skipped step needs none of it.
    from hopeful.models import area_features, constituency, leave, validation

    table = constituency.with_pcon24(interim_dir, area_features.lsoa_features(interim_dir))
    table = leave.with_vote_features(interim_dir, table)
    seats = constituency.constituency_areas(interim_dir, table)
    turnout = constituency.fit_turnout_model(seats)
    reform = constituency.fit_reform_model(seats)
    model = leave.fit_leave_model(interim_dir, out_dir, lsoa_table=table)
    areas = leave.counting_areas(interim_dir, table)
    held, within_sd = validation.within_authority(
        areas,
        table,
        turnout,
        features=model.features,
        reference_region=leave.REFERENCE_REGION,
        seed=leave.SEED,
    )
    towns = leave.town_leave_estimates(
        model, interim_dir, lsoa_table=table, turnout_model=turnout, piece_sd=within_sd
    )
    adults_only = leave.town_leave_estimates(model, interim_dir, lsoa_table=table, n_draws=2)
    reform_towns = constituency.town_reform_estimates(reform, turnout, table, seats)
    towns = towns.merge(reform_towns, on="town_code", how="left", validate="one_to_one")

    hanretty = interim.read(interim_dir, "ge2024_census21_constituency_summaries")
    by_town = towns.set_index("town_code")
    estimates = {
        "Modelled town, weighted by expected voters": by_town["leave_share_modelled"],
        "Modelled town, weighted by adults": adults_only.set_index("town_code")[
            "leave_share_modelled"
        ],
        "Local authority result (baseline)": by_town["leave_share_area16"],
    }
    summary, _ = validation.leave_validation(
        estimates, table, hanretty.set_index("pcon24_code")["hanretty_leave_pct"] / 100
    )
    where = pd.concat(
        [validation.centres(interim_dir, table, key) for key in ("area16_code", "pcon24_code")]
    )
    cv = validation.cv_table(
        {
            "Leave 2016, local authorities": (model, "area16_code"),
            "Reform UK 2024, constituencies": (reform, "pcon24_code"),
            "Turnout 2024, constituencies": (turnout, "pcon24_code"),
        },
        where,
        seed=leave.SEED,
    )
    y, w = held["leave_share"].to_numpy(), np.ones(len(held))
    within = [
        {
            "model": "Leave 2016, districts within merged authorities",
            "scheme": scheme,
            "folds": held["ltla21_code"].nunique(),
            "n": len(held),
            **validation.scores(y, held[column].to_numpy(), w),
        }
        for scheme, column in (
            ("held out, authority total shared out by the model", "modelled"),
            ("held out, authority result (baseline)", "baseline"),
        )
    ]
    cv = pd.concat([cv, pd.DataFrame(within)], ignore_index=True)
    return towns, {"leave_validation.csv": summary, "attitude_model_cv.csv": cv}


def _write_step_table(frame: pd.DataFrame, path: Path) -> None:
    """A step's table as computed (no rounding: the next step computes on it)."""
    with atomic.atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def _merge_step(towns: pd.DataFrame, path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError("a score step's output is missing: run `hopeful score`", file=path)
    table = load.read_parquet(path)
    return towns.merge(table, on="town_code", how="left", validate="one_to_one")


def indicators_step(interim_dir: Path, processed_dir: Path, steps_dir: Path) -> list[Path]:
    """Step 1: every town indicator, from the interim tables and the prepared LSOA table."""
    towns = prepared_towns(processed_dir)
    lsoa = load.read_parquet(processed_dir / "lsoa.parquet")
    inputs = (
        Path(interim_dir),
        lsoa[["lsoa11_code", "town_code"]],
        lsoa[["lsoa11_code", "lad_code"]],
        towns,
        read_town_constituencies(processed_dir),
    )
    small_areas = build.small_area_tables(*inputs[:4])
    table = indicators.build_indicators(*inputs, small_areas=small_areas)
    out = steps_dir / "indicators.parquet"
    _write_step_table(table, out)
    # Each small-area indicator's standard error: the data noise the index's Monte Carlo samples.
    tables, _ = small_areas
    noise = errors.recipe_errors(tables, pd.Index(table["town_code"]))
    _write_step_table(noise.reset_index(), steps_dir / ERRORS_TABLE)
    # The trends the reports draw, from the same small-area tables (built once); published
    # into data/processed with the other outputs, so a failed score leaves it untouched.
    trend_path = steps_dir / TRENDS_TABLE
    write_csv(trends.trend_table(interim_dir, tables, towns), trend_path)
    return [out, steps_dir / ERRORS_TABLE, trend_path]


def _rounded(value: object) -> object:
    """Floats rounded to 6 places (NaN as None) so the JSON summary is stable and valid."""
    if isinstance(value, float):
        return None if value != value else round(value, 6)
    return value


def beyond_deprivation(
    result: pipeline.ScoreResult, towns: pd.DataFrame, catalogue: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """Effective weights, deprivation correlations per nation and |r| > 0.9 pairs (issue 12).

    `towns` is indexed by town code with `uk_imd_score` and `nation`. Correlations cover the
    index, its domains, its indicators as scored (higher = better) and, as kind "candidate",
    every other catalogue indicator measured in both nations, oriented by its catalogue
    direction (direction 0: as measured). Returns the three tables and the summary record.
    """
    cat = catalogue.set_index("code")
    others = [
        c
        for c in cat.index[cat["nations"] == "both"]
        if c not in result.normalised.columns and c in towns.columns
    ]
    candidates = towns[others].mul(cat.loc[others, "direction"].replace(0, 1), axis=1)
    weights = resilience_audit.effective_weights(
        result.normalised,
        result.domain_scores,
        result.index,
        result.weights,
        result.domain_weights,
    )
    correlations = resilience_audit.deprivation_correlations(
        {
            "index": result.index.to_frame("index"),
            "domain": result.domain_scores,
            "indicator": result.normalised,
            "candidate": candidates,
        },
        towns["uk_imd_score"],
        towns["nation"],
    )
    pairs = resilience_audit.redundant_pairs(result.normalised, towns["nation"])
    rho = [c for c in correlations.columns if c.startswith("rho_")]
    by_code = correlations.set_index(["kind", "code"])
    record = {
        "index_spearman_uk_imd_score": {
            c.removeprefix("rho_"): _rounded(by_code.at[("index", "index"), c]) for c in rho
        },
        "indicators_spearman_uk_imd_score": {
            code: {
                **{c.removeprefix("rho_"): _rounded(row[c]) for c in rho},
                "same_sign": bool(row["same_sign"]),
            }
            for code, row in by_code.loc["indicator"].iterrows()
        },
        "indicator_pairs_abs_r_above_0_9": [
            {k: _rounded(v) for k, v in row.items()} for row in pairs.to_dict("records")
        ],
        "effective_weights": {
            row.code: {
                "nominal": _rounded(float(row.nominal_weight)),
                "applied": _rounded(float(row.applied_weight)),
                "effective": _rounded(float(row.effective_weight)),
            }
            for row in weights[weights["level"] == "domain"].itertuples()
        },
    }
    return weights, correlations, pairs, record


def index_step(
    processed_dir: Path,
    steps_dir: Path,
    fw: framework_mod.Framework,
    config: clusters.ClusterConfig,
) -> list[Path]:
    """Step 2: the Towns Index with uncertainty, the clusters and the peers.

    Writes the index, cluster and peer tables reports read into `published_dir(steps_dir)`,
    and the columns it adds to towns.csv (plus the uncertainty summary) into `steps_dir`.
    """
    out_dir = published_dir(steps_dir)
    towns = _merge_step(prepared_towns(processed_dir), steps_dir / "indicators.parquet")
    before = list(towns.columns)
    framework_mod.check_data(fw, towns.columns)
    frame = towns.set_index("town_code")
    noise = load.read_parquet(steps_dir / ERRORS_TABLE).set_index("town_code")
    result = pipeline.run(
        frame[list(fw.indicator_codes)],
        fw,
        frame[GROUP_COLUMNS],
        errors=noise.reindex(columns=list(fw.indicator_codes)),
    )
    towns = towns.merge(
        pipeline.unit_columns(result),
        left_on="town_code",
        right_index=True,
        how="left",
        validate="one_to_one",
    )

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

    catalogue = indicators.catalogue()
    indicators.require_rationale(catalogue, fw.indicator_codes)
    weights, deprivation, pairs, deprivation_record = beyond_deprivation(result, frame, catalogue)
    mc = result.uncertainty
    audit = result.audit
    outputs = {
        "cluster_criteria.csv": lambda p: write_csv(criteria, p),
        "cluster_criteria.parquet": lambda p: write_parquet(criteria, p),
        "cluster_thresholds.csv": lambda p: write_csv(clusters.thresholds(towns, config), p),
        "cluster_membership.csv": lambda p: write_csv(
            cluster_stats.membership_rates(towns, config), p
        ),
        "cluster_cooccurrence.csv": lambda p: write_csv(
            cluster_stats.cooccurrence(towns, config), p
        ),
        "cluster_calibration.csv": lambda p: write_csv(cluster_stats.calibration(towns, config), p),
        "peers.csv": lambda p: write_csv(near, p),
        "index_weights.csv": lambda p: write_csv(pipeline.weight_rows(result), p),
        "index_audit_domains.csv": lambda p: write_csv(audit.summary.reset_index(), p),
        "index_audit_indicators.csv": lambda p: write_csv(
            audit.indicator_correlations.reset_index(), p
        ),
        "index_audit_correlations.csv": lambda p: write_csv(
            audit.domain_correlations.reset_index(), p
        ),
        "index_leave_one_out.csv": lambda p: write_csv(mc.leave_one_out.reset_index(), p),
        "index_effective_weights.csv": lambda p: write_csv(weights, p),
        "index_deprivation_correlations.csv": lambda p: write_csv(deprivation, p),
        "index_redundant_pairs.csv": lambda p: write_csv(pairs, p),
        "index_validity.csv": lambda p: write_csv(
            validity.validity_table(towns, fw, validity.load_spec()), p
        ),
    }
    if mc.sobol is not None:
        outputs["index_sobol.csv"] = lambda p: write_csv(mc.sobol.reset_index(), p)
    if result.outliers is not None:
        outputs["index_outliers.csv"] = lambda p: write_csv(result.outliers.reset_index(), p)
    for name, writer in outputs.items():
        writer(out_dir / name)
    added = ["town_code", *[c for c in towns.columns if c not in before]]
    _write_step_table(towns[added], steps_dir / "index.parquet")
    record = {
        "outputs": sorted(outputs),
        "uncertainty": {
            k: (round(v, 6) if isinstance(v, float) else v) for k, v in sorted(mc.summary.items())
        },
        "beyond_deprivation": deprivation_record,
    }
    atomic.write_text(steps_dir / "index.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    return [
        *(out_dir / n for n in outputs),
        steps_dir / "index.parquet",
        steps_dir / "index.json",
    ]


def attitudes_step(interim_dir: Path, processed_dir: Path, steps_dir: Path) -> list[Path]:
    """Step 3: the Leave and Reform UK models (models/leave_la.json), town estimates, their
    validation tables and where Leave varies."""
    from hopeful.models import multilevel

    out_dir = published_dir(steps_dir)
    leave, tables = attitude_estimates(Path(interim_dir), out_dir)
    _write_step_table(leave, steps_dir / "attitudes.parquet")
    for name, frame in tables.items():
        write_csv(frame, out_dir / name)
    towns = prepared_towns(processed_dir)
    towns = towns.merge(leave, on="town_code", how="left", validate="one_to_one")
    towns = towns.sort_values("town_code").reset_index(drop=True)
    variance = multilevel.variance_partition(towns, "leave_share_modelled")
    atomic.write_text(
        out_dir / "models" / "leave_multilevel.csv",
        variance.round(6).to_csv(lineterminator="\n"),
    )
    return [
        steps_dir / "attitudes.parquet",
        out_dir / "models" / "leave_la.json",
        out_dir / "models" / "leave_multilevel.csv",
        *(out_dir / name for name in VALIDATION_TABLES),
    ]


def publish(
    processed_dir: Path,
    steps_dir: Path,
    fw: framework_mod.Framework,
    config: clusters.ClusterConfig,
    framework_path: Path,
) -> tuple[list[Path], dict]:
    """Join the steps' tables into towns.csv, the dictionary, the summary and provenance."""
    towns = prepared_towns(processed_dir)
    for step in STEPS:
        towns = _merge_step(towns, steps_dir / f"{step}.parquet")
    towns = towns.sort_values("town_code").reset_index(drop=True)
    validate_towns(towns)
    index_record = json.loads((steps_dir / "index.json").read_text(encoding="utf-8"))

    catalogue = indicators.catalogue()
    known = set(column_dictionary()["column"])
    dictionary = pd.concat(
        [
            data_dictionary({"towns": towns[[c for c in towns.columns if c in known]]}),
            score_columns_dictionary(fw, config, catalogue),
        ],
        ignore_index=True,
    )
    missing = sorted(set(towns.columns) - set(dictionary["column"]))
    if missing:
        raise DataError(
            f"columns without a dictionary entry: {missing}", file="data_dictionary.csv"
        )
    las = read_local_authorities(processed_dir)
    town_pcon = read_town_constituencies(processed_dir)
    dictionary = pd.concat(
        [
            dictionary,
            data_dictionary(
                {
                    "local_authorities": las,
                    "town_constituencies": town_pcon,
                    **{
                        name.removesuffix(".csv"): pd.read_csv(published_dir(steps_dir) / name)
                        for name in VALIDATION_TABLES
                    },
                    "trends": pd.read_csv(steps_dir / TRENDS_TABLE, nrows=0),
                }
            ),
        ],
        ignore_index=True,
    )
    outputs = {
        "towns.csv": lambda p: write_csv(towns, p),
        "towns.parquet": lambda p: write_parquet(towns, p),
        "data_dictionary.csv": lambda p: write_csv(dictionary, p),
        "indicators.csv": lambda p: write_csv(catalogue, p),
        TRENDS_TABLE: lambda p: atomic.write_bytes(p, (steps_dir / TRENDS_TABLE).read_bytes()),
    }
    steps_out = published_dir(steps_dir)
    for name in [*index_record["outputs"], *ATTITUDE_OUTPUTS]:
        outputs[name] = lambda p, src=steps_out / name: atomic.write_bytes(p, src.read_bytes())
    summary = {
        "framework": {"file": framework_path.name, "sha256": fw.sha256, "name": fw.name},
        "clusters": {"sha256": config.sha256},
        "uncertainty": index_record["uncertainty"],
        "beyond_deprivation": index_record["beyond_deprivation"],
        "towns": len(towns),
        "indicators": len(fw.indicator_codes),
        "clusters_full_mean": round(float(towns["clusters_full"].mean()), 4),
        "clusters_full_mean_by_nation": cluster_stats.full_mean_by_nation(towns),
        "clusters_full_reference": config.calibration.target_full_mean,
    }
    outputs["score_summary.json"] = lambda p: atomic.write_text(
        p, json.dumps(summary, indent=2, sort_keys=True) + "\n"
    )
    # One set: everything is written into a staging folder beside data/processed, then moved
    # in (provenance.json last); a failure before the move leaves data/processed untouched.
    with atomic.staged_dir(processed_dir) as stage:
        for name, writer in outputs.items():
            writer(stage / name)
        update_provenance(
            processed_dir,
            outputs,
            {"framework_sha256": fw.sha256, "clusters_sha256": config.sha256},
            stage=stage,
        )
    return [processed_dir / n for n in [*outputs, "provenance.json"]], summary


def _frame_digest(frame: pd.DataFrame) -> str:
    """sha256 of a table's columns and values (the prepared towns, whatever else towns.csv has)."""
    digest = hashlib.sha256("\0".join(frame.columns).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def _downstream(start: str) -> set[str]:
    """`start` and every step that reads its table, directly or through another step."""
    out = {start}
    for step in STEPS[STEPS.index(start) + 1 :]:
        if out & set(READS[step]):
            out.add(step)
    return out


def score(
    interim_dir: Path,
    processed_dir: Path,
    *,
    framework_path: Path | None = None,
    clusters_path: Path | None = None,
    steps_dir: Path | None = None,
    start: str | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> ScoreReport:
    """Run the steps whose inputs changed (all from `start` on; all with `force`), then publish."""
    processed_dir = Path(processed_dir)
    interim_dir = Path(interim_dir)
    steps_dir = Path(steps_dir) if steps_dir else default_steps_dir(interim_dir)
    framework_path = Path(framework_path or framework_mod.DEFAULT_PATH)
    if start is not None and start not in STEPS:
        raise DataError(f"unknown step {start!r}; expected one of: {', '.join(STEPS)}")
    interim.require(interim_dir, raw_tables.READERS)
    # Validate the declarative files before the slow steps; columns are checked after.
    fw = framework_mod.load_framework(framework_path)
    config = clusters.load_clusters(clusters_path)
    validity.check_not_inputs(validity.load_spec(), fw)
    prepared = {
        "prepared_towns": _frame_digest(prepared_towns(processed_dir)),
        "lsoa.parquet": processed_dir / "lsoa.parquet",
        "town_constituencies.csv": processed_dir / "town_constituencies.csv",
    }
    raw = {f"interim/{i}": interim.path(interim_dir, i) for i in sorted(raw_tables.READERS)}
    step_dir = {n: steps_dir / f"{n}.parquet" for n in STEPS}

    def key(step: str, inputs: dict) -> dict:
        # The folder too: two processed folders sharing a steps folder must not skip each other.
        where = {"processed_dir": str(processed_dir.resolve())}
        return stamps.step_key(stamps.code_digest(*STEP_CODE[step]), inputs, where)

    plan: dict[str, tuple[str, Callable[[], list[Path]], Callable[[], dict]]] = {
        "indicators": (
            "building town indicators",
            lambda: indicators_step(interim_dir, processed_dir, steps_dir),
            lambda: key("indicators", {**raw, **prepared}),
        ),
        "index": (
            "scoring the Towns Index (with Monte Carlo uncertainty), clusters and peers",
            lambda: index_step(processed_dir, steps_dir, fw, config),
            lambda: key(
                "index",
                {
                    **prepared,
                    "indicators.parquet": step_dir["indicators"],
                    ERRORS_TABLE: steps_dir / ERRORS_TABLE,
                    "framework": fw.sha256,
                    "clusters": config.sha256,
                },
            ),
        ),
        "attitudes": (
            "modelling the EU referendum vote of areas and towns",
            lambda: attitudes_step(interim_dir, processed_dir, steps_dir),
            lambda: key("attitudes", {**raw, **prepared}),
        ),
    }

    report = ScoreReport()
    forced = set(STEPS) if force else _downstream(start) if start else set()
    for step in STEPS:
        message, run, make_key = plan[step]
        stamp = steps_dir / f"{step}.stamp.json"
        step_key = make_key()
        if step not in forced and stamps.is_fresh(stamp, step_key):
            progress(f"{step}: unchanged, skipped (use --force)")
            report.skipped.append(step)
            continue
        progress(message)
        written = run()
        stamps.write_stamp(stamp, step_key, written)
        report.ran.append(step)
        report.outputs.extend(p for p in written if p.parent == processed_dir)

    publish_key = key(
        "publish",
        {
            **prepared,
            "local_authorities.csv": processed_dir / "local_authorities.csv",
            **{f"{s}.parquet": step_dir[s] for s in STEPS},
            "index.json": steps_dir / "index.json",
            "framework": fw.sha256,
            "clusters": config.sha256,
        },
    )
    stamp = steps_dir / "publish.stamp.json"
    summary_path = processed_dir / "score_summary.json"
    if not report.ran and not force and stamps.is_fresh(stamp, publish_key):
        progress("publish: unchanged, skipped (use --force)")
        report.skipped.append("publish")
        report.summary = json.loads(summary_path.read_text(encoding="utf-8"))
        return report
    progress("writing towns.csv, the data dictionary, the summary and provenance")
    written, report.summary = publish(processed_dir, steps_dir, fw, config, framework_path)
    stamps.write_stamp(stamp, publish_key, written)
    report.ran.append("publish")
    report.outputs.extend(written)
    return report

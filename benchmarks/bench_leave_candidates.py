"""Benchmark: candidate Leave area models judged on counted data only (issue 13, item 3).

Each candidate is scored by spatially blocked 10-fold CV on the 348 counting areas (k-means
blocks, averaged over five block seeds, since one seed's RMSE moves by about 0.15 points) and
by the held-out districts of the 2021 merged authorities (their counted totals shared out by
the model, as `validation.within_authority` does). Hanretty's estimates are not read here: a
candidate replaces the published model only if its mean spatial RMSE is at least 0.05 points
lower and the merged-district RMSE is not worse (the rule written down before evaluating;
docs/attitudes.md lists the candidates and the outcome). Features the model does not use
(no qualifications, NS-SeC 5-7) are built here from the same Census 2021 output-area tables.
Candidates N-P (written down before they were scored) add counted GE2024 shares of each LSOA's
2024 constituency (`hopeful.models.seat_votes`, its declared handling of uncontested seats and
the Speaker's seat), population-weighted to the counting area, as Hanretty used UKIP's 2015
results.

    .venv/bin/python benchmarks/bench_leave_candidates.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from hopeful import interim, paths
from hopeful.indicators import census21_oa
from hopeful.models import area_features, constituency, leave, seat_votes, validation
from hopeful.models import area_model as am

N_SEEDS = 5
BASE = tuple(area_features.FEATURES)
NSSEC = ["l1_3", "l4_6", "l7", "l8_9", "l10_11", "l12", "l13", "l14"]
RIDGE_FEATURES = (*BASE, "share_no_quals", "share_working_class", "degree_x_65")


def extra_lsoa_features(interim_dir, table: pd.DataFrame) -> pd.DataFrame:
    """The LSOA table with the no-qualifications and NS-SeC 5-7 shares and their
    denominators."""
    lookup = interim.read(interim_dir, census21_oa.LOOKUP)
    qual = interim.read(interim_dir, "census21_oa_qualifications")
    nssec = interim.read(interim_dir, "census21_oa_nssec")
    counts = pd.concat(
        [
            census21_oa.oa_to_lsoa21(
                qual[["oa21_code", "residents_16plus", "no_qualifications"]],
                lookup,
                "census21_oa_qualifications",
            ),
            census21_oa.oa_to_lsoa21(nssec[["oa21_code", *NSSEC]], lookup, "census21_oa_nssec"),
        ],
        axis=1,
    )
    counts = area_features.to_lsoa11(
        counts, interim.read(interim_dir, "lookup_lsoa11_lsoa21_ltla22")
    ).reindex(table["lsoa11_code"])
    classified = counts[NSSEC].sum(axis=1)
    working = counts[["l10_11", "l12", "l13"]].sum(axis=1)
    return table.assign(
        share_no_quals=(counts["no_qualifications"] / counts["residents_16plus"]).to_numpy(),
        classified=classified.to_numpy(),
        share_working_class=(working / classified).to_numpy(),
    )


def derived(areas: pd.DataFrame) -> pd.DataFrame:
    """Terms computed from an area's aggregated shares (squares, an interaction, logits)."""
    out = areas.assign(
        degree_sq=areas["share_degree"] ** 2,
        degree_x_65=areas["share_degree"] * areas["share_65plus"],
        white_sq=areas["share_white"] ** 2,
        w_equal=1.0,
        w_sqrt=np.sqrt(areas["valid_votes"]),
    )
    for name in BASE:
        out[f"logit_{name}"] = logit(out[name].clip(1e-4, 1 - 1e-4))
    return out


def candidates() -> dict[str, tuple[tuple[str, ...], str]]:
    """Name -> (features, fit weight column), in the order they were written down."""

    def drop(name: str) -> tuple[str, ...]:
        return tuple(f for f in BASE if f != name)

    return {
        "A Census features only (published before N)": (BASE, "valid_votes"),
        "B + no qualifications": ((*BASE, "share_no_quals"), "valid_votes"),
        "C + NS-SeC 5-7": ((*BASE, "share_working_class"), "valid_votes"),
        "D + degree squared": ((*BASE, "degree_sq"), "valid_votes"),
        "E + degree x 65+": ((*BASE, "degree_x_65"), "valid_votes"),
        "F + White squared": ((*BASE, "white_sq"), "valid_votes"),
        "H - income deprivation": (drop("income_rate"), "valid_votes"),
        "I - aged 18-24": (drop("share_18_24"), "valid_votes"),
        "J shares on logit scale": (tuple(f"logit_{f}" for f in BASE), "valid_votes"),
        "K equal area weights": (BASE, "w_equal"),
        "L sqrt(votes) weights": (BASE, "w_sqrt"),
        "N + seat Reform UK 2024": ((*BASE, "seat_reform24"), "valid_votes"),
        "O + seat Reform+Con 2024": ((*BASE, "seat_right24"), "valid_votes"),
        "P + seat Reform+Con, LD+Green 2024": (
            (*BASE, "seat_right24", "seat_ldgreen24"),
            "valid_votes",
        ),
    }


def ridge_out_of_fold(y, x, weight, labels, alpha: float) -> np.ndarray:
    """`area_model.out_of_fold` with an L2 penalty on the features (not const or regions)."""
    import statsmodels.api as sm

    predicted = np.empty(len(y))
    for fold in np.unique(labels):
        test, train = labels == fold, labels != fold
        regions = [c for c in x.columns if c.startswith("region[") and x.loc[train, c].any()]
        if regions and (x.loc[train, regions].sum(axis=1) == 1).all():
            regions = regions[1:]
        keep = [c for c in x.columns if not c.startswith("region[") or c in regions]
        penalty = np.array([0.0 if c == "const" or c in regions else alpha for c in keep])
        model = sm.GLM(
            y[train], x.loc[train, keep], family=sm.families.Binomial(),
            var_weights=weight[train] / weight[train].mean(),
        )  # fmt: skip
        fit = model.fit_regularized(method="elastic_net", alpha=penalty, L1_wt=0.0)
        predicted[test] = expit(x.loc[test, keep].to_numpy() @ np.asarray(fit.params))
    return predicted


def merged_districts(areas, table, turnout, features, weight) -> dict:
    """Scores of the held-out districts of merged authorities (as validation.within_authority,
    with the candidate's features and fit weights)."""
    ltla = table.drop_duplicates("area16_code").set_index("area16_code")["ltla21_code"]
    frame = areas.assign(ltla21_code=areas["area16_code"].map(ltla))
    merged = frame.groupby("ltla21_code")["area16_code"].transform("size") > 1
    model = am.fit_area_model(
        frame[~merged], features, weight=weight, reference_region=leave.REFERENCE_REGION,
        seed=leave.SEED,
    )  # fmt: skip
    held = frame[merged].reset_index(drop=True)
    codes = pd.Index(sorted(held["ltla21_code"].unique()))
    group = codes.get_indexer(held["ltla21_code"])
    votes = held.groupby("ltla21_code")[["leave", "valid_votes", "electorate"]].sum().loc[codes]
    voters = am.expected_voters(
        turnout, held, area="ltla21_code", turnout=votes["valid_votes"] / votes["electorate"]
    )
    target = (votes["leave"] / votes["valid_votes"]).to_numpy()
    eta = model.predict_logit(held).to_numpy()
    modelled = expit(eta + am.calibrate_offsets(eta, voters, group, target)[0][group])
    return validation.scores(held["leave_share"].to_numpy(), modelled, np.ones(len(held)))


def main() -> None:
    where_interim = paths.interim_dir()
    table = constituency.with_pcon24(
        where_interim,
        extra_lsoa_features(where_interim, area_features.lsoa_features(where_interim)),
    )
    turnout = constituency.fit_turnout_model(constituency.constituency_areas(where_interim, table))
    table = seat_votes.with_seat_votes(where_interim, table)
    extra = {"share_no_quals": "qual_residents_16plus", "share_working_class": "classified"}
    extra |= {name: weight for name, (weight, _) in seat_votes.VOTE_FEATURES.items()}
    areas = leave.counting_areas(where_interim, table)
    for name, weight in extra.items():
        areas = areas.merge(
            area_mean(table, name, weight), on="area16_code", how="left", validate="1:1"
        )
    areas = derived(areas)
    y = areas["leave_share"].to_numpy(float)
    votes = areas["valid_votes"].to_numpy(float)
    xy = validation.centres(where_interim, table, "area16_code").loc[areas["area16_code"]]
    blocks = [
        am.spatial_folds(
            xy["easting"].to_numpy(), xy["northing"].to_numpy(), folds=10, seed=leave.SEED + s
        )
        for s in range(N_SEEDS)
    ]
    random = am.random_folds(len(y), seed=leave.SEED)
    rows = []
    for name, (features, weight) in candidates().items():
        model = am.fit_area_model(
            areas, features, weight=weight, reference_region=leave.REFERENCE_REGION,
            seed=leave.SEED,
        )  # fmt: skip
        x, fit_w = model.design(areas), areas[weight].to_numpy(float)
        spatial = [validation.scores(y, am.out_of_fold(y, x, fit_w, b), votes) for b in blocks]
        rows.append(
            {
                "candidate": name,
                "terms": len(features),
                "rmse_random": validation.scores(y, am.out_of_fold(y, x, fit_w, random), votes)[
                    "rmse_points"
                ],
                "r2_spatial": np.mean([s["r2"] for s in spatial]),
                "rmse_spatial": np.mean([s["rmse_points"] for s in spatial]),
                "rmse_spatial_seed0": spatial[0]["rmse_points"],
                "merged_rmse": merged_districts(areas, table, turnout, features, weight)[
                    "rmse_points"
                ],
                "max_vif": float(model.vif.max()),
            }
        )
    model = am.fit_area_model(
        areas, RIDGE_FEATURES, reference_region=leave.REFERENCE_REGION, seed=leave.SEED
    )
    x = model.design(areas)
    for alpha in (0.001, 0.003, 0.01, 0.03):
        spatial = [
            validation.scores(y, ridge_out_of_fold(y, x, votes, b, alpha), votes) for b in blocks
        ]
        rows.append(
            {
                "candidate": f"M ridge B+C+E, alpha {alpha}",
                "terms": len(RIDGE_FEATURES),
                "rmse_random": validation.scores(
                    y, ridge_out_of_fold(y, x, votes, random, alpha), votes
                )["rmse_points"],
                "r2_spatial": np.mean([s["r2"] for s in spatial]),
                "rmse_spatial": np.mean([s["rmse_points"] for s in spatial]),
                "rmse_spatial_seed0": spatial[0]["rmse_points"],
            }
        )
    out = pd.DataFrame(rows).set_index("candidate")
    base = out.iloc[0]
    out["spatial_gain"] = base["rmse_spatial"] - out["rmse_spatial"]
    out["kept"] = (out["spatial_gain"] >= 0.05) & ~(out["merged_rmse"] > base["merged_rmse"])
    with pd.option_context("display.width", 200):
        print(f"Leave area model candidates, RMSE in points (spatial: mean of {N_SEEDS} seeds):")
        print(out.round(3).to_string())
    print(f"\nKept: {', '.join(out.index[out['kept']]) or 'none (the published model stands)'}")


def area_mean(table: pd.DataFrame, name: str, weight: str) -> pd.DataFrame:
    """One extra feature as the denominator-weighted mean over each counting area's LSOAs."""
    frame = table.assign(_w=table[weight] * table[name])
    sums = frame.groupby("area16_code")[["_w", weight]].sum()
    return (sums["_w"] / sums[weight]).rename(name).reset_index()


if __name__ == "__main__":
    main()

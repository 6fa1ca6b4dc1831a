"""Votes for local authorities: the EU referendum (counting areas) and general elections.

Results are not published for towns. The EU referendum was counted by 2016 local
authority, carried to 2021 authorities through the ONS code history: where districts merged
(Dorset, Somerset West and Taunton, ...) their votes are summed, which gives exactly the
merged area's result. Westminster constituencies (2010-2019 boundaries) do not nest in
authorities or towns; the mirror has only a 2012 district -> constituency list, so an
authority gets the electorate-weighted mean of the constituencies that overlap it, and a town
inherits its authority's value ("inherited_constituency": a proxy, see docs/indicators.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError

EW_LAD = r"^[EW]0[6789]\d{6}$"
UKIP = "UKIP"


def ltla16_to_ltla21(interim_dir: Path) -> pd.DataFrame:
    """England and Wales 2016 districts (code, name) -> 2021 district (lad_code)."""
    path = interim.raw_file("lookup_ltla_ltla")
    frame = interim.read(interim_dir, "lookup_ltla_ltla")
    # Filters keep the index of the file's rows, so errors name the row in the file.
    frame = frame[frame["ltla16_code"].astype(str).str.match(EW_LAD)]
    load.check_codes(frame, "ltla21_code", "lad", path)
    pairs = frame[["ltla16_code", "ltla16_name", "ltla21_code"]].drop_duplicates()
    pairs = pairs.astype(str)
    load.check_unique(pairs, "ltla16_code", path)  # a 2016 district split in two would fail here
    return pairs.rename(columns={"ltla21_code": "lad_code"})


def eu_referendum(interim_dir: Path, vintages: pd.DataFrame) -> pd.DataFrame:
    """Leave share of valid votes and turnout (verified ballot papers / electorate) per 2021 LA."""
    frame = interim.read(interim_dir, "eu_referendum2016_results")
    cols = ["Electorate", "VerifiedBallotPapers", "Valid_Votes", "Leave"]
    lad = frame["Area_Code"].map(vintages.set_index("ltla16_code")["lad_code"])
    path = interim.raw_file("eu_referendum2016_results")
    load.fail_at(frame, "Area_Code", lad.isna(), path, "counting area not in the LA code history")
    summed = frame[cols].assign(lad_code=lad).groupby("lad_code", sort=True).sum()
    return pd.DataFrame(
        {
            "lad_code": summed.index,
            "leave_share_la": (summed["Leave"] / summed["Valid_Votes"]).to_numpy(),
            "eu_turnout_la": (summed["VerifiedBallotPapers"] / summed["Electorate"]).to_numpy(),
        }
    )


def ge2019(interim_dir: Path) -> pd.DataFrame:
    """GE2019 per constituency: electorate, turnout (valid votes / electorate) and Brexit Party
    share of valid votes, missing where it put up no candidate (0 votes)."""
    frame = interim.read(interim_dir, "ge2019_results_constituencies")
    valid, brx = frame["valid_votes"], frame["brx"]
    return pd.DataFrame(
        {
            "pcon_code": frame["pcon_code"],
            "electorate": frame["electorate"],
            "ge2019_turnout": valid / frame["electorate"],
            "brexit_party_share_2019": (brx / valid).where(brx > 0),
        }
    ).sort_values("pcon_code", ignore_index=True)


def ge2015_ukip(interim_dir: Path) -> pd.DataFrame:
    """GE2015 UKIP share of all votes per constituency, missing where UKIP did not stand."""
    frame = interim.read(interim_dir, "ge2015_results_candidates")
    votes, by = frame["votes"], frame["pcon_code"]
    is_ukip = (frame["party"] == UKIP).to_numpy()
    total = votes.groupby(by).sum()
    ukip = votes[is_ukip].groupby(by[is_ukip]).sum()
    share = (ukip.reindex(total.index) / total).rename("ukip_share_2015")
    return share.rename_axis("pcon_code").sort_index().reset_index()


def lad_constituencies(interim_dir: Path, vintages: pd.DataFrame) -> pd.DataFrame:
    """Pairs (2021 lad_code, pcon_code) of authorities and the constituencies overlapping them.

    The ONS list is for 2012 districts; a 2012 code missing from the 2016 code history (four
    districts recoded in 2013-14: Gateshead, Northumberland, East Hertfordshire, Stevenage)
    is matched by its unchanged name.
    """
    frame = interim.read(interim_dir, "lookup_lad12_pcon12")
    by_code = vintages.set_index("ltla16_code")["lad_code"]
    names = vintages.drop_duplicates("ltla16_name", keep=False).set_index("ltla16_name")
    lad = frame["LAD12CD"].map(by_code).fillna(frame["LAD12NM"].map(names["lad_code"]))
    path = interim.raw_file("lookup_lad12_pcon12")
    load.fail_at(frame, "LAD12CD", lad.isna(), path, "district matches no 2016 code or name")
    pairs = pd.DataFrame({"lad_code": lad.astype(str), "pcon_code": frame["PCON12CD"]})
    return pairs.drop_duplicates().sort_values(["lad_code", "pcon_code"], ignore_index=True)


def la_politics(interim_dir: Path) -> pd.DataFrame:
    """Per 2021 authority: EU referendum Leave share and turnout, and the electorate-weighted
    GE2019 turnout, Brexit Party 2019 and UKIP 2015 shares of its overlapping constituencies
    (each share averaged over the constituencies where the party stood)."""
    vintages = ltla16_to_ltla21(interim_dir)
    results = ge2019(interim_dir).merge(ge2015_ukip(interim_dir), on="pcon_code", how="left")
    pairs = lad_constituencies(interim_dir, vintages)
    unknown = sorted(set(pairs["pcon_code"]) - set(results["pcon_code"]))
    if unknown:
        raise DataError(
            f"constituencies without a 2019 result: {unknown[:5]}",
            file=interim.raw_file("lookup_lad12_pcon12"),
            column="PCON12CD",
        )
    rows = pairs.merge(results, on="pcon_code", how="left")
    out = pd.DataFrame(index=sorted(rows["lad_code"].unique()))
    for column in ("ge2019_turnout", "brexit_party_share_2019", "ukip_share_2015"):
        known = rows[rows[column].notna()]
        weighted = (known[column] * known["electorate"]).groupby(known["lad_code"]).sum()
        out[column] = weighted / known.groupby("lad_code")["electorate"].sum()
    out = out.rename_axis("lad_code").reset_index()
    eu = eu_referendum(interim_dir, vintages)
    return eu.merge(out, on="lad_code", how="outer").sort_values("lad_code", ignore_index=True)

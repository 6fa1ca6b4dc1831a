"""Readers of the files published for local authorities, constituencies and geometries.

Like hopeful.prepare.raw_tables (which merges `READERS` into its own), each reader takes a raw
file's path and returns a validated, tidy table whose problems name the file, column and row.
Only England and Wales rows are kept. Geometries are returned as WKB bytes in British National
Grid (EPSG:27700, metres), made valid on load, so the interim Parquet tables stay plain tables
and every later distance or overlay is in metres (hopeful.prepare.constituencies).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import load
from hopeful.errors import DataError

__all__ = ["BNG", "READERS"]

BNG = "EPSG:27700"
EW_LA = r"^(E0[6789]|W06)\d{6}$"  # lower-tier authorities (unitary, district, borough, Welsh)
EW_AREA = r"^(E0[6789]|W06|E10|E12|E92|W92)\d{6}$"  # authorities, counties, regions, nations
EW_PCON = r"^(E14|W07)\d{6}$"
EW_LSOA = r"^[EW]01\d{6}$"
ANY_EMPLOYEES = "Any number of employees"
PUB_YEARS = list(range(2001, 2019))
DRUG_YEARS = [str(y) for y in range(1993, 2021)]
SUPPORT_TYPES = {"Section 95", "Section 4", "Section 98"}
# Spellings in the Home Office table -> one label each.
ACCOMMODATION = {
    "Dispersal Accommodation": "dispersal",
    "Subsistence Only": "subsistence_only",
    "Subsistence only": "subsistence_only",
    "Initial Accommodation": "initial",
    "Contingency Accommodation - Hotel": "hotel",
    "Contingency Accommodation - Other": "contingency_other",
    "Other Accommodation": "other",
    "N/A - Section 98 (pre-2023)": "section98",
}
WELLBEING = {
    "Satisfaction": "life_satisfaction",
    "Happiness": "happiness",
    "Worthwhile": "worthwhile",
    "Anxiety": "anxiety",
}
GE2024_PARTIES = ["Con", "Lab", "LD", "RUK", "Green", "SNP", "PC", "DUP", "SF", "SDLP", "UUP",
                  "APNI", "All other candidates"]  # fmt: skip
INDUSTRIES21 = ["Agriculture", "Mining", "Manufacturing", "ElectricitySupply", "WaterSupply",
                "Construction", "Wholesale", "Transport", "Accommodation", "Communication",
                "Finance", "RealEstate", "Professional", "Administrative",
                "PublicAdministration", "Education", "SocialWork", "Other"]  # fmt: skip
INDUSTRIES11 = ["agriculture", "mining", "manufacturing", "electricity_supply", "water_supply",
                "construction", "wholesale", "transport", "accommodation", "communication",
                "finance", "real_estate", "professional", "administrative",
                "public_administration", "education", "social_work", "other"]  # fmt: skip
# Published shares are rounded: 18 sections must still add up to 100 within this.
SHARES_TOLERANCE = 0.6


def _rows(frame: pd.DataFrame, column: str, pattern: str) -> pd.DataFrame:
    """Rows whose `column` matches `pattern`, keeping the file's row labels for errors."""
    return frame[frame[column].astype("string").str.match(pattern).fillna(False).astype(bool)]


def _unique_codes(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    load.check_unique(frame, column, path)
    return frame[column].astype(str)


def _sums_to_100(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    """Shares of one base (percent) must add up to 100: a shifted column would not."""
    total = sum(load.check_numeric(frame, c, path, low=0, high=100) for c in columns)
    off = (total - 100).abs() > SHARES_TOLERANCE
    load.fail_at(frame, columns[0], off, path, "the shares of this row do not add up to 100")


# --- local authorities ---------------------------------------------------------------------


def pubs_bars(path: Path) -> pd.DataFrame:
    """Pub and bar workplaces (any size) per E&W authority on 2011-2018 boundaries, 2001-2018:
    lad_code, lad_name, pubs_2001 ... pubs_2018 (counts rounded to 5 by ONS)."""
    frame = load.read_excel(
        path, sheet="Pubs size LA", header=2, required=["Area code", "Area name", *PUB_YEARS]
    )
    band = "Number of employees in public house or bar"
    load.require_columns(frame, [band], path)
    frame = _rows(frame, "Area code", r"^[EW]0[6789]\d{6}$")
    frame = frame[frame[band] == ANY_EMPLOYEES]
    out = pd.DataFrame(
        {"lad_code": _unique_codes(frame, "Area code", path), "lad_name": frame["Area name"]}
    )
    for year in PUB_YEARS:
        out[f"pubs_{year}"] = load.check_numeric(frame, year, path, low=0)
    if len(out) < 300:
        raise DataError(f"only {len(out)} E&W authorities with '{ANY_EMPLOYEES}'", file=path)
    return out


def drug_poisoning_deaths(path: Path) -> pd.DataFrame:
    """Drug-poisoning deaths registered per year 1993-2020, per E&W lower-tier authority
    (April 2021 codes): lad_code, deaths_1993 ... deaths_2020."""
    frame = load.read_csv(path, required=["code", "name", *DRUG_YEARS], encoding="cp1252")
    frame = _rows(frame, "code", EW_LA)
    out = pd.DataFrame({"lad_code": _unique_codes(frame, "code", path)})
    for year in DRUG_YEARS:
        out[f"deaths_{year}"] = load.check_numeric(frame, year, path, low=0)
    return out


def furlough_asylum_2020(path: Path) -> pd.DataFrame:
    """Per E&W authority (December 2019 codes): CJRS employments furloughed to 31 July 2020 and
    the take-up rate (missing for the four Buckinghamshire districts), and people in Section 95
    dispersal accommodation at 30 June 2020 (missing = none reported)."""
    cols = ["LAD19CD", "Furlough count", "Furlough rate", "Dispersed Accommodation"]
    frame = _rows(load.read_csv(path, required=cols), "LAD19CD", EW_LA)
    out = pd.DataFrame({"lad19_code": _unique_codes(frame, "LAD19CD", path)})
    count = load.check_numeric(frame, "Furlough count", path, low=0, allow_missing=True)
    rate = load.check_numeric(frame, "Furlough rate", path, low=0, high=1, allow_missing=True)
    load.fail_at(frame, "Furlough rate", count.isna() != rate.isna(), path,
                 "furlough count and rate must both be given or both missing")  # fmt: skip
    load.fail_at(frame, "Furlough rate", rate == 0, path, "zero take-up rate with a count")
    out["furlough_count"] = count
    out["furlough_rate"] = rate
    out["dispersal_2020"] = load.check_numeric(
        frame, "Dispersed Accommodation", path, low=0, allow_missing=True
    )
    return out


def asylum_support(path: Path) -> pd.DataFrame:
    """People receiving asylum support per quarter-end x E&W authority (code as at that date)
    x support type x accommodation type (one label per accommodation type)."""
    cols = ["Date", "Support Type", "Local Authority", "LAD Code", "Accommodation Type", "People"]
    frame = load.read_csv(path, required=cols)
    dates = pd.to_datetime(frame["Date"], format="%Y-%m-%d", errors="coerce")
    load.fail_at(frame, "Date", dates.isna(), path, "not a YYYY-MM-DD date")
    load.fail_at(frame, "Date", ~dates.dt.is_quarter_end, path, "not a quarter end")
    load.fail_at(frame, "Support Type", ~frame["Support Type"].isin(SUPPORT_TYPES), path,
                 "unknown support type")  # fmt: skip
    load.fail_at(frame, "Accommodation Type", ~frame["Accommodation Type"].isin(ACCOMMODATION),
                 path, "unknown accommodation type")  # fmt: skip
    code = frame["LAD Code"].astype("string")
    # People of an unknown authority have no code and are named "Unknown".
    unknown = code.isna() & (frame["Local Authority"] == "Unknown")
    ok = code.str.match(r"^[EWSN]\d{8}$") | code.str.startswith("N/A") | unknown
    load.fail_at(frame, "LAD Code", ~ok, path, "neither an area code nor an 'N/A' placeholder")
    people = load.check_numeric(frame, "People", path, low=0)
    ew = code.str.match(EW_LA).fillna(False).astype(bool)
    out = pd.DataFrame(
        {
            "date": dates.dt.strftime("%Y-%m-%d"),
            "support_type": frame["Support Type"],
            "lad_code": code,
            "accommodation": frame["Accommodation Type"].map(ACCOMMODATION),
            "people": people,
        }
    )[ew]
    # The Section 98 rows of 2022-12-31 carry wrong codes (Barnsley, Bradford and Calderdale
    # all E06000010): Section 98 is emergency support, not used; the others must be unique.
    repeated = out.duplicated(["date", "support_type", "lad_code", "accommodation"])
    repeated &= out["support_type"] != "Section 98"
    load.fail_at(out, "lad_code", repeated, path, "repeated quarter, authority and type")
    return out


def _long_indicator(path: Path, encoding: str, *, bounds: bool = False) -> pd.DataFrame:
    """ONS's explore-local-statistics layout, E&W authority/county/region/nation rows: a value
    is missing exactly where `status` says it is unavailable (x) or unreliable (u). With
    `bounds`, the 95% confidence limits too (lo95, hi95), given exactly where the value is and
    holding it between them."""
    cols = ["areacd", "indicator", "period", "observation", "status"]
    limits = {"lci_95": "lo95", "uci_95": "hi95"} if bounds else {}
    frame = _rows(
        load.read_csv(path, required=[*cols, *limits], encoding=encoding), "areacd", EW_AREA
    )
    value = load.check_numeric(frame, "observation", path, low=0, allow_missing=True)
    flagged = frame["status"].isin(["x", "u"])
    load.fail_at(frame, "status", value.isna() != flagged, path,
                 "value missing without an x/u status, or given with one")  # fmt: skip
    year = frame["period"].astype("string").str.extract(r"^(\d{4})-\d{2}-\d{2}", expand=False)
    load.fail_at(frame, "period", year.isna(), path, "period does not start with a date")
    out = pd.DataFrame(
        {
            "area_code": frame["areacd"].astype(str),
            "indicator": frame["indicator"].astype(str),
            "year": year.astype("int64"),
            "value": value,
        }
    )
    for column, name in limits.items():
        limit = load.check_numeric(frame, column, path, low=0, allow_missing=True)
        load.fail_at(frame, column, limit.isna() != value.isna(), path,
                     "confidence limit missing where the value is given, or the reverse")  # fmt: skip
        outside = (limit > value) if name == "lo95" else (limit < value)
        load.fail_at(frame, column, outside, path, "value outside its confidence interval")
        out[name] = limit
    repeated = out.duplicated(["area_code", "indicator", "year"])
    load.fail_at(out, "area_code", repeated, path, "repeated area, indicator and period")
    return out


def weekly_pay(path: Path) -> pd.DataFrame:
    """ASHE median gross weekly pay (£) by place of residence, per E&W authority (April 2023
    codes), county, region and nation, per year (area_code, year, pay)."""
    frame = _long_indicator(path, "utf-8-sig")
    bad = frame["indicator"] != "Gross median weekly pay"
    load.fail_at(frame, "indicator", bad, path, "unknown indicator")
    load.check_numeric(frame, "value", path, low=50, high=5_000, allow_missing=True)
    return frame.drop(columns="indicator").rename(columns={"value": "pay"})


def wellbeing(path: Path) -> pd.DataFrame:
    """ONS personal well-being means (0-10) per E&W authority (April 2021 codes), region and
    nation, per financial year starting in `year`: one column per measure and its 95%
    confidence limits (`<measure>_lo95`, `<measure>_hi95`), which say how far a survey mean
    of a small authority can be trusted."""
    frame = _long_indicator(path, "utf-8", bounds=True)
    load.fail_at(frame, "indicator", ~frame["indicator"].isin(WELLBEING), path,
                 "unknown well-being measure")  # fmt: skip
    for column in ("value", "lo95", "hi95"):
        load.check_numeric(frame, column, path, high=10, allow_missing=True)
    wide = frame.assign(indicator=frame["indicator"].map(WELLBEING)).pivot(
        index=["area_code", "year"], columns="indicator", values=["value", "lo95", "hi95"]
    )
    names = {"value": "{}", "lo95": "{}_lo95", "hi95": "{}_hi95"}
    wide.columns = [names[kind].format(measure) for kind, measure in wide.columns]
    order = [names[k].format(m) for m in WELLBEING.values() for k in names]
    wide = wide.reindex(columns=order)
    return wide.reset_index().sort_values(["area_code", "year"], ignore_index=True)


# --- constituencies ------------------------------------------------------------------------


def ge2024_results(path: Path) -> pd.DataFrame:
    """GE2024 per E&W constituency (July 2024 boundaries): electorate, valid votes, the votes of
    Reform UK, the Conservatives, Labour, the Liberal Democrats and the Greens (0 where the party
    put up no candidate) and whether the seat was the Speaker's (no main-party candidates); the
    parties' votes must add up to the valid votes."""
    cols = ["ONS ID", "Constituency name", "First party", "Electorate", "Valid votes"]
    cols = [*cols, *GE2024_PARTIES]
    frame = _rows(load.read_csv(path, required=cols), "ONS ID", EW_PCON)
    votes = {p: load.check_numeric(frame, p, path, low=0) for p in GE2024_PARTIES}
    valid = load.check_numeric(frame, "Valid votes", path, low=1)
    electorate = load.check_numeric(frame, "Electorate", path, low=1)
    load.fail_at(frame, "Valid votes", sum(votes.values()) != valid, path,
                 "the parties' votes do not add up to the valid votes")  # fmt: skip
    load.fail_at(frame, "Valid votes", valid > electorate, path, "more valid votes than electors")
    return pd.DataFrame(
        {
            "pcon24_code": _unique_codes(frame, "ONS ID", path),
            "pcon24_name": frame["Constituency name"].astype(str),
            "electorate": electorate,
            "valid_votes": valid,
            "reform_votes": votes["RUK"],
            "con_votes": votes["Con"],
            "lab_votes": votes["Lab"],
            "ld_votes": votes["LD"],
            "green_votes": votes["Green"],
            "speaker_seat": (frame["First party"] == "Spk").to_numpy(),
        }
    )


def ge2024_census21(path: Path) -> pd.DataFrame:
    """Census 2021 per E&W 2024 constituency (Ralph Scott's file, CC BY-SA 4.0): usual
    residents, the share of employed residents working in manufacturing and of residents 16+
    with level 4+ qualifications (percent), and Hanretty's estimate of the constituency's 2016
    Leave share (percent; used only to validate the town estimates, never to fit them)."""
    industries = [f"c21Industry{i}" for i in INDUSTRIES21]
    extra = ["c21QualLevel4", "HanrettyLeave"]
    frame = load.read_csv(path, required=["ONSConstID", "c21Population", *industries, *extra])
    frame = _rows(frame, "ONSConstID", EW_PCON)
    _sums_to_100(frame, industries, path)
    return pd.DataFrame(
        {
            "pcon24_code": _unique_codes(frame, "ONSConstID", path),
            "population21": load.check_numeric(frame, "c21Population", path, low=1),
            "manufacturing_pct": frame["c21IndustryManufacturing"].astype("float64"),
            "level4_pct": load.check_numeric(frame, "c21QualLevel4", path, low=0, high=100),
            "hanretty_leave_pct": load.check_numeric(frame, "HanrettyLeave", path, low=0, high=100),
        }
    )


def bes2015(path: Path) -> pd.DataFrame:
    """GE2010 per E&W constituency (2010 boundaries) from the BES 2015 results file: all votes,
    electorate and BNP votes (missing where the BNP put up no candidate)."""
    cols = ["ons_const_id", "bnp_vote_10", "total_vote_10", "electorate_10"]
    frame = _rows(load.read_rda(path, required=cols), "ons_const_id", EW_PCON)
    total = load.check_numeric(frame, "total_vote_10", path, low=1)
    bnp = load.check_numeric(frame, "bnp_vote_10", path, low=0, allow_missing=True)
    load.fail_at(frame, "bnp_vote_10", bnp > total, path, "more BNP votes than votes")
    return pd.DataFrame(
        {
            "pcon10_code": _unique_codes(frame, "ons_const_id", path),
            "electorate10": load.check_numeric(frame, "electorate_10", path, low=1),
            "total_votes10": total,
            "bnp_votes10": bnp,
        }
    )


def census11_constituencies(path: Path) -> pd.DataFrame:
    """Census 2011 per E&W constituency (2010 boundaries, parlitools): residents and the share
    of employed residents aged 16-74 working in manufacturing (percent)."""
    industries = [f"industry_{i}" for i in INDUSTRIES11]
    frame = load.read_rda(path, required=["ons_const_id", "population", *industries])
    frame = _rows(frame, "ons_const_id", EW_PCON)
    _sums_to_100(frame, industries, path)
    return pd.DataFrame(
        {
            "pcon10_code": _unique_codes(frame, "ons_const_id", path),
            "population11": load.check_numeric(frame, "population", path, low=1),
            "manufacturing_pct": frame["industry_manufacturing"].astype("float64"),
        }
    )


# --- points and boundaries -----------------------------------------------------------------


def lsoa_points(path: Path) -> pd.DataFrame:
    """Centre point of every E&W LSOA 2011 and 2021 code (one row per code): latitude and
    longitude, and easting/northing in British National Grid."""
    from pyproj import Transformer

    frame = load.read_csv(path, required=["LSOACD", "latitude", "longitude"])
    frame = _rows(frame, "LSOACD", EW_LSOA)
    lat = load.check_numeric(frame, "latitude", path, low=49.8, high=55.9)
    lon = load.check_numeric(frame, "longitude", path, low=-6.5, high=1.9)
    to_bng = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)
    east, north = to_bng.transform(lon.to_numpy(), lat.to_numpy())
    return pd.DataFrame(
        {
            "lsoa_code": _unique_codes(frame, "LSOACD", path),
            "latitude": lat,
            "longitude": lon,
            "easting": np.round(east, 1),
            "northing": np.round(north, 1),
        }
    )


def _geometries(path: Path, code: str, name: str, pattern: str) -> pd.DataFrame:
    """E&W features of a boundary file: code, name and valid geometry as WKB in EPSG:27700."""
    import shapely

    frame = load.read_geo(path, required=[code, name])
    frame = _rows(frame, code, pattern)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    load.fail_at(frame, code, empty, path, "feature has no geometry")
    geometry = frame.geometry.to_crs(BNG).make_valid()
    polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    load.fail_at(frame, code, ~polygonal, path, "feature is not a polygon")
    return pd.DataFrame(
        {
            "code": _unique_codes(frame, code, path),
            "name": frame[name].astype(str),
            "geometry_wkb": shapely.to_wkb(
                geometry.to_numpy(), output_dimension=2, flavor="iso"
            ).tolist(),
        },
        index=frame.index,
    )


def pcon24_boundaries(path: Path) -> pd.DataFrame:
    """July 2024 Westminster constituencies of E&W (ultra-generalised, clipped to the coast)."""
    out = _geometries(path, "PCON24CD", "PCON24NM", EW_PCON)
    return out.rename(columns={"code": "pcon24_code", "name": "pcon24_name"})


def lad21_boundaries(path: Path) -> pd.DataFrame:
    """December 2021 E&W local authority districts (ultra-generalised, clipped to the coast)."""
    out = _geometries(path, "LAD21CD", "LAD21NM", EW_LA)
    return out.rename(columns={"code": "lad21_code", "name": "lad21_name"})


def countries_outline(path: Path) -> pd.DataFrame:
    """England, Wales, Scotland (and Northern Ireland) outlines dissolved from LAD 2021 BUC."""
    out = _geometries(path, "Country", "Country", r"^(England|Wales|Scotland|Northern Ireland)$")
    missing = {"England", "Wales", "Scotland"} - set(out["code"])
    if missing:
        raise DataError(f"no outline for {sorted(missing)}", file=path, column="Country")
    return out.drop(columns="name").rename(columns={"code": "country"})


READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "pubs_bars_la": pubs_bars,
    "drug_poisoning_deaths_la21": drug_poisoning_deaths,
    "lockdown_furlough_asylum_la19": furlough_asylum_2020,
    "asylum_support_la": asylum_support,
    "weekly_pay_residents_la": weekly_pay,
    "wellbeing_la": wellbeing,
    "ge2024_results_constituencies": ge2024_results,
    "ge2024_census21_constituency_summaries": ge2024_census21,
    "bes2015_results_pcon10": bes2015,
    "census11_pcon10": census11_constituencies,
    "lsoa_centres_latlong": lsoa_points,
    "pcon24_boundaries": pcon24_boundaries,
    "lad21_boundaries": lad21_boundaries,
    "countries_outline": countries_outline,
}

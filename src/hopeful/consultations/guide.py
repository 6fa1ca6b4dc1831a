"""Everything the practitioners' guide shows for one town, computed once from its evidence."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hopeful.consultations import analysis, coding, coproduction, priorities
from hopeful.consultations.config import Action, ThemesConfig, load_actions, load_themes
from hopeful.consultations.inputs import CoproductionInputs, read_inputs
from hopeful.consultations.schema import (
    Evidence,
    SmallGroupWarning,
    evidence_path,
    read_evidence,
    read_stakeholders,
    stakeholders_path,
)


@dataclass(frozen=True)
class Guide:
    """Everything the practitioners' guide of one pilot town shows, computed once.

    The co-production tables are None where the team has not filled in that step:
    `kappa`/`disagreements` (second coding), `coproduced` (workshop), `member_check`.
    """

    town_code: str
    town_name: str
    evidence: Evidence
    config: ThemesConfig
    actions: tuple[Action, ...]
    counts: pd.DataFrame
    themes: pd.DataFrame
    signals: pd.DataFrame
    triangulation: pd.DataFrame
    priorities: pd.DataFrame
    framework: pd.DataFrame
    inputs: CoproductionInputs
    sampling: pd.DataFrame
    kappa: pd.DataFrame | None
    disagreements: pd.DataFrame | None
    coproduced: pd.DataFrame | None
    member_check: pd.DataFrame | None
    concern_rates: pd.DataFrame


def build_guide(
    town: pd.Series,
    towns: pd.DataFrame,
    evidence: Evidence,
    config: ThemesConfig,
    actions: tuple[Action, ...],
    inputs: CoproductionInputs | None = None,
) -> Guide:
    """The guide of `town`: its evidence triangulated with its data, then prioritised."""
    inputs = inputs or CoproductionInputs(None, None, None, None)
    findings = evidence.findings
    signals = analysis.data_signals(town, towns, config)
    triangulation = analysis.triangulate(findings, signals, config)
    ranked = priorities.rank_priorities(triangulation, config.priority)
    pairs = inputs.second_coding
    return Guide(
        town_code=str(town["town_code"]),
        town_name=str(town["town_name"]),
        evidence=evidence,
        config=config,
        actions=actions,
        counts=analysis.counts_by_sector_kind(findings),
        themes=analysis.theme_ranking(findings, config),
        signals=signals,
        triangulation=triangulation,
        priorities=ranked,
        framework=priorities.framework(findings, ranked, signals, config, actions),
        inputs=inputs,
        sampling=coproduction.sampling_record(inputs.sampling, evidence.participants, findings),
        kappa=None if pairs is None or pairs.empty else coding.kappa_table(pairs, config.ids),
        disagreements=None if pairs is None or pairs.empty else coding.disagreements(pairs),
        coproduced=(
            None
            if inputs.workshop is None
            else coproduction.combine_rankings(ranked, inputs.workshop, config)
        ),
        member_check=(
            None
            if inputs.member_check is None
            else coproduction.member_check_summary(inputs.member_check, config)
        ),
        concern_rates=analysis.concern_rates(towns, config),
    )


def load_guide(
    town: pd.Series,
    towns: pd.DataFrame,
    evidence_dir: str | Path,
    *,
    config: ThemesConfig | None = None,
    actions: tuple[Action, ...] | None = None,
    stakeholders: str | Path | None = None,
) -> Guide | None:
    """The town's guide from <evidence_dir>/<town_code>.xlsx or .csv, or None without either.

    The stakeholder names default to <evidence_dir>/<town_code>.stakeholders.txt if present.
    The optional co-production tables are read from beside the evidence (inputs.py).
    """
    code = str(town["town_code"])
    path = evidence_path(evidence_dir, code)
    if not path.is_file():
        return None
    config = config or load_themes()
    actions = actions if actions is not None else load_actions(config)
    if stakeholders is not None:
        names = read_stakeholders(stakeholders, required=True)
    else:
        names = read_stakeholders(stakeholders_path(evidence_dir, code))
    with warnings.catch_warnings():  # the guide shows small groups itself, in place
        warnings.simplefilter("ignore", SmallGroupWarning)
        evidence = read_evidence(path, code, config.ids, stakeholders=names)
    inputs = read_inputs(evidence, config.ids, names)
    return build_guide(town, towns, evidence, config, actions, inputs)

"""The keypoint-MoSeq training set (stratified by age bin and sex) and the inference batches."""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)


def age_bins(ages: pd.Series, n_bins: int, edges: list[float] | None) -> pd.Series:
    """Label each age with its bin, e.g. ``"8-40 wk"``: explicit ``edges`` or ``n_bins`` quantile bins."""
    if edges:
        edges = sorted(float(e) for e in edges)
    else:
        edges = pd.qcut(ages, q=min(n_bins, ages.nunique()), retbins=True, duplicates="drop")[1].tolist()
    if len(edges) < 2:  # a single age
        return pd.Series(f"{ages.iloc[0]:.4g} wk", index=ages.index)
    labels = [f"{lo:.4g}-{hi:.4g} wk" for lo, hi in itertools.pairwise(edges)]
    bins = pd.cut(ages, bins=edges, labels=labels, include_lowest=True)
    if bins.isna().any():
        outside = sorted(ages[bins.isna()].unique().tolist())
        raise ValueError(
            f"preprocessing.training_set.age_bin_edges {edges} do not cover ages {outside[:5]}; widen them"
        )
    return bins.astype(str)


def _allocate(sizes: pd.Series, n: int, rng: np.random.Generator) -> pd.Series:
    """Proportional allocation of ``n`` draws over strata (largest remainder, ties broken at random)."""
    quota = sizes / sizes.sum() * n
    counts = np.floor(quota).astype(int)
    remainder = (quota - counts).to_numpy() + rng.uniform(0, 1e-6, len(quota))
    for i in np.argsort(-remainder)[: n - counts.sum()]:
        counts.iloc[i] += 1
    return counts.clip(upper=sizes)


def sample_training_videos(
    meta: pd.DataFrame, left_out: dict[str, str], n: int, n_bins: int, edges: list[float] | None, seed: int
) -> pd.DataFrame:
    """Draw up to ``n`` videos, proportionally from every (age bin, sex) stratum.

    Parameters
    ----------
    meta
        Validated metadata: ``name``, ``mouse_id``, ``age``, optional ``sex``.
    left_out
        ``{name: reason}`` of videos left out (QC-flagged, too short); logged with the reasons.
    n, n_bins, edges, seed
        Sample size (capped at what exists), quantile age bins or explicit edges, random seed.

    Returns
    -------
    pd.DataFrame
        ``name, mouse_id, age, sex, age_bin, reason``, sorted by age, sex and name.
    """
    table = meta[["name", "mouse_id", "age"]].copy()
    table["sex"] = meta["sex"].fillna("unknown").astype(str) if "sex" in meta else "unknown"
    if left_out:
        logger.warning(
            "Training set leaves out %d video(s): %s",
            len(left_out),
            "; ".join(f"{name!r} ({reason})" for name, reason in sorted(left_out.items())),
        )
    table = table[~table["name"].isin(left_out)]
    if table.empty:
        raise ValueError(
            f"qc_report: every one of the {len(meta)} videos is left out of the training set "
            f"(e.g. {next(iter(left_out.values()))}); lower preprocessing.qc.min_frames, raise "
            "preprocessing.qc.max_missing_share or set preprocessing.training_set.exclude_flagged: false"
        )
    table["age_bin"] = age_bins(table["age"], n_bins, edges)
    rng = np.random.default_rng(seed)
    if n >= len(table):
        table["reason"] = f"all {len(table)} eligible videos taken (n = {n} ≥ {len(table)})"
        chosen = table
    else:
        strata = table.groupby(["age_bin", "sex"], sort=True)
        counts = _allocate(strata.size(), n, rng)
        picks = []
        for key, group in strata:
            k = int(counts.loc[key])
            if k == 0:
                continue
            drawn = group.iloc[np.sort(rng.choice(len(group), size=k, replace=False))].copy()
            drawn["reason"] = (
                f"stratum age {key[0]} × sex {key[1]}: {k} of {len(group)} videos drawn at random "
                f"(proportional allocation of n = {n}, seed {seed})"
            )
            picks.append(drawn)
        chosen = pd.concat(picks)
    logger.info("Training set: %d of %d eligible videos", len(chosen), len(table))
    columns = ["name", "mouse_id", "age", "sex", "age_bin", "reason"]
    return chosen[columns].sort_values(["age", "sex", "name"]).reset_index(drop=True)

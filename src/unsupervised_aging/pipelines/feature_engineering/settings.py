"""The feature_engineering parameters as frozen settings: one source of truth, the YAML.

``conf/base/parameters_feature_engineering.yml`` holds every default; :func:`settings_from_params`
reads it without a fallback, so a missing key is a one-line error naming it instead of a second
default hidden in code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from unsupervised_aging.parameter_keys import exact_keys


@dataclass(frozen=True)
class StateSettings:
    """The sticky HMM over syllable windows (see ``behavioural_states``).

    Attributes
    ----------
    n_states
        Hidden states ``K``.
    window_s
        A state emits the syllable counts of windows this long (seconds).
    stickiness, concentration
        Self-transition pseudo-counts; Dirichlet concentration of every distribution.
    chunk_s
        Window sequences are processed in chunks this long (seconds).
    max_chunks_per_video
        Chunks sampled per training video for the fit.
    max_iter, tol, seed
        EM stopping rule and the seed of the initial emissions and of the chunk sample.
    """

    n_states: int
    window_s: float
    stickiness: float
    concentration: float
    chunk_s: float
    max_chunks_per_video: int
    max_iter: int
    tol: float
    seed: int


@dataclass(frozen=True)
class MISettings:
    """Lagged mutual information and its Markov surrogate (see ``mutual_information``).

    Attributes
    ----------
    min_lag_s, max_lag_s, n_lags
        Geometric grid of lags in seconds.
    max_lag_fraction
        Lags longer than this share of a recording are not estimated (NaN).
    n_surrogates
        Markov-chain samples averaged into the surrogate curve.
    seed
        Seed of the surrogates (combined with the video name).
    """

    min_lag_s: float
    max_lag_s: float
    n_lags: int
    max_lag_fraction: float
    n_surrogates: int
    seed: int


@dataclass(frozen=True)
class FeatureSettings:
    """Everything the feature_engineering nodes read from ``params:feature_engineering``.

    Attributes
    ----------
    min_frequency, min_bigram_frequency
        Inclusion thresholds of syllables and bigrams (share of training bouts / transitions).
    transition_normalize
        ``"bigram"`` or ``"rows"`` for the ``trans_*`` columns.
    target_columns, covariate_columns
        Metadata columns copied into the features table when present.
    supervised_prefix
        Prefix of the columns taken from the ``supervised_features`` table.
    states, mutual_information
        See :class:`StateSettings` and :class:`MISettings`.
    """

    min_frequency: float
    min_bigram_frequency: float
    transition_normalize: str
    target_columns: tuple[str, ...]
    covariate_columns: tuple[str, ...]
    supervised_prefix: str
    states: StateSettings
    mutual_information: MISettings


def _require(params: dict[str, Any], cls: type, where: str) -> None:
    exact_keys(params, [f.name for f in fields(cls)], where, "conf/base/parameters_feature_engineering.yml")


def _build(cls: type, params: dict[str, Any], where: str) -> Any:
    _require(params, cls, where)
    return cls(**{f.name: params[f.name] for f in fields(cls)})


def settings_from_params(params: dict[str, Any]) -> FeatureSettings:
    """Frozen settings from ``params:feature_engineering``; a missing key is a one-line error.

    Parameters
    ----------
    params
        The ``feature_engineering`` block of the parameters.

    Returns
    -------
    FeatureSettings
        With ``states`` and ``mutual_information`` built from their sub-blocks.
    """
    _require(params, FeatureSettings, "feature_engineering")
    if params["transition_normalize"] not in ("bigram", "rows"):
        raise ValueError(
            f"parameters: feature_engineering.transition_normalize is {params['transition_normalize']!r}; "
            "use 'bigram' or 'rows'"
        )
    return _build(
        FeatureSettings,
        {
            **params,
            "target_columns": tuple(params["target_columns"]),
            "covariate_columns": tuple(params["covariate_columns"]),
            "states": _build(StateSettings, params["states"], "feature_engineering.states"),
            "mutual_information": _build(
                MISettings, params["mutual_information"], "feature_engineering.mutual_information"
            ),
        },
        "feature_engineering",
    )

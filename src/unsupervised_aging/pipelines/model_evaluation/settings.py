"""The one frozen settings object of model_evaluation, read strictly from ``params:model_evaluation``.

Every default lives in ``conf/base/parameters_model_evaluation.yml``; this module only checks and
types it. A key missing from the YAML raises a one-line ``ValueError`` naming it (no second default in
code), and so does an unknown key (a typo would otherwise be ignored).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from unsupervised_aging.parameter_keys import exact_keys

WHERE = "conf/base/parameters_model_evaluation.yml"
SELECTION_METRICS = ("mae", "rmse", "r2")


def _take(block: dict[str, Any], keys: tuple[str, ...], path: str) -> dict[str, Any]:
    """Exactly ``keys`` of ``block`` (:func:`~unsupervised_aging.parameter_keys.exact_keys`)."""
    return dict(exact_keys(block, keys, path, WHERE))


@dataclass(frozen=True)
class FeatureSet:
    """Columns of one feature set: glob ``patterns`` on column names and/or catalogue ``families``."""

    name: str
    patterns: tuple[str, ...]
    families: tuple[str, ...]


@dataclass(frozen=True)
class PermutationSettings:
    """Permutation test of the headline procedure (labels move between mice, see ``permutation``)."""

    n_permutations: int
    chunk_size: int
    cv_repeats: int
    seed: int

    @property
    def n_chunks(self) -> int:
        """Independent permutation nodes (``ceil(n_permutations / chunk_size)``)."""
        return math.ceil(self.n_permutations / self.chunk_size) if self.n_permutations else 0

    def chunk(self, index: int) -> range:
        """Permutation indices of chunk ``index``."""
        start = index * self.chunk_size
        return range(start, min(start + self.chunk_size, self.n_permutations))


@dataclass(frozen=True)
class Settings:
    """Everything model_evaluation reads from its parameters (see the YAML for each key's meaning)."""

    targets: tuple[str, ...]
    covariate: str
    group: str
    id_column: str
    exclude_columns: tuple[str, ...]
    outer_folds: int
    inner_folds: int
    seeds: tuple[int, ...]
    selection_metric: str
    n_jobs: int
    preprocessing: dict[str, Any]
    alpha: float
    bootstrap_resamples: int
    bootstrap_seed: int
    confidence_level: float
    permutation: PermutationSettings
    importance: dict[str, Any]
    feature_sets: tuple[FeatureSet, ...]
    feature_set_models: tuple[str, ...]
    use_feature_catalogue: bool
    models: dict[str, dict[str, Any]]
    age_baselines: dict[str, dict[str, Any]]

    @property
    def suite(self) -> dict[str, dict[str, Any]]:
        """Models the headline procedure chooses from (baselines excluded)."""
        return {name: spec for name, spec in self.models.items() if not spec.get("baseline")}

    @property
    def baselines(self) -> dict[str, dict[str, Any]]:
        """Models marked ``baseline: true`` (the dummy mean): evaluated, never chosen."""
        return {name: spec for name, spec in self.models.items() if spec.get("baseline")}

    def feature_set_suite(self) -> dict[str, dict[str, Any]]:
        """The models the feature-set comparison chooses from."""
        return {name: self.models[name] for name in self.feature_set_models}


_TOP = (
    "targets", "covariate", "group", "id_column", "exclude_columns", "outer_folds", "inner_folds",
    "seeds", "selection_metric", "n_jobs", "preprocessing", "conformal", "bootstrap", "permutation",
    "importance", "feature_sets", "age_baselines", "models",
)  # fmt: skip
_MODEL_KEYS = ("class", "params", "grid", "scale_target", "preprocessing", "baseline")


def _models(block: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    if not isinstance(block, dict) or not block:
        raise ValueError(f"{path} must name at least one model (see {WHERE})")
    for name, spec in block.items():
        if not str(name).replace("_", "").isalnum():
            raise ValueError(f"{path}: model name {name!r} must use letters, digits and underscores only")
        if "class" not in (spec or {}):
            raise KeyError(f"{path}.{name}.class is missing; give a full import path of a regressor")
        unknown = [key for key in spec if key not in _MODEL_KEYS]
        if unknown:
            raise KeyError(
                f"{path}.{name}.{unknown[0]} is not a model setting (known: {', '.join(_MODEL_KEYS)})"
            )
    return {str(name): dict(spec) for name, spec in block.items()}


def load_settings(params: dict[str, Any]) -> Settings:
    """Check and type ``params:model_evaluation``.

    Raises
    ------
    ValueError
        A key missing from (or unknown to) the YAML, named with its full path; a value out of
        range (no targets, ``alpha`` outside (0, 1), an unknown selection metric, a
        feature-set model that is not in the suite, ...).
    """
    p = _take(params, _TOP, "model_evaluation")
    conformal = _take(p["conformal"], ("alpha",), "model_evaluation.conformal")
    boot = _take(p["bootstrap"], ("n_resamples", "seed", "level"), "model_evaluation.bootstrap")
    perm = _take(
        p["permutation"],
        ("n_permutations", "chunk_size", "cv_repeats", "seed"),
        "model_evaluation.permutation",
    )
    importance = _take(
        p["importance"], ("scoring", "n_repeats", "cv_repeats", "top"), "model_evaluation.importance"
    )
    sets = _take(p["feature_sets"], ("models", "use_catalogue", "sets"), "model_evaluation.feature_sets")
    _take(
        p["preprocessing"],
        ("imputer", "variance_threshold", "scaler", "select_k_best"),
        "model_evaluation.preprocessing",
    )
    models = _models(p["models"], "model_evaluation.models")
    age_baselines = _models(p["age_baselines"], "model_evaluation.age_baselines")
    feature_sets = []
    for name, spec in (sets["sets"] or {}).items():
        spec = _take(spec, ("patterns", "families"), f"model_evaluation.feature_sets.sets.{name}")
        if not spec["patterns"] and not spec["families"]:
            raise ValueError(f"model_evaluation.feature_sets.sets.{name}: give patterns or families")
        feature_sets.append(
            FeatureSet(str(name), tuple(spec["patterns"] or ()), tuple(spec["families"] or ()))
        )
    settings = Settings(
        targets=tuple(str(t) for t in p["targets"]),
        covariate=str(p["covariate"]),
        group=str(p["group"]),
        id_column=str(p["id_column"]),
        exclude_columns=tuple(p["exclude_columns"] or ()),
        outer_folds=int(p["outer_folds"]),
        inner_folds=int(p["inner_folds"]),
        seeds=tuple(int(s) for s in p["seeds"]),
        selection_metric=str(p["selection_metric"]),
        n_jobs=int(p["n_jobs"]),
        preprocessing=dict(p["preprocessing"]),
        alpha=float(conformal["alpha"]),
        bootstrap_resamples=int(boot["n_resamples"]),
        bootstrap_seed=int(boot["seed"]),
        confidence_level=float(boot["level"]),
        permutation=PermutationSettings(
            int(perm["n_permutations"]), int(perm["chunk_size"]), int(perm["cv_repeats"]), int(perm["seed"])
        ),
        importance=dict(importance),
        feature_sets=tuple(feature_sets),
        feature_set_models=tuple(sets["models"] or ()),
        use_feature_catalogue=bool(sets["use_catalogue"]),
        models=models,
        age_baselines=age_baselines,
    )
    _check(settings)
    return settings


def _check(s: Settings) -> None:
    if not s.targets:
        raise ValueError("model_evaluation.targets is empty; name at least one target column (e.g. [age])")
    if not s.seeds:
        raise ValueError("model_evaluation.seeds is empty; give at least one seed (one CV repeat per seed)")
    if s.selection_metric not in SELECTION_METRICS:
        raise ValueError(
            f"model_evaluation.selection_metric: use one of {SELECTION_METRICS}, not {s.selection_metric!r}"
        )
    if not 0 < s.alpha < 1:
        raise ValueError(f"model_evaluation.conformal.alpha must be in (0, 1), not {s.alpha}")
    if not s.suite:
        raise ValueError(
            "model_evaluation.models has only baselines; the headline needs models to choose from"
        )
    missing = [m for m in s.feature_set_models if m not in s.models]
    if missing:
        raise ValueError(f"model_evaluation.feature_sets.models names '{missing[0]}', which is not in models")
    if s.permutation.chunk_size < 1 or s.permutation.n_permutations < 0:
        raise ValueError("model_evaluation.permutation: chunk_size must be >= 1 and n_permutations >= 0")
    if not 1 <= s.permutation.cv_repeats <= len(s.seeds):
        raise ValueError(
            "model_evaluation.permutation.cv_repeats must be between 1 and the number of seeds "
            f"({len(s.seeds)})"
        )

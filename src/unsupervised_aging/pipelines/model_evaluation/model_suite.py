"""Build sklearn Pipelines (imputation, scaling, selection, regressor) from the YAML model suite.

A model is a YAML entry::

    elastic_net:
      class: sklearn.linear_model.ElasticNet   # any sklearn-compatible regressor
      params: {max_iter: 5000}                 # fixed constructor arguments
      grid: {alpha: [0.01, 0.1, 1.0]}          # searched in the inner folds
      scale_target: true                       # optional: standardise y inside the fold too
      preprocessing: {scaler: null}            # optional: overrides the suite's preprocessing

Grid keys name the regressor's arguments; keys with ``__`` (``select__k``) address a pipeline
step directly.
"""

from __future__ import annotations

from typing import Any

from kedro.utils import load_obj
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_regression
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import RobustScaler, SplineTransformer, StandardScaler

_SCALERS = {"standard": StandardScaler, "robust": RobustScaler}
_THREAD_ARGUMENTS = ("thread_count", "n_jobs")


def _regressor(spec: dict[str, Any], threads: int) -> Any:
    try:
        cls = load_obj(spec["class"])
    except (KeyError, AttributeError, ImportError, ValueError) as err:
        raise ValueError(
            f"model_evaluation.models: cannot load regressor class {spec.get('class')!r} ({err}); "
            f"give a full import path such as sklearn.linear_model.ElasticNet"
        ) from err
    params = dict(spec.get("params") or {})
    estimator = cls(**params)
    available = estimator.get_params()
    for argument in _THREAD_ARGUMENTS:
        if argument in available and argument not in params:
            estimator.set_params(**{argument: threads})
    return estimator


def build_model(
    spec: dict[str, Any], preprocessing: dict[str, Any], threads: int = 1
) -> tuple[Pipeline, dict[str, list[Any]]]:
    """Build an unfitted pipeline and its hyperparameter grid.

    Every step is fitted inside whatever training fold the pipeline is fitted on, so imputation,
    scaling and selection never see test videos.

    Parameters
    ----------
    spec
        One model's YAML entry (``class``, ``params``, ``grid``, optional ``scale_target`` and
        ``preprocessing``).
    preprocessing
        Suite-wide steps: ``imputer`` (SimpleImputer strategy), ``variance_threshold`` (drop
        features at or below it; null to keep all), ``scaler`` (``standard``, ``robust`` or null),
        ``select_k_best`` (k features by univariate F-test; null for all).
    threads
        Threads for regressors that take ``thread_count`` or ``n_jobs`` (CatBoost, random forest)
        unless their ``params`` set it.

    Returns
    -------
    pipeline
        ``Pipeline`` whose last step is ``model``.
    grid
        ``GridSearchCV`` parameter grid with pipeline-level keys (empty: nothing to search).
    """
    steps = {**preprocessing, **(spec.get("preprocessing") or {})}
    pipeline_steps: list[tuple[str, Any]] = [
        ("impute", SimpleImputer(strategy=steps["imputer"], keep_empty_features=True))
    ]
    if steps["variance_threshold"] is not None:
        pipeline_steps.append(("variance", VarianceThreshold(threshold=float(steps["variance_threshold"]))))
    scaler = steps["scaler"]
    if scaler:
        if scaler not in _SCALERS:
            raise ValueError(
                f"model_evaluation.preprocessing.scaler: unknown {scaler!r}; use one of {list(_SCALERS)}"
            )
        pipeline_steps.append(("scale", _SCALERS[scaler]()))
    if steps["select_k_best"]:
        pipeline_steps.append(("select", SelectKBest(f_regression, k=int(steps["select_k_best"]))))

    regressor = _regressor(spec, threads)
    prefix = "model__"
    if spec.get("scale_target"):
        regressor = TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())
        prefix = "model__regressor__"
    pipeline_steps.append(("model", regressor))
    grid = {
        (key if "__" in key else prefix + key): list(values)
        for key, values in (spec.get("grid") or {}).items()
    }
    return Pipeline(pipeline_steps), grid


class SplineRegressor(RegressorMixin, BaseEstimator):
    """A smooth function of one column: cubic B-splines on quantile knots, then ridge.

    The age-only "spline of age" baseline (``age_baselines.age_spline`` in the YAML).

    Parameters
    ----------
    n_knots
        Knots of the spline (placed at quantiles of the training values).
    alpha
        Ridge penalty on the spline coefficients.
    """

    def __init__(self, n_knots: int = 4, alpha: float = 1.0) -> None:
        self.n_knots = n_knots
        self.alpha = alpha

    def fit(self, X, y):
        self.pipeline_ = Pipeline(
            [
                (
                    "spline",
                    SplineTransformer(
                        n_knots=self.n_knots, degree=3, knots="quantile", extrapolation="linear"
                    ),
                ),
                ("ridge", Ridge(alpha=self.alpha)),
            ]
        ).fit(X, y)
        return self

    def predict(self, X):
        return self.pipeline_.predict(X)

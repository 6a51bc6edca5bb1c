"""kpms_training nodes: config, PCA, kappa calibration, AR-HMM + keypoint-SLDS fits, model selection.

Nodes take arrays, DataFrames and dicts; keypoint-moseq needs a project folder on disk only
for checkpoints, which the fitting node gets from the catalog (``kpms_fit_workspace_{seed}``).
keypoint-moseq is imported inside the functions because importing it takes ~17 s.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import tempfile
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from unsupervised_aging.datasets.kpms_checkpoint import KpmsCheckpoint
from unsupervised_aging.pipelines.kpms_training.kpms_data import (
    PoseLoaders,
    format_training_data,
    pose_loaders_by_name,
    training_fps,
    training_names,
    with_indexes,
)

logger = logging.getLogger(__name__)


def build_kpms_config(
    poses: PoseLoaders, metadata: pd.DataFrame, training_set: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Any]:
    """keypoint-moseq config from parameters, the training videos' keypoints and frame rate.

    Parameters
    ----------
    poses
        Lazy pose loaders per video.
    metadata
        Validated metadata with ``name`` and ``fps``.
    training_set
        The videos to train on (``name`` column).
    params
        ``kpms_training`` parameters: ``use_bodyparts``, ``anterior_bodyparts``,
        ``posterior_bodyparts``, ``skeleton``, ``num_states``, ``nlags``, ``config_overrides``.

    Returns
    -------
    dict
        The config as ``kpms.load_config`` reads it (without index arrays); ``latent_dim`` and
        ``kappa`` are set by later nodes.

    Raises
    ------
    ValueError
        If a named bodypart is not in the pose files.
    """
    import keypoint_moseq as kpms

    names = training_names(training_set, poses)
    bodyparts = pose_loaders_by_name(poses)[names[0]]().bodyparts
    expected = params.get("bodyparts")
    if expected and list(expected) != bodyparts:
        raise ValueError(
            f"Pose files have keypoints {bodyparts}, parameters_kpms_training.yml expects {list(expected)}; "
            "fix kpms_training.bodyparts (or set it to null to take the files' keypoints)"
        )
    use_bodyparts = list(params.get("use_bodyparts") or bodyparts)
    for key, parts, allowed in (
        ("use_bodyparts", use_bodyparts, bodyparts),
        ("anterior_bodyparts", params["anterior_bodyparts"], use_bodyparts),
        ("posterior_bodyparts", params["posterior_bodyparts"], use_bodyparts),
    ):
        unknown = [b for b in parts if b not in allowed]
        if unknown:
            raise ValueError(
                f"kpms_training.{key} names {unknown}, not among the keypoints {allowed}; "
                "fix parameters_kpms_training.yml"
            )
    skeleton = [list(e) for e in params.get("skeleton") or [] if all(b in bodyparts for b in e)]
    options = {
        **(params.get("config_overrides") or {}),
        "bodyparts": bodyparts,
        "use_bodyparts": use_bodyparts,
        "anterior_bodyparts": list(params["anterior_bodyparts"]),
        "posterior_bodyparts": list(params["posterior_bodyparts"]),
        "skeleton": skeleton,
        "fps": training_fps(metadata, names),
        "num_states": int(params.get("num_states", 100)),
        "nlags": int(params.get("nlags", 3)),
    }
    with tempfile.TemporaryDirectory() as project_dir:
        kpms.generate_config(project_dir, **options)
        return kpms.load_config(project_dir, check_if_valid=False, build_indexes=False)


def fit_pca(
    poses: PoseLoaders, training_set: pd.DataFrame, config: dict[str, Any], params: dict[str, Any]
) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    """PCA of the aligned training poses; latent dimension from parameters or a variance target.

    Parameters
    ----------
    params
        ``latent_dim`` (int or null) and ``pca_variance_target`` (e.g. 0.9: the fewest
        components explaining at least 90 % of the variance), ``min_frames_per_feature``.

    Returns
    -------
    pca
        scikit-learn PCA fit on the training set only.
    config
        ``config`` with ``ar_hypparams.latent_dim`` set.
    variance
        ``n_components``, ``explained_variance_ratio``, ``cumulative``, ``selected``.

    Raises
    ------
    ValueError
        If there are too few frames for the number of PCA features or the latent dimension.
    """
    import keypoint_moseq as kpms

    data, _, _ = format_training_data(poses, training_set, config, params.get("max_frames_per_video"))
    n_features = (len(config["use_bodyparts"]) - 1) * int(np.shape(data["Y"])[-1])
    n_frames = int(np.asarray(data["mask"]).sum())
    latent_dim = params.get("latent_dim")
    min_frames = int(params.get("min_frames_per_feature", 10)) * n_features
    if latent_dim is not None and not 1 <= int(latent_dim) <= n_features:
        raise ValueError(
            f"kpms_training.latent_dim={latent_dim} must be between 1 and {n_features} "
            f"(2 x ({len(config['use_bodyparts'])} use_bodyparts - 1)); fix parameters_kpms_training.yml"
        )
    if n_frames < min_frames:
        raise ValueError(
            f"Training set has {n_frames} frames, too few to fit a {n_features}-feature PCA and latent "
            f"dimension {latent_dim or 'from variance'} (need >= {min_frames}); add videos to training_set"
        )
    pca = kpms.fit_pca(**data, **with_indexes(config))
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    if latent_dim is None:
        target = float(params.get("pca_variance_target", 0.9))
        latent_dim = int(min(np.searchsorted(cumulative, target) + 1, len(cumulative)))
        logger.info(
            "latent_dim=%d: the fewest PCs explaining >= %.0f%% of variance", latent_dim, 100 * target
        )
    latent_dim = int(latent_dim)
    config = {**config, "ar_hypparams": {**config["ar_hypparams"], "latent_dim": latent_dim}}
    variance = pd.DataFrame(
        {
            "n_components": np.arange(1, len(cumulative) + 1),
            "explained_variance_ratio": pca.explained_variance_ratio_,
            "cumulative": cumulative,
            "selected": np.arange(1, len(cumulative) + 1) == latent_dim,
        }
    )
    return pca, config, variance


def _median_duration_ms(model: dict[str, Any], data: dict[str, Any], fps: float) -> float:
    """Median syllable duration of a model's state sequence ``z``, in milliseconds."""
    import keypoint_moseq as kpms

    durations = kpms.get_durations(np.asarray(model["states"]["z"]), np.asarray(data["mask"]))
    return float(np.median(durations) * 1000.0 / fps)


def _ar_scan_fit(
    data: dict, metadata: tuple, config: dict, pca: Any, kappa: float, iters: int, seed: int
) -> dict:
    """A short AR-HMM fit at one kappa, kept in memory (no checkpoint)."""
    import jax.random as jr
    import keypoint_moseq as kpms

    model = kpms.init_model(data, pca=pca, seed=jr.PRNGKey(seed), **with_indexes(config))
    model = kpms.update_hypparams(model, kappa=float(kappa))
    model, _ = kpms.fit_model(
        model,
        data,
        metadata,
        num_iters=iters,
        ar_only=True,
        save_every_n_iters=None,
        generate_progress_plots=False,
        parallel_message_passing=False,
    )
    return model


def calibrate_kappa(
    poses: PoseLoaders, training_set: pd.DataFrame, config: dict[str, Any], pca: Any, params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Pick the AR-HMM kappa whose median syllable duration is closest to the target.

    Short AR-only fits at the ``kappa_scan.values`` (log-spaced), then ``kappa_scan.refine_steps``
    bisections in log-kappa between the two values that bracket the target. The full model uses
    ``kappa / full_kappa_ratio`` (keypoint-MoSeq lowers kappa for the full model, which
    otherwise makes syllables longer; the original study used 1e6 then 1e5). A fixed
    ``kappa`` in parameters skips the scan.

    Returns
    -------
    scan
        One row per fit: ``kappa``, ``median_duration_ms``, ``target_ms``, ``log_ratio``
        (log of duration over target), ``selected`` (one True row), ``source``.
    config
        ``config`` with ``trans_hypparams.kappa`` set to the full model's kappa.
    """
    target = float(params.get("target_duration_ms", 400.0))
    ratio = float(params.get("full_kappa_ratio", 10.0))
    fixed = params.get("kappa")
    if fixed is not None:
        rows = [{"kappa": float(fixed), "median_duration_ms": np.nan, "source": "parameters"}]
    else:
        scan = params.get("kappa_scan") or {}
        values = [float(v) for v in scan.get("values", [1e4, 1e6, 1e8])]
        iters = int(scan.get("num_iters", 10))
        seed = int(scan.get("seed", 0))
        if not values:
            raise ValueError("kpms_training.kappa_scan.values is empty; give kappas to try or a fixed kappa")
        data, metadata, _ = format_training_data(
            poses, training_set, config, params.get("max_frames_per_video")
        )
        fps = float(config["fps"])
        rows = []

        def run(kappa: float, source: str) -> None:
            model = _ar_scan_fit(data, metadata, config, pca, kappa, iters, seed)
            rows.append(
                {
                    "kappa": kappa,
                    "median_duration_ms": _median_duration_ms(model, data, fps),
                    "source": source,
                }
            )
            logger.info("kappa %.3g: median syllable duration %.0f ms", kappa, rows[-1]["median_duration_ms"])

        for kappa in tqdm(values, desc="kappa scan", unit="kappa"):
            run(kappa, "scan")
        for _ in tqdm(range(int(scan.get("refine_steps", 0))), desc="kappa bisection", unit="step"):
            done = sorted(rows, key=lambda r: r["kappa"])
            brackets = [
                (a["kappa"], b["kappa"])
                for a, b in itertools.pairwise(done)
                if (a["median_duration_ms"] - target) * (b["median_duration_ms"] - target) < 0
            ]
            if not brackets:
                logger.warning("No scanned kappa pair brackets %.0f ms; widen kappa_scan.values", target)
                break
            run(float(np.sqrt(brackets[0][0] * brackets[0][1])), "bisection")
    table = pd.DataFrame(rows)
    table["target_ms"] = target
    table["log_ratio"] = np.log(table["median_duration_ms"] / target)
    best = int(table["log_ratio"].abs().fillna(0).to_numpy().argmin())
    table["selected"] = np.arange(len(table)) == best
    ar_kappa = float(table.loc[best, "kappa"])
    logger.info("AR-HMM kappa %.3g, full-model kappa %.3g", ar_kappa, ar_kappa / ratio)
    config = {**config, "trans_hypparams": {**config["trans_hypparams"], "kappa": ar_kappa / ratio}}
    return table, config


def _fingerprint(config: dict, names: list[str], settings: list[Any]) -> str:
    """Hash of the settings that make an existing partial fit resumable."""
    payload = json.dumps([config, names, settings], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _fit_history(checkpoint: KpmsCheckpoint, data: dict, fps: float, ar_iters: int) -> pd.DataFrame:
    """Log-likelihood and median syllable duration at each saved snapshot of a fit."""
    import jax
    from jax_moseq.models.keypoint_slds import model_likelihood

    rows = []
    for iteration in checkpoint.iterations():
        model = checkpoint.model(iteration)
        terms = model_likelihood(
            data, model["states"], model["params"], model["hypparams"], model["noise_prior"]
        )
        rows.append(
            {
                "iteration": iteration,
                "phase": "ar" if iteration <= ar_iters else "full",
                "log_likelihood": float(sum(float(v) for v in jax.device_get(terms).values())),
                "median_duration_ms": _median_duration_ms(model, data, fps),
            }
        )
    return pd.DataFrame(rows)


def fit_kpms_model(
    poses: PoseLoaders,
    training_set: pd.DataFrame,
    config: dict[str, Any],
    pca: Any,
    kappa_scan: pd.DataFrame,
    workspace: KpmsCheckpoint,
    params: dict[str, Any],
    seed: int,
) -> tuple[KpmsCheckpoint, pd.DataFrame]:
    """AR-HMM warm-up, then the full keypoint-SLDS, for one seed; resumes an interrupted fit.

    keypoint-moseq saves snapshots to ``workspace`` every ``save_every_n_iters`` iterations.
    If ``workspace`` already holds snapshots of a fit with the same config, training videos,
    seed, AR iterations, AR kappa and ``max_frames_per_video``, fitting continues from its last
    snapshot (raising ``full_iters`` extends a finished fit); otherwise it starts afresh. Syllables are then
    reindexed by frequency (0 = most frequent) as keypoint-moseq recommends.

    Parameters
    ----------
    kappa_scan
        Output of :func:`calibrate_kappa`; the ``selected`` row gives the AR-HMM kappa. The
        full model's kappa is ``config["trans_hypparams"]["kappa"]``.
    workspace
        Where keypoint-moseq writes the checkpoint while fitting (``<project>/<model>/checkpoint.h5``).
    params
        ``ar_iters``, ``full_iters``, ``save_every_n_iters``, ``max_frames_per_video``.
    seed
        Random seed of the model (JAX PRNG key).

    Returns
    -------
    checkpoint
        The finished checkpoint (``workspace``), with snapshots ``0 … ar_iters + full_iters``.
    history
        ``iteration``, ``phase``, ``log_likelihood``, ``median_duration_ms`` per snapshot.
    """
    import h5py
    import jax.random as jr
    import keypoint_moseq as kpms

    ar_iters, full_iters = int(params["ar_iters"]), int(params["full_iters"])
    every = int(params.get("save_every_n_iters", 25))
    ar_kappa = float(kappa_scan.loc[kappa_scan["selected"].astype(bool), "kappa"].iloc[0])
    full_kappa = float(config["trans_hypparams"]["kappa"])
    data, metadata, names = format_training_data(
        poses, training_set, config, params.get("max_frames_per_video")
    )
    config = with_indexes(config)
    settings = [seed, ar_iters, ar_kappa, params.get("max_frames_per_video")]
    fingerprint = _fingerprint({k: v for k, v in config.items() if not k.endswith("_idxs")}, names, settings)
    total = ar_iters + full_iters
    fit_options = {
        "project_dir": str(workspace.project_dir),
        "model_name": workspace.model_name,
        "save_every_n_iters": every,
        "generate_progress_plots": False,
        "parallel_message_passing": False,
    }

    done = workspace.iterations()
    if done and workspace.attrs().get("fingerprint") != fingerprint:
        logger.warning("%s: left by a fit with other settings; starting afresh", workspace.path)
        done = []
    if done:
        start = done[-1]
        model = workspace.model(start)
        logger.info("seed %d: resuming from snapshot %d of %d in %s", seed, start, total, workspace.path)
    else:
        start = 0
        model = kpms.init_model(data, pca=pca, seed=jr.PRNGKey(seed), **config)
        model = kpms.update_hypparams(model, kappa=ar_kappa)
        workspace.path.unlink(missing_ok=True)
        kpms.save_hdf5(
            str(workspace.path), {"model_snapshots": {"0": model}, "metadata": metadata, "data": data}
        )
        with h5py.File(workspace.path, "a") as f:
            f.attrs["fingerprint"] = fingerprint
    if start < ar_iters:
        logger.info("seed %d: AR-HMM iterations %d-%d (kappa %.3g)", seed, start, ar_iters, ar_kappa)
        model, _ = kpms.fit_model(
            model, data, metadata, start_iter=start, num_iters=ar_iters, ar_only=True, **fit_options
        )
        start = ar_iters
    if start < total:
        logger.info("seed %d: full-model iterations %d-%d (kappa %.3g)", seed, start, total, full_kappa)
        model = kpms.update_hypparams(model, kappa=full_kappa)
        kpms.fit_model(model, data, metadata, start_iter=start, num_iters=total, ar_only=False, **fit_options)
    if workspace.iterations()[-1] < total:
        raise RuntimeError(
            f"seed {seed}: fitting stopped at iteration {workspace.iterations()[-1]} of {total} (NaNs, see "
            f"the log); rerun to resume from {workspace.path} or lower kappa / raise jitter"
        )
    kpms.reindex_syllables_in_checkpoint(path=str(workspace.path))
    return workspace, _fit_history(workspace, data, float(config["fps"]), ar_iters)


def compare_models(*checkpoints: KpmsCheckpoint) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score the fitted models by expected marginal likelihood and select the best.

    Each model's score is the mean likelihood of the other models' latent trajectories under
    its AR parameters and transition matrix (``kpms.expected_marginal_likelihoods``); it needs
    at least two models, so a single model is selected unscored.

    Parameters
    ----------
    *checkpoints
        One finished checkpoint per seed.

    Returns
    -------
    comparison
        ``{"method", "selected", "models": [{"model_name", "score", "standard_error"}]}``.
    selected
        ``{"model_name": str, "model": dict}``: the best model's last snapshot.

    Raises
    ------
    ValueError
        If no checkpoints are given (an empty seed list).
    """
    import keypoint_moseq as kpms

    if not checkpoints:
        raise ValueError("No models to compare: kpms_training.seeds is empty; give at least one seed")
    names = [c.model_name for c in checkpoints]
    if len(checkpoints) > 1:
        scores, errors = kpms.expected_marginal_likelihoods(
            checkpoint_paths=[str(c.path) for c in checkpoints]
        )
        best = int(np.nanargmax(scores))
    else:
        logger.warning("Only one model (%s): expected marginal likelihood needs two; selecting it", names[0])
        scores, errors, best = np.array([np.nan]), np.array([np.nan]), 0
    comparison = {
        "method": "expected_marginal_likelihood",
        "selected": names[best],
        "models": [
            {
                "model_name": n,
                "score": None if np.isnan(s) else float(s),
                "standard_error": None if np.isnan(e) else float(e),
            }
            for n, s, e in zip(names, scores, errors, strict=True)
        ],
    }
    logger.info("Selected %s by expected marginal likelihood", names[best])
    return comparison, {"model_name": names[best], "model": checkpoints[best].model()}

"""Stream the recordings of ``kpms_results`` through :func:`recording.recording_features`.

One recording is in memory per worker at a time; with ``n_jobs > 1`` joblib processes read and
process recordings in parallel (each worker opens the results file itself), and the rows come back
in the order of ``names`` whatever the number of workers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.feature_engineering.inputs import Results, read_recording
from unsupervised_aging.pipelines.feature_engineering.recording import FIELDS, FeaturePlan, recording_features


def _one(
    results: Results, name: str, fps: float, length_per_pixel: float, plan: FeaturePlan
) -> tuple[dict[str, Any], pd.DataFrame]:
    return recording_features(name, read_recording(results, name, FIELDS), fps, length_per_pixel, plan)


def extract_all(
    results: Results,
    names: list[str],
    fps_of: dict[str, float],
    scale_of: dict[str, float],
    plan: FeaturePlan,
    n_jobs: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and MI curves of ``names``, one recording per worker at a time.

    Parameters
    ----------
    results
        ``{name: {"syllable", "latent_state", "centroid", "heading"}}``, read lazily.
    names
        Videos to process, in output order.
    fps_of, scale_of
        Frame rate and cm per pixel (1 in pixels) of each video.
    plan
        What every recording gets (:func:`recording.make_plan`).
    n_jobs
        joblib worker processes; 1 runs in this process.

    Returns
    -------
    features, mi_curves
        One row per video (``name`` then features) and the long-format MI curves.

    Raises
    ------
    ValueError
        When recordings get different columns (e.g. latent states of different dimensions: results
        of two models mixed in one file).
    """
    jobs = (delayed(_one)(results, name, fps_of[name], scale_of[name], plan) for name in names)
    if n_jobs == 1:
        outputs = (job[0](*job[1], **job[2]) for job in jobs)
    else:
        outputs = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    rows, curves = [], []
    for row, curve in tqdm(outputs, total=len(names), desc="Extracting features", unit="video"):
        if rows and row.keys() != rows[0].keys():
            extra = sorted(set(row) ^ set(rows[0]))
            raise ValueError(
                f"kpms_results: recording {row['name']!r} has other feature columns than "
                f"{rows[0]['name']!r} ({extra[:5]}); are results of several models in one file? "
                "rerun kpms_inference with one model"
            )
        rows.append(row)
        curves.append(curve)
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True)

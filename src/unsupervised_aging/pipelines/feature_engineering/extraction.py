"""Stream the recordings of ``kpms_results`` through :func:`recording.recording_features`.

One recording is in memory at a time. One process is enough: a one-hour recording (108,000 frames)
takes about 0.2 CPU s (``benchmarks/feature_extraction_speed.py --per-video``), far below reading
and writing the files around it.
"""

from __future__ import annotations

import pandas as pd
from tqdm.auto import tqdm

from unsupervised_aging.pipelines.feature_engineering.inputs import Results, read_recording
from unsupervised_aging.pipelines.feature_engineering.recording import FIELDS, FeaturePlan, recording_features


def extract_all(
    results: Results,
    names: list[str],
    fps_of: dict[str, float],
    scale_of: dict[str, float],
    plan: FeaturePlan,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and MI curves of ``names``, one recording at a time.

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
    rows, curves = [], []
    for name in tqdm(names, desc="Extracting features", unit="video"):
        record = read_recording(results, name, FIELDS)
        row, curve = recording_features(name, record, fps_of[name], scale_of[name], plan)
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

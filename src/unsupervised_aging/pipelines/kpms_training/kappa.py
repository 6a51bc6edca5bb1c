"""Kappa calibration: short AR-HMM fits until the median syllable lasts about the target duration."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from unsupervised_aging.kpms.watchdog import Watchdog
from unsupervised_aging.pipelines.kpms_training import workers
from unsupervised_aging.pipelines.kpms_training.settings import TrainingSettings

logger = logging.getLogger(__name__)


def median_duration_ms(model: dict[str, Any], data: dict[str, Any], fps: float) -> float:
    """Median syllable duration of a model's state sequence ``z``, in milliseconds."""
    import keypoint_moseq as kpms

    durations = kpms.get_durations(np.asarray(model["states"]["z"]), np.asarray(data["mask"]))
    return float(np.median(durations) * 1000.0 / fps)


def calibrate(
    data: dict[str, Any],
    metadata: tuple,
    config: dict[str, Any],
    pca: Any,
    settings: TrainingSettings,
    watchdog: Watchdog,
    hint: str,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Scan ``kappa_scan.values``, bisect between the bracketing pair, pick the closest to the target.

    A fixed ``settings.kappa`` skips the scan. The full model gets ``kappa / full_kappa_ratio``.
    Each scan fit runs in ``watchdog``'s worker; a stalled one raises ``StallError`` naming it,
    with ``hint``.

    Returns
    -------
    scan
        One row per fit: ``kappa``, ``median_duration_ms``, ``source``, ``target_ms``,
        ``log_ratio`` (log of duration over target), ``selected`` (one True row).
    config
        ``config`` with ``trans_hypparams.kappa`` set to the full model's kappa.
    """
    target, scan = settings.target_duration_ms, settings.kappa_scan
    host_data = workers.on_host(data)
    rows: list[dict[str, Any]] = []
    if settings.kappa is not None:
        rows.append({"kappa": settings.kappa, "median_duration_ms": np.nan, "source": "parameters"})

    def run(kappa: float, source: str) -> None:
        model = watchdog.call(
            workers.scan_fit, host_data, metadata, config, pca, kappa, scan.num_iters, scan.seed,
            what=f"calibrate_kappa, the kappa scan (AR-HMM at kappa {kappa:.3g})", hint=hint,
        )  # fmt: skip
        duration = median_duration_ms(model, data, float(config["fps"]))
        rows.append({"kappa": kappa, "median_duration_ms": duration, "source": source})
        logger.info("kappa %.3g: median syllable duration %.0f ms", kappa, duration)

    if settings.kappa is None:
        for kappa in tqdm(scan.values, desc="kappa scan", unit="kappa"):
            run(kappa, "scan")
        for _ in tqdm(range(scan.refine_steps), desc="kappa bisection", unit="step"):
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
    full_kappa = ar_kappa / settings.full_kappa_ratio
    logger.info("AR-HMM kappa %.3g, full-model kappa %.3g", ar_kappa, full_kappa)
    return table, {**config, "trans_hypparams": {**config["trans_hypparams"], "kappa": full_kappa}}

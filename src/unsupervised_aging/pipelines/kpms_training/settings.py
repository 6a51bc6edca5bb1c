"""The ``kpms_training`` parameters as one frozen settings object: every key from the YAML, none defaulted.

``conf/base/parameters_kpms_training.yml`` is the single source of every default (see
docs/architecture.md); :meth:`TrainingSettings.from_params` fails with one line naming a key that
is missing or unknown instead of falling back to a number of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from unsupervised_aging.parameter_keys import exact_keys

PARAMETERS_FILE = "conf/base/parameters_kpms_training.yml"


@dataclass(frozen=True)
class KappaScanSettings:
    """Short AR-HMM fits that calibrate kappa.

    Attributes
    ----------
    values
        Kappas to try (log-spaced).
    num_iters
        AR-HMM iterations per scanned kappa.
    refine_steps
        Log-kappa bisections between the two scanned values that bracket the target.
    seed
        Seed of the scan fits.
    """

    values: tuple[float, ...]
    num_iters: int
    refine_steps: int
    seed: int


@dataclass(frozen=True)
class MergeSettings:
    """Optional merging of similar syllables into metasyllables.

    Attributes
    ----------
    enabled
        Merge at all (otherwise the mapping is the identity).
    distance_threshold
        Trajectory distance below which syllables are clustered (average linkage).
    metric
        ``kpms.syllable_similarity`` metric.
    """

    enabled: bool
    distance_threshold: float
    metric: str


@dataclass(frozen=True)
class TrainingSettings:
    """Every ``kpms_training`` parameter, typed; see the YAML for what each one means.

    Attributes
    ----------
    seeds
        One fitting node per seed, no duplicates.
    bodyparts
        Keypoints the pose files must have, in order (``None``: the files' own list).
    use_bodyparts
        Keypoints the model uses (``None``: all ``bodyparts``).
    latent_dim
        Fixed latent dimension, or ``None`` for the fewest PCs explaining ``pca_variance_target``.
    max_frames_per_video
        Train on the first N frames of each training video (``None``: all).
    stall_timeout_s
        A fit stage that uses no CPU for this long is reported as stalled and stops the run.
    """

    seeds: tuple[int, ...]
    bodyparts: tuple[str, ...] | None
    use_bodyparts: tuple[str, ...] | None
    anterior_bodyparts: tuple[str, ...]
    posterior_bodyparts: tuple[str, ...]
    skeleton: tuple[tuple[str, str], ...]
    latent_dim: int | None
    pca_variance_target: float
    min_frames_per_feature: int
    num_states: int
    nlags: int
    kappa: float | None
    target_duration_ms: float
    full_kappa_ratio: float
    kappa_scan: KappaScanSettings
    ar_iters: int
    full_iters: int
    save_every_n_iters: int
    max_frames_per_video: int | None
    config_overrides: Mapping[str, Any]
    merge: MergeSettings
    stall_timeout_s: float

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TrainingSettings:
        """Settings from the ``kpms_training`` parameters dict.

        Raises
        ------
        ValueError
            If a key is missing or unknown (one line naming it and the YAML file), the seed list
            is empty or has duplicates, or kappa_scan.values is empty while kappa is null.
        """
        p = _exact(params, cls, "kpms_training")
        scan = _exact(p["kappa_scan"], KappaScanSettings, "kpms_training.kappa_scan")
        merge = _exact(p["merge"], MergeSettings, "kpms_training.merge")
        settings = cls(
            seeds=parse_seeds(p["seeds"]),
            bodyparts=_names(p["bodyparts"]),
            use_bodyparts=_names(p["use_bodyparts"]),
            anterior_bodyparts=tuple(p["anterior_bodyparts"]),
            posterior_bodyparts=tuple(p["posterior_bodyparts"]),
            skeleton=tuple(tuple(edge) for edge in p["skeleton"] or []),
            latent_dim=None if p["latent_dim"] is None else int(p["latent_dim"]),
            pca_variance_target=float(p["pca_variance_target"]),
            min_frames_per_feature=int(p["min_frames_per_feature"]),
            num_states=int(p["num_states"]),
            nlags=int(p["nlags"]),
            kappa=None if p["kappa"] is None else float(p["kappa"]),
            target_duration_ms=float(p["target_duration_ms"]),
            full_kappa_ratio=float(p["full_kappa_ratio"]),
            kappa_scan=KappaScanSettings(
                values=tuple(float(v) for v in scan["values"] or []),
                num_iters=int(scan["num_iters"]),
                refine_steps=int(scan["refine_steps"]),
                seed=int(scan["seed"]),
            ),
            ar_iters=int(p["ar_iters"]),
            full_iters=int(p["full_iters"]),
            save_every_n_iters=int(p["save_every_n_iters"]),
            max_frames_per_video=None
            if p["max_frames_per_video"] is None
            else int(p["max_frames_per_video"]),
            config_overrides=dict(p["config_overrides"] or {}),
            merge=MergeSettings(
                enabled=bool(merge["enabled"]),
                distance_threshold=float(merge["distance_threshold"]),
                metric=str(merge["metric"]),
            ),
            stall_timeout_s=float(p["stall_timeout_s"]),
        )
        if settings.kappa is None and not settings.kappa_scan.values:
            raise ValueError(
                "kpms_training.kappa_scan.values is empty; give kappas to try or a fixed kappa "
                f"in {PARAMETERS_FILE}"
            )
        return settings


def parse_seeds(seeds: Any) -> tuple[int, ...]:
    """The fit seeds as ints.

    Raises
    ------
    ValueError
        If the list is empty or has duplicates.
    """
    parsed = tuple(int(s) for s in seeds or [])
    if not parsed:
        raise ValueError(f"kpms_training.seeds is empty in {PARAMETERS_FILE}; give at least one seed")
    if len(set(parsed)) != len(parsed):
        raise ValueError(f"kpms_training.seeds {list(parsed)} has duplicates; each seed names one model")
    return parsed


def _exact(params: Any, cls: type, where: str) -> Mapping[str, Any]:
    """``params`` with exactly the fields of ``cls``, or one line naming the difference."""
    return exact_keys(params, [f.name for f in fields(cls)], where, PARAMETERS_FILE)


def _names(values: Any) -> tuple[str, ...] | None:
    return None if values is None else tuple(str(v) for v in values)

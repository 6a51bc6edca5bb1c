"""The syllable_atlas settings: one frozen class built from ``parameters_syllable_atlas.yml``.

The YAML is the only source of the defaults; a missing key fails with its name.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from unsupervised_aging.parameter_keys import exact_keys


def _build[T](cls: type[T], params: dict[str, Any], where: str) -> T:
    """``cls(**params)`` once :func:`~unsupervised_aging.parameter_keys.exact_keys` has checked the keys."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    exact_keys(params, names, where, "conf/base/parameters_syllable_atlas.yml")
    return cls(**params)


@dataclass(frozen=True)
class TrajectorySettings:
    """Typical trajectories (keypoint-moseq's ``get_typical_trajectories``) and the dendrogram.

    Attributes
    ----------
    before_onset_s, after_onset_s
        Window around syllable onset, seconds.
    min_instance_duration_s
        Shortest bout that counts as an instance, seconds.
    density_sample
        Median over the most typical ``n_neighbors`` instances (keypoint-moseq's default) instead
        of all of them; syllables with fewer instances fall back to all instances.
    n_neighbors
        Instances in the density sample.
    dendrogram_metric
        ``scipy.spatial.distance.pdist`` metric between typical trajectories.
    plot_width_in
        Width of one syllable's plot, inches (the catalog sets the PNG resolution).
    """

    before_onset_s: float
    after_onset_s: float
    min_instance_duration_s: float
    density_sample: bool
    n_neighbors: int
    dendrogram_metric: str
    plot_width_in: float


@dataclass(frozen=True)
class GridMovieSettings:
    """Grid movies (keypoint-moseq's ``generate_grid_movies``).

    Attributes
    ----------
    rows, cols
        Instances shown per movie: ``rows × cols`` tiles.
    before_onset_s, after_onset_s
        Clip around syllable onset, seconds: each movie has
        ``round(before_onset_s·fps) + round(after_onset_s·fps)`` frames.
    min_instance_duration_s
        Shortest bout that counts as an instance, seconds.
    max_size_px
        Longest side of the movie in pixels (tiles are downscaled to fit; multiples of 16).
    quality
        imageio/ffmpeg quality 0–10 (higher: larger files).
    sampling
        keypoint-moseq's ``sample_instances`` mode: ``random`` or ``density``.
    """

    rows: int
    cols: int
    before_onset_s: float
    after_onset_s: float
    min_instance_duration_s: float
    max_size_px: int
    quality: int
    sampling: str


@dataclass(frozen=True)
class AtlasSettings:
    """Everything the syllable_atlas nodes read from parameters.

    Attributes
    ----------
    max_videos
        Videos sampled (seeded) for trajectories and movies; memory grows with their frames.
    seed
        Seed of the video sample and of keypoint-moseq's instance sampling.
    target, n_age_groups
        Column and number of quantile groups for the state usage by age plot.
    trajectories, grid_movies
        See :class:`TrajectorySettings`, :class:`GridMovieSettings`.
    """

    max_videos: int
    seed: int
    target: str
    n_age_groups: int
    trajectories: TrajectorySettings
    grid_movies: GridMovieSettings

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> AtlasSettings:
        """Build from ``params:syllable_atlas``; raises on missing or unknown keys."""
        flat = dict(params)
        for key in ("trajectories", "grid_movies"):
            if key not in flat:
                raise ValueError(f"parameters_syllable_atlas.yml: syllable_atlas lacks ['{key}']; fix conf")
        flat["trajectories"] = _build(TrajectorySettings, dict(params["trajectories"]), "trajectories")
        flat["grid_movies"] = _build(GridMovieSettings, dict(params["grid_movies"]), "grid_movies")
        settings = _build(cls, flat, "syllable_atlas")
        if settings.grid_movies.sampling not in ("random", "density"):
            raise ValueError(
                "parameters_syllable_atlas.yml: grid_movies.sampling must be 'random' or 'density', "
                f"not {settings.grid_movies.sampling!r}"
            )
        return settings

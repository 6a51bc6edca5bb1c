"""Typical trajectories per syllable and their similarity, through keypoint-moseq's own functions.

``kpms.util.get_typical_trajectories`` gives each syllable's median pose sequence around onset
(egocentric); ``kpms.viz.plot_trajectories`` draws it, as ``kpms.generate_trajectory_plots`` does.
The dendrogram is ``kpms.plot_similarity_dendrogram``'s: complete linkage over ``pdist`` of the
typical trajectories over all instances (``kpms.util.syllable_similarity``). We call the parts
rather than the file-writing wrappers so that figures carry the user's syllable names and reach
the catalog as figures (the wrappers write PDFs into the project with fixed titles).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import pdist

from unsupervised_aging.pipelines.syllable_atlas.recordings import AtlasRecordings
from unsupervised_aging.pipelines.syllable_atlas.settings import TrajectorySettings

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def seeded_numpy(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator (keypoint-moseq samples instances with it), then restore it."""
    state = np.random.get_state()  # noqa: NPY002 - keypoint-moseq draws from the legacy global generator
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def typical_trajectories(
    recordings: AtlasRecordings, syllables: list[int], settings: TrajectorySettings, seed: int
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Typical trajectory of each syllable: density-sampled where possible, over all instances too.

    Parameters
    ----------
    recordings
        Keypoints and results of the sampled videos.
    syllables
        The vocabulary's syllable indices.
    settings
        Window, minimum duration, density sampling.
    seed
        Seed of keypoint-moseq's instance sampling.

    Returns
    -------
    shown, over_all
        ``{syllable: (F, K', 2)}`` with ``F`` window frames and ``K'`` modelled keypoints: the
        trajectory to plot (density sample, or all instances when a syllable has fewer than
        ``n_neighbors``), and the median over all instances (the dendrogram's). Syllables without
        any instance in the sampled videos are absent.
    """
    from keypoint_moseq.util import get_typical_trajectories

    fps = recordings.fps
    common = dict(
        coordinates=recordings.coordinates,
        results=recordings.results,
        before_onset_frames=round(settings.before_onset_s * fps),
        after_onset_frames=round(settings.after_onset_s * fps),
        min_frequency=0.0,
        min_instance_duration_frames=max(1, round(settings.min_instance_duration_s * fps)),
        bodyparts=recordings.bodyparts,
        use_bodyparts=recordings.use_bodyparts,
    )
    over_all = get_typical_trajectories(**common, density_sample=False)
    shown = dict(over_all)
    if settings.density_sample:
        with seeded_numpy(seed), contextlib.suppress(ValueError):  # ValueError: no syllable has enough
            shown.update(
                get_typical_trajectories(
                    **common, density_sample=True, sampling_options={"n_neighbors": settings.n_neighbors}
                )
            )
    wanted = set(syllables)
    return (
        {s: x for s, x in shown.items() if s in wanted},
        {s: x for s, x in over_all.items() if s in wanted},
    )


def _edges(recordings: AtlasRecordings) -> list:
    from keypoint_moseq.util import get_edges

    return get_edges(recordings.use_bodyparts, recordings.skeleton)


def _flipped(trajectories: list[np.ndarray]) -> np.ndarray:
    """Stack ``(F, K, 2)`` trajectories with y pointing up, as ``generate_trajectory_plots`` does."""
    return np.stack(trajectories) * np.array([1, -1])


def _limits(xs: np.ndarray) -> np.ndarray:
    from keypoint_moseq.viz import get_limits

    return get_limits(xs, pctl=0, left=0.1, right=0.1, top=0.2, bottom=0.2)


def _missing_figure(title: str, width_in: float) -> Figure:
    fig = plt.figure(figsize=(width_in, width_in * 0.6))
    fig.text(0.5, 0.5, f"{title}\nno instance in the sampled videos", ha="center", va="center")
    return fig


def trajectory_figures(
    recordings: AtlasRecordings,
    shown: dict[int, np.ndarray],
    titles: dict[int, str],
    settings: TrajectorySettings,
) -> tuple[dict[int, Figure], Figure]:
    """One figure per syllable of ``titles`` and the combined grid, with shared axis limits.

    Parameters
    ----------
    recordings
        For the skeleton.
    shown
        ``{syllable: (F, K', 2)}`` from :func:`typical_trajectories`.
    titles
        ``{syllable: title}`` for every syllable to draw (a syllable missing from ``shown`` gets a
        figure saying so).
    settings
        ``plot_width_in``.
    """
    from keypoint_moseq.viz import plot_trajectories

    edges = _edges(recordings)
    drawn = [s for s in titles if s in shown]
    per_syllable: dict[int, Figure] = {}
    if not drawn:
        combined = _missing_figure("no syllable", settings.plot_width_in)
        return {s: _missing_figure(t, settings.plot_width_in) for s, t in titles.items()}, combined
    xs = _flipped([shown[s] for s in drawn])
    lims = _limits(xs)
    options = {"plot_width": settings.plot_width_in, "num_timesteps": 10}
    for s, title in titles.items():
        if s in shown:
            fig, _, _ = plot_trajectories([title], xs[drawn.index(s)][None], lims, edges=edges, **options)
        else:
            logger.warning("Syllable %s has no instance in the sampled videos: no trajectory", title)
            fig = _missing_figure(title, settings.plot_width_in)
        per_syllable[s] = fig
    combined, _, _ = plot_trajectories([titles[s] for s in drawn], xs, lims, edges=edges, n_cols=6, **options)
    return per_syllable, combined


def dendrogram_figure(over_all: dict[int, np.ndarray], titles: dict[int, str], metric: str) -> Figure:
    """Similarity dendrogram of the syllables' typical trajectories (complete linkage).

    Parameters
    ----------
    over_all
        ``{syllable: (F, K', 2)}`` medians over all instances.
    titles
        ``{syllable: leaf label}``.
    metric
        ``pdist`` metric (keypoint-moseq's default: ``cosine``).
    """
    syllables = [s for s in titles if s in over_all]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(syllables)), 3.5))
    if len(syllables) < 2:
        ax.text(0.5, 0.5, "fewer than two syllables with instances", ha="center")
        return fig
    xs = np.stack([over_all[s] for s in syllables])
    distances = pdist(np.nan_to_num(xs.reshape(len(syllables), -1)), metric)
    dendrogram(linkage(distances, "complete"), labels=[titles[s] for s in syllables], ax=ax, leaf_rotation=90)
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("lightgray")
    ax.set_title(f"Syllable similarity ({metric} distance of typical trajectories)")
    fig.tight_layout()
    return fig

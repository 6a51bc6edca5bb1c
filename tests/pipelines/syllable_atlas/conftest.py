"""Real inputs for the atlas without a fitted model: the synthetic cohort's keypoints, its true motifs
as syllables, and centroids and headings from keypoint-moseq's own ``get_centroids_headings``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from unsupervised_aging.pipelines.syllable_atlas.recordings import AtlasRecordings, load_recordings
from unsupervised_aging.synthetic.cohort import simulate_cohort

ANTERIOR, POSTERIOR = ["NOSE"], ["BASE_TAIL"]


@pytest.fixture(scope="session")
def atlas_params() -> dict[str, Any]:
    """The project's own syllable_atlas parameters (conf/base)."""
    text = (PROJECT_ROOT / "conf" / "base" / "parameters_syllable_atlas.yml").read_text()
    return yaml.safe_load(text)["syllable_atlas"]


@pytest.fixture(scope="session")
def kpms_config() -> dict[str, Any]:
    """The keypoint-moseq config entries the atlas reads, as kpms_training writes them."""
    text = (PROJECT_ROOT / "conf" / "base" / "parameters_kpms_training.yml").read_text()
    training = yaml.safe_load(text)["kpms_training"]
    from unsupervised_aging.synthetic.body import JABS_BODYPARTS

    return {
        "bodyparts": list(JABS_BODYPARTS),
        "use_bodyparts": list(JABS_BODYPARTS),
        "skeleton": training["skeleton"],
        "fps": 30.0,
    }


@pytest.fixture(scope="session")
def cohort_recordings(kpms_config: dict[str, Any]) -> AtlasRecordings:
    """Four 40 s synthetic videos with their true motifs as the syllables."""
    from keypoint_moseq.util import get_centroids_headings, interpolate_keypoints

    poses, _ = simulate_cohort(n_mice=2, videos_per_mouse=2, n_frames=1200, seed=3)
    bodyparts = kpms_config["bodyparts"]
    coordinates = {
        name: interpolate_keypoints(p.coordinates, np.isnan(p.coordinates).any(-1))
        for name, p in poses.items()
    }
    centroids, headings = get_centroids_headings(
        coordinates, [bodyparts.index(b) for b in ANTERIOR], [bodyparts.index(b) for b in POSTERIOR]
    )
    results = {
        name: {
            "syllable": poses[name].extra["motif"].astype(np.int64),
            "centroid": np.asarray(centroids[name]),
            "heading": np.asarray(headings[name]),
        }
        for name in poses
    }
    loaders = {name: (lambda p=p: p) for name, p in poses.items()}
    return load_recordings(sorted(poses), loaders, lambda name: results[name], kpms_config, {})

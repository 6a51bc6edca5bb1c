"""Tiny real inputs for kpms_inference: simulated videos and a keypoint-moseq model fit in seconds."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from unsupervised_aging.pose import Pose
from unsupervised_aging.synthetic import JABS_BODYPARTS, simulate_cohort

USE_BODYPARTS = ["NOSE", "LEFT_EAR", "RIGHT_EAR", "BASE_NECK", "CENTER_SPINE", "BASE_TAIL"]
N_FRAMES = 200


@pytest.fixture(scope="session")
def cohort() -> tuple[dict[str, Pose], pd.DataFrame]:
    """Eight simulated videos (4 mice x 2 ages) of 200 frames at 30 fps."""
    poses, metadata = simulate_cohort(n_mice=4, videos_per_mouse=2, n_frames=N_FRAMES, seed=11)
    return poses, metadata.assign(n_frames=N_FRAMES)


def loaders(poses: dict[str, Pose]) -> dict[str, Callable[[], Pose]]:
    """Lazy loaders keyed by partition id, as the ``poses`` PartitionedDataset gives them."""
    return {f"{name}.h5": (lambda p=pose: copy.deepcopy(p)) for name, pose in poses.items()}


def video_table(names: list[str]) -> pd.DataFrame:
    """``inference_batches`` as preprocessing writes it: every video and its frame count."""
    return pd.DataFrame({"name": names, "n_frames": N_FRAMES})


@pytest.fixture(scope="session")
def tiny_model(cohort: tuple[dict[str, Pose], pd.DataFrame]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A real keypoint-moseq model: PCA and 2 AR-HMM iterations on four of the videos.

    Full-model iterations are left out: they compile the keypoint-SLDS a second time (minutes
    on a busy 2-core CPU) and ``apply_model`` only needs the parameters, which are all there.

    Returns
    -------
    selected_model, config
        ``{"model_name": "tiny", "model": dict}`` as kpms_training's ``kpms_selected_model``
        loads, and the keypoint-moseq config (``kpms.load_config``) as ``kpms_config`` loads.
    """
    import keypoint_moseq as kpms

    poses, _ = cohort
    names = sorted(poses)[:4]
    coordinates = {n: poses[n].coordinates.astype(float) for n in names}
    confidences = {n: poses[n].confidences.astype(float) for n in names}
    with tempfile.TemporaryDirectory() as project_dir:
        kpms.generate_config(
            project_dir,
            bodyparts=list(JABS_BODYPARTS),
            use_bodyparts=USE_BODYPARTS,
            anterior_bodyparts=["NOSE"],
            posterior_bodyparts=["BASE_TAIL"],
            skeleton=[],
            latent_dim=2,
            num_states=8,
            fps=30,
        )
        config = kpms.load_config(project_dir)
        data, metadata = kpms.format_data(coordinates, confidences, **config)
        pca = kpms.fit_pca(**data, **config)
        model = kpms.init_model(data, pca=pca, **config)
        options = {
            "generate_progress_plots": False,
            "save_every_n_iters": 0,
            "parallel_message_passing": False,
        }
        model = kpms.fit_model(
            model, data, metadata, project_dir, "tiny", ar_only=True, num_iters=2, **options
        )[0]
    return {"model_name": "tiny", "model": model}, config


@pytest.fixture
def params() -> dict[str, Any]:
    """kpms_inference parameters for tiny runs."""
    return {
        "n_slots": 2,
        "incremental": True,
        "num_iters": 2,
        "frames_per_call": 600,
        "max_seg_length": 10_000,
        "parallel_message_passing": False,
        "mixed_map_iters": 1,
        "stall_timeout_s": 120,
        "group_column": "sex",
    }

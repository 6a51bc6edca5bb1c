"""keypoint-moseq's config from the settings and the training videos' keypoints and frame rate."""

from __future__ import annotations

import tempfile
from typing import Any

import pandas as pd

from unsupervised_aging.kpms.poses import PoseLoaders, loaders_by_name
from unsupervised_aging.pipelines.kpms_training.kpms_data import training_fps, training_names
from unsupervised_aging.pipelines.kpms_training.settings import PARAMETERS_FILE, TrainingSettings


def build_config(
    poses: PoseLoaders, metadata: pd.DataFrame, training_set: pd.DataFrame, settings: TrainingSettings
) -> dict[str, Any]:
    """The config ``kpms.load_config`` would read, without index arrays.

    The keypoints come from the first training video's pose file and must match
    ``settings.bodyparts`` when that is set; skeleton edges naming absent keypoints are dropped.

    Raises
    ------
    ValueError
        If the files' keypoints differ from ``bodyparts`` or a named bodypart is not in them.
    """
    import keypoint_moseq as kpms

    names = training_names(training_set, poses)
    bodyparts = loaders_by_name(poses)[names[0]]().bodyparts
    if settings.bodyparts and list(settings.bodyparts) != bodyparts:
        raise ValueError(
            f"Pose files have keypoints {bodyparts}, {PARAMETERS_FILE} expects {list(settings.bodyparts)}; "
            "fix kpms_training.bodyparts (or set it to null to take the files' keypoints)"
        )
    use_bodyparts = list(settings.use_bodyparts or bodyparts)
    for key, parts, allowed in (
        ("use_bodyparts", use_bodyparts, bodyparts),
        ("anterior_bodyparts", settings.anterior_bodyparts, use_bodyparts),
        ("posterior_bodyparts", settings.posterior_bodyparts, use_bodyparts),
    ):
        unknown = [b for b in parts if b not in allowed]
        if unknown:
            raise ValueError(
                f"kpms_training.{key} names {unknown}, not among the keypoints {allowed}; "
                f"fix {PARAMETERS_FILE}"
            )
    options = {
        **settings.config_overrides,
        "bodyparts": bodyparts,
        "use_bodyparts": use_bodyparts,
        "anterior_bodyparts": list(settings.anterior_bodyparts),
        "posterior_bodyparts": list(settings.posterior_bodyparts),
        "skeleton": [list(e) for e in settings.skeleton if all(b in bodyparts for b in e)],
        "fps": training_fps(metadata, names),
        "num_states": settings.num_states,
        "nlags": settings.nlags,
    }
    with tempfile.TemporaryDirectory() as project_dir:
        kpms.generate_config(project_dir, **options)
        return kpms.load_config(project_dir, check_if_valid=False, build_indexes=False)

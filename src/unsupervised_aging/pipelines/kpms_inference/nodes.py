"""kpms_inference nodes: plan which videos to (re)compute, apply the model per slot, merge, index.

Every node takes ``params:kpms_inference`` (see conf/base/parameters_kpms_inference.yml), read
through :class:`~.settings.InferenceSettings`. keypoint-moseq is imported inside functions
because importing it takes ~15 s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from unsupervised_aging.kpms.poses import PoseLoaders, loaders_by_name
from unsupervised_aging.kpms.syllables import metasyllable_lookup
from unsupervised_aging.pipelines.kpms_inference import planning
from unsupervised_aging.pipelines.kpms_inference.fixed_shape import select_keypoints
from unsupervised_aging.pipelines.kpms_inference.merging import RelabelledResults, check_mapping_covers
from unsupervised_aging.pipelines.kpms_inference.settings import InferenceSettings
from unsupervised_aging.pipelines.kpms_inference.slot import SpooledResults, run_slot
from unsupervised_aging.pipelines.kpms_inference.stitching import Recording

logger = logging.getLogger(__name__)


def check_model_matches_config(selected_model: dict[str, Any], config: dict[str, Any]) -> None:
    """Raise if the model was fit on another number of keypoints than ``config`` uses.

    Raises
    ------
    ValueError
        Naming the model, its keypoint count and the config's ``use_bodyparts``.
    """
    cd_rows = int(np.shape(selected_model["model"]["params"]["Cd"])[0])
    use_bodyparts = list(config["use_bodyparts"])
    if cd_rows != 2 * (len(use_bodyparts) - 1):
        raise ValueError(
            f"kpms_selected_model '{selected_model['model_name']}' was fit on {cd_rows // 2 + 1} keypoints "
            f"but kpms_config uses {len(use_bodyparts)} ({use_bodyparts}): different trainings; "
            "rerun kpms_training"
        )


def plan_inference(
    inference_batches: pd.DataFrame,
    poses: PoseLoaders,
    existing: Mapping[str, Recording],
    selected_model: dict[str, Any],
    config: dict[str, Any],
    params: dict[str, Any],
    n_slots: int,
) -> pd.DataFrame:
    """Decide, per video, whether to apply the model or reuse a previous run's results, and how.

    A video is reused when the existing results were made by the same model
    (``attrs["model_name"]``) and ``incremental`` is true. Videos to apply are cut into pieces
    of at most ``frames_per_call`` frames (:mod:`.planning`) and packed into ``apply_model`` calls;
    calls go to slots in turn, except that calls sharing a split video share its slot.

    Parameters
    ----------
    inference_batches
        ``name``, ``n_frames`` per video (from preprocessing; its ``batch`` column is not used).
    poses
        Lazy pose loaders per video.
    existing
        Results of the previous run (empty on the first run).
    selected_model
        ``{"model_name": str, "model": dict}``.
    config
        keypoint-moseq config of the model (``use_bodyparts``).
    params
        ``kpms_inference`` parameters.
    n_slots
        Number of slot nodes in the pipeline.

    Returns
    -------
    DataFrame
        :data:`~.planning.PLAN_COLUMNS`: one row per piece (``call``/``slot`` -1 for reused videos).

    Raises
    ------
    ValueError
        If the batch table is bad or names videos without poses, or the model and config or
        the model and the videos' keypoints disagree.
    """
    settings = InferenceSettings.from_params(params)
    loaders = loaders_by_name(poses)
    videos = planning.video_table(inference_batches, set(loaders))
    check_model_matches_config(selected_model, config)
    model_name = str(selected_model["model_name"])
    reuse = planning.reusable_videos(existing, model_name, settings.incremental, len(videos))
    seg_length = planning.segment_length(videos["n_frames"], settings)
    plan = planning.plan_pieces(videos, reuse, settings.frames_per_call, seg_length, n_slots)
    to_apply = plan.loc[plan["action"] == "apply", "name"].unique()
    if len(to_apply):  # fail here, on the CPU, rather than in a GPU job
        select_keypoints(loaders[to_apply[0]](), to_apply[0], config["use_bodyparts"])
    logger.info(
        "Model '%s': applying to %d video(s) in %d piece(s), reusing %d, over %d call(s) of <= %d frames "
        "in %d slot(s)",
        model_name,
        len(to_apply),
        int((plan["action"] == "apply").sum()),
        len(videos) - len(to_apply),
        plan.loc[plan["call"] >= 0, "call"].nunique(),
        settings.frames_per_call,
        n_slots,
    )
    return plan


def apply_model_to_slot(
    plan: pd.DataFrame,
    poses: PoseLoaders,
    selected_model: dict[str, Any],
    config: dict[str, Any],
    params: dict[str, Any],
    slot: int,
) -> SpooledResults:
    """Apply the model to this slot's calls of ``plan``, one ``apply_model`` call at a time.

    Each call runs in a worker process under the stall watchdog (``stall_timeout_s``); all
    calls are padded to one shape so JAX compiles once. The node returns when every call has
    finished, with the results stitched per video in a temporary file.

    Parameters
    ----------
    plan
        Output of :func:`plan_inference`.
    poses
        Lazy pose loaders per video.
    selected_model
        ``{"model_name": str, "model": dict}``.
    config
        keypoint-moseq config of the model.
    params
        ``kpms_inference`` parameters.
    slot
        Which slot this node is: it runs the calls whose ``slot`` column equals it.

    Returns
    -------
    SpooledResults
        ``{name: recording}`` for this slot's videos marked ``apply``, with ``attrs["model_name"]``.

    Raises
    ------
    StallError
        If a call makes no progress for ``stall_timeout_s``.
    """
    settings = InferenceSettings.from_params(params)
    videos = plan.drop_duplicates("name")
    seg_length = planning.segment_length(videos["n_frames"], settings)
    n_rows = planning.rows_per_call(plan, seg_length)
    mine = plan[(plan["slot"] == slot) & (plan["action"] == "apply")]
    logger.info(
        "Slot %d: %d video(s), %d piece(s) in %d call(s); every call: %d segments of %d frames",
        slot,
        mine["name"].nunique(),
        len(mine),
        mine["call"].nunique(),
        n_rows,
        seg_length,
    )
    return run_slot(
        plan,
        loaders_by_name(poses),
        selected_model["model"],
        str(selected_model["model_name"]),
        config,
        settings,
        slot,
        seg_length,
        n_rows,
    )


def merge_results(
    plan: pd.DataFrame,
    existing: Mapping[str, Recording],
    selected_model: dict[str, Any],
    syllable_mapping: pd.DataFrame,
    *slot_results: Mapping[str, Recording],
) -> RelabelledResults:
    """Gather reused and new results into one keypoint-moseq results mapping.

    ``syllable`` stays the model's own syllable (keypoint-moseq's functions and feature_engineering
    read it); ``metasyllable`` is its label in ``syllable_mapping`` (the same numbers when merging
    is off, as the mapping is then the identity). Every recording's syllables are checked against
    the mapping here, before anything is written. Videos of the existing results that the plan no
    longer lists are dropped, with a warning.

    Parameters
    ----------
    plan
        Output of :func:`plan_inference`.
    existing
        Results of the previous run.
    selected_model
        ``{"model_name": str, "model": dict}``.
    syllable_mapping
        ``syllable``, ``metasyllable``.
    *slot_results
        Output of each slot, in slot order.

    Returns
    -------
    RelabelledResults
        ``{name: recording}`` for every video of the plan, sorted by name, with
        ``attrs["model_name"]``; read one recording at a time while saved.

    Raises
    ------
    ValueError
        If a slot's results miss a video or come from another model, or the mapping misses a syllable.
    """
    model_name = str(selected_model["model_name"])
    for slot, results in enumerate(slot_results):
        made_by = getattr(results, "attrs", {}).get("model_name")
        if len(results) and made_by != model_name:
            raise ValueError(
                f"kpms_slot_results_{slot} was made by model '{made_by}', not '{model_name}'; "
                "rerun kpms_inference"
            )
    sources: dict[str, Mapping[str, Recording]] = {}
    for row in plan.drop_duplicates("name").sort_values("name").itertuples():
        source = existing if row.action == "reuse" else slot_results[row.slot]
        if row.name not in source:
            where = "the existing results" if row.action == "reuse" else f"kpms_slot_results_{row.slot}"
            raise ValueError(f"{row.name}: missing from {where}; rerun kpms_inference")
        sources[row.name] = source
    stale = sorted(set(existing) - set(sources))
    if stale:
        logger.warning(
            "Dropping %d video(s) of the previous results that inference_batches no longer lists: %s",
            len(stale),
            stale[:10],
        )
    lookup = metasyllable_lookup(syllable_mapping)
    check_mapping_covers(sources, lookup)
    logger.info("Merging results of %d video(s) made by model '%s'", len(sources), model_name)
    return RelabelledResults(sources, lookup, attrs={"model_name": model_name})


def make_index(plan: pd.DataFrame, metadata: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """keypoint-moseq's ``index.csv``: one row per video, its ``group`` and its metadata.

    Parameters
    ----------
    plan
        Output of :func:`plan_inference` (the videos in the results).
    metadata
        One row per video with ``name``.
    params
        ``kpms_inference`` parameters; ``group_column`` is the metadata column that gives
        ``group`` (null, or a column the metadata lacks, gives every video ``"default"``, with a
        warning for the latter).

    Returns
    -------
    DataFrame
        ``name``, ``group``, then the metadata's other columns, sorted by name.

    Raises
    ------
    ValueError
        If metadata has no row for a video of the results.
    """
    column = InferenceSettings.from_params(params).group_column
    names = sorted(plan["name"].astype(str).unique())
    meta = metadata.assign(name=metadata["name"].astype(str)).drop_duplicates("name").set_index("name")
    missing = sorted(set(names) - set(meta.index))
    if missing:
        raise ValueError(
            f"metadata has no row for {len(missing)} video(s) with results (first: {missing[:3]}); "
            "rerun preprocessing"
        )
    index = meta.loc[names].reset_index()
    if column and column in index.columns:
        group = index[column].astype("string").fillna("default").replace("", "default")
    else:
        if column:
            logger.warning("metadata has no column '%s' (group_column): group 'default' for all", column)
        group = pd.Series("default", index=index.index)
    index = index.drop(columns=["group"], errors="ignore")
    index.insert(1, "group", group.astype(str))
    return index

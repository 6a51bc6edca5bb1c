"""kpms_inference nodes: plan which videos to (re)compute, apply the model per slot, merge, index.

keypoint-moseq is imported inside the functions because importing it takes ~15 s.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from unsupervised_aging.pipelines.kpms_inference.fixed_shape import (
    PADDING_KEY,
    common_shape,
    format_batch,
    select_keypoints,
)
from unsupervised_aging.pipelines.kpms_inference.lazy_results import (
    BatchedResults,
    Recording,
    RelabelledResults,
)
from unsupervised_aging.pose import Pose

logger = logging.getLogger(__name__)

PoseLoaders = Mapping[str, Callable[[], Pose]]

#: keypoint-moseq config entries that ``apply_model`` needs besides the model (``init_model`` kwargs).
INIT_CONFIG_KEYS = ("conf_threshold", "error_estimator", "fix_heading")


def _loaders_by_name(poses: PoseLoaders) -> dict[str, Callable[[], Pose]]:
    """Key the partitions of ``poses`` by video name (partition ids less a ``.h5`` suffix)."""
    return {str(key).removesuffix(".h5"): load for key, load in poses.items()}


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
    """Decide, per video, whether to apply the model or reuse a previous run's results.

    A video is reused when the existing results hold it and were made by the same model
    (``attrs["model_name"]``) and ``params["incremental"]`` is true; results of another model
    are all recomputed (logged). Batch ``b`` goes to slot ``b % n_slots``.

    Parameters
    ----------
    inference_batches
        ``name``, ``n_frames``, ``batch`` per video (from preprocessing).
    poses
        Lazy pose loaders per video.
    existing
        Results of the previous run (empty on the first run).
    selected_model
        ``{"model_name": str, "model": dict}``.
    config
        keypoint-moseq config of the model (``use_bodyparts``).
    params
        ``incremental`` (bool).
    n_slots
        Number of slot nodes in the pipeline.

    Returns
    -------
    DataFrame
        ``name``, ``n_frames``, ``batch``, ``slot``, ``action`` (``"apply"`` or ``"reuse"``),
        sorted by batch and name.

    Raises
    ------
    ValueError
        If the batch table lacks columns, repeats or names videos without poses, or the model
        and config or the model and the videos' keypoints disagree.
    """
    missing_columns = {"name", "n_frames", "batch"} - set(inference_batches.columns)
    if missing_columns:
        raise ValueError(
            f"inference_batches lacks column(s) {sorted(missing_columns)}; rerun preprocessing to rebuild it"
        )
    table = inference_batches[["name", "n_frames", "batch"]].copy()
    table["name"] = table["name"].astype(str)
    table["batch"] = table["batch"].astype(int)
    duplicated = table.loc[table["name"].duplicated(), "name"].tolist()
    if duplicated:
        raise ValueError(f"inference_batches lists video(s) twice: {duplicated[:3]}; rerun preprocessing")
    loaders = _loaders_by_name(poses)
    unknown = sorted(set(table["name"]) - set(loaders))
    if unknown:
        raise ValueError(
            f"inference_batches names {len(unknown)} video(s) without a pose file in 'poses' "
            f"(first: {unknown[:3]}); rerun preprocessing so both come from the same videos"
        )
    unbatched = sorted(set(loaders) - set(table["name"]))
    if unbatched:
        logger.warning(
            "%d video(s) have poses but no row in inference_batches and get no syllables: %s",
            len(unbatched),
            unbatched[:10],
        )
    check_model_matches_config(selected_model, config)

    model_name = str(selected_model["model_name"])
    previous = existing.attrs.get("model_name") if hasattr(existing, "attrs") else None
    reusable: set[str] = set()
    if not params.get("incremental", True):
        logger.info("incremental is off: applying model '%s' to all %d videos", model_name, len(table))
    elif len(existing) and previous != model_name:
        logger.warning(
            "Existing results were made by model '%s', not '%s': recomputing all %d videos",
            previous,
            model_name,
            len(table),
        )
    else:
        reusable = set(existing)
    table["slot"] = table["batch"] % int(n_slots)
    table["action"] = np.where(table["name"].isin(reusable), "reuse", "apply")
    table = table.sort_values(["batch", "name"], ignore_index=True)
    to_apply = table.loc[table["action"] == "apply", "name"]
    if len(to_apply):  # fail here, on the CPU, rather than in a GPU job
        first = to_apply.iloc[0]
        select_keypoints(loaders[first](), first, config["use_bodyparts"])
    logger.info(
        "Model '%s': applying to %d video(s), reusing %d, over %d batch(es) in %d slot(s)",
        model_name,
        len(to_apply),
        len(table) - len(to_apply),
        table["batch"].nunique(),
        n_slots,
    )
    return table


@contextlib.contextmanager
def _mixed_map_iters(iters: int) -> Iterator[None]:
    """Split jax-moseq's vectorised maps into ``iters`` sequential chunks (~``iters`` × less memory)."""
    from jax_moseq.utils import get_mixed_map_iters, set_mixed_map_iters

    before = get_mixed_map_iters()
    set_mixed_map_iters(int(iters))
    try:
        yield
    finally:
        set_mixed_map_iters(before)


def _init_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """``init_model`` arguments from the config: heading keypoint indexes and noise settings."""
    use = list(config["use_bodyparts"])
    return {
        "anterior_idxs": np.array([use.index(b) for b in config["anterior_bodyparts"]]),
        "posterior_idxs": np.array([use.index(b) for b in config["posterior_bodyparts"]]),
        **{key: config[key] for key in INIT_CONFIG_KEYS if key in config},
    }


def apply_model_to_batch(
    names: list[str],
    loaders: Mapping[str, Callable[[], Pose]],
    model: dict[str, Any],
    config: dict[str, Any],
    seg_length: int,
    n_rows: int,
    params: dict[str, Any],
) -> dict[str, Recording]:
    """Apply a keypoint-moseq model to one batch of videos in one ``apply_model`` call.

    Parameters
    ----------
    names
        The batch's videos.
    loaders
        Lazy pose loaders by name.
    model
        keypoint-moseq model dict (``params``, ``hypparams``, ``seed``, ...).
    config
        keypoint-moseq config of the model.
    seg_length, n_rows
        Common array shape (see :func:`~.fixed_shape.common_shape`).
    params
        ``num_iters``, ``parallel_message_passing`` (null: keypoint-moseq's choice, off on a CPU;
        off cuts memory 4-6×), ``mixed_map_iters`` (n: ~n× less memory).

    Returns
    -------
    dict
        ``{name: {"syllable" (T,) int, "latent_state" (T, D), "centroid" (T, 2), "heading" (T,)}}``.
    """
    import keypoint_moseq as kpms

    started = time.perf_counter()
    data, metadata = format_batch({name: loaders[name]() for name in names}, config, seg_length, n_rows)
    with _mixed_map_iters(params.get("mixed_map_iters", 1)):
        results = kpms.apply_model(
            model,
            data,
            metadata,
            num_iters=int(params["num_iters"]),
            save_results=False,
            parallel_message_passing=params.get("parallel_message_passing"),
            **_init_kwargs(config),
        )
    logger.info(
        "Applied the model to %d video(s), %d frames, in %.1f s",
        len(names),
        int(np.asarray(data["mask"])[np.asarray(metadata[0]) != PADDING_KEY].sum()),
        time.perf_counter() - started,
    )
    return {
        str(name): {key: np.asarray(value) for key, value in recording.items()}
        for name, recording in results.items()
        if name != PADDING_KEY
    }


def apply_model_to_slot(
    plan: pd.DataFrame,
    poses: PoseLoaders,
    selected_model: dict[str, Any],
    config: dict[str, Any],
    params: dict[str, Any],
    slot: int,
) -> BatchedResults:
    """Apply the model to this slot's videos, one batch (one ``apply_model`` call) at a time.

    The batches run while the returned mapping is saved, one batch in memory at a time (see
    :class:`~.lazy_results.BatchedResults`), all padded to one shape so JAX compiles once.

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
        ``max_seg_length``, ``num_iters``, ``parallel_message_passing``, ``mixed_map_iters``.
    slot
        Which slot this node is: it runs the batches whose ``slot`` column equals it.

    Returns
    -------
    BatchedResults
        ``{name: recording}`` for this slot's videos marked ``apply``, with
        ``attrs["model_name"]``.
    """
    seg_length, n_rows = common_shape(plan, int(params.get("max_seg_length", 10_000)))
    mine = plan[(plan["slot"] == slot) & (plan["action"] == "apply")]
    batches = [group["name"].astype(str).tolist() for _, group in mine.groupby("batch", sort=True)]
    logger.info(
        "Slot %d: %d video(s) in %d batch(es); every call: %d segments of %d frames",
        slot,
        len(mine),
        len(batches),
        n_rows,
        seg_length,
    )
    run_batch = partial(
        apply_model_to_batch,
        loaders=_loaders_by_name(poses),
        model=selected_model["model"],
        config=config,
        seg_length=seg_length,
        n_rows=n_rows,
        params=params,
    )
    return BatchedResults(batches, run_batch, attrs={"model_name": str(selected_model["model_name"])})


def _syllable_relabeller(syllable_mapping: pd.DataFrame) -> Callable[[str, np.ndarray], np.ndarray]:
    """Vectorised syllable → metasyllable lookup that names the recording on unknown syllables."""
    missing_columns = {"syllable", "metasyllable"} - set(syllable_mapping.columns)
    if missing_columns:
        raise ValueError(
            f"syllable_mapping lacks column(s) {sorted(missing_columns)}; rerun kpms_training to rebuild it"
        )
    syllables = syllable_mapping["syllable"].astype(int).to_numpy()
    table = np.full(int(syllables.max(initial=-1)) + 1, -1, dtype=np.int64)
    table[syllables] = syllable_mapping["metasyllable"].astype(int).to_numpy()

    def relabel(name: str, raw: np.ndarray) -> np.ndarray:
        raw = raw.astype(np.int64)
        unmapped = raw >= len(table)
        labels = np.where(unmapped, -1, table[np.where(unmapped, 0, raw)])
        if (labels < 0).any():
            raise ValueError(
                f"{name}: syllable(s) {sorted(set(raw[labels < 0].tolist()))[:5]} have no row in "
                "syllable_mapping; it was built for another model: rerun kpms_training"
            )
        return labels

    return relabel


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
    is off, as the mapping is then the identity).
    Videos of the existing results that the plan no longer lists are dropped, with a warning.

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
        ``attrs["model_name"]``; read lazily while saved.

    Raises
    ------
    ValueError
        If a slot's results miss a video or come from another model.
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
    for row in plan.sort_values("name").itertuples():
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
    logger.info("Merging results of %d video(s) made by model '%s'", len(sources), model_name)
    relabel = _syllable_relabeller(syllable_mapping)
    return RelabelledResults(sources, relabel, attrs={"model_name": model_name})


def make_index(plan: pd.DataFrame, metadata: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """keypoint-moseq's ``index.csv``: one row per video, its ``group`` and its metadata.

    Parameters
    ----------
    plan
        Output of :func:`plan_inference` (the videos in the results).
    metadata
        One row per video with ``name``.
    params
        ``group_column``: the metadata column that gives ``group`` (null, or a column the
        metadata lacks, gives every video the group ``"default"``, with a warning for the latter).

    Returns
    -------
    DataFrame
        ``name``, ``group``, then the metadata's other columns, sorted by name.

    Raises
    ------
    ValueError
        If metadata has no row for a video of the results.
    """
    names = sorted(plan["name"].astype(str))
    meta = metadata.assign(name=metadata["name"].astype(str)).drop_duplicates("name").set_index("name")
    missing = sorted(set(names) - set(meta.index))
    if missing:
        raise ValueError(
            f"metadata has no row for {len(missing)} video(s) with results (first: {missing[:3]}); "
            "rerun preprocessing"
        )
    index = meta.loc[names].reset_index()
    column = params.get("group_column")
    if column and column in index.columns:
        group = index[column].astype("string").fillna("default").replace("", "default")
    else:
        if column:
            logger.warning("metadata has no column '%s' (group_column): group 'default' for all", column)
        group = pd.Series("default", index=index.index)
    index = index.drop(columns=["group"], errors="ignore")
    index.insert(1, "group", group.astype(str))
    return index

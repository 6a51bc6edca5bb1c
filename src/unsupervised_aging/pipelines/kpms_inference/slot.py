"""One slot's ``apply_model`` calls, each under the stall watchdog, spooled to disk as they finish.

The node does the work itself: every call runs (in the watchdog's worker process) before the
node returns, its pieces are written to a spool file, and the node returns a lazy view of the
stitched results, so memory holds one call at a time and the dataset only copies finished data.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from unsupervised_aging.datasets import KpmsResults
from unsupervised_aging.kpms.watchdog import Watchdog
from unsupervised_aging.pipelines.kpms_inference import apply_call
from unsupervised_aging.pipelines.kpms_inference.fixed_shape import (
    Piece,
    format_call,
    piece_key,
    select_keypoints,
)
from unsupervised_aging.pipelines.kpms_inference.settings import InferenceSettings
from unsupervised_aging.pipelines.kpms_inference.stitching import Recording, stitch
from unsupervised_aging.pose import Pose

logger = logging.getLogger(__name__)

STALL_HINT = (
    "Rerun `kedro run --pipeline kpms_inference` (finished slots are kept with --only-missing-outputs); "
    "if it stalls again, check that `uv sync --frozen` gave jaxlib >= 0.11.1, lower "
    "kpms_inference.frames_per_call, or raise stall_timeout_s if the machine is only very busy"
)


class SpooledResults(KpmsResults):
    """Results in a temporary file that is deleted with this object (see :mod:`.slot`)."""

    def __init__(self, path: Path, attrs: dict[str, Any]) -> None:
        super().__init__(path)
        self.attrs = dict(attrs)
        weakref.finalize(self, shutil.rmtree, path.parent, ignore_errors=True)


def _numpy_tree(tree: Any) -> Any:
    """Nested dicts of (JAX) arrays as NumPy arrays, which keep their dtype through pickling.

    The worker unpickles its arguments before keypoint-moseq switches JAX to 64-bit, and JAX
    arrays unpickled before that become 32-bit, which ``apply_model`` then refuses.
    """
    if isinstance(tree, dict):
        return {key: _numpy_tree(value) for key, value in tree.items()}
    return np.asarray(tree)


def _write(group: h5py.Group, recording: Recording) -> None:
    group.attrs["type"] = "dict"  # keypoint-moseq's load_hdf5 needs the pytree type
    for key, array in recording.items():
        group.create_dataset(key, data=np.asarray(array))


def _call_description(slot: int, call: int, pieces: pd.DataFrame) -> str:
    spans = [f"{r.name}[{r.start}:{r.stop}]" for r in pieces.itertuples()]
    frames = int((pieces["stop"] - pieces["start"]).sum())
    shown = ", ".join(spans[:4]) + (f" and {len(spans) - 4} more" if len(spans) > 4 else "")
    return f"apply_model_slot_{slot}: call {call} ({frames} frames of {shown})"


def run_slot(
    plan: pd.DataFrame,
    loaders: dict[str, Callable[[], Pose]],
    model: dict[str, Any],
    model_name: str,
    config: dict[str, Any],
    settings: InferenceSettings,
    slot: int,
    seg_length: int,
    n_rows: int,
) -> SpooledResults:
    """Run this slot's calls of ``plan``; return ``{video: recording}`` stitched from the pieces.

    Raises
    ------
    StallError
        If a call makes no progress for ``settings.stall_timeout_s`` (naming the call's videos).
    ValueError
        If a video lacks the model's keypoints.
    """
    mine = plan[(plan["slot"] == slot) & (plan["action"] == "apply")]
    spool = Path(tempfile.mkdtemp(prefix=f"kpms_slot_{slot}_"))
    pieces_path, results_path = spool / "pieces.h5", spool / "results.h5"
    calls = list(mine.groupby("call", sort=True))
    try:
        _apply_calls(
            calls, loaders, _numpy_tree(model), config, settings, slot, seg_length, n_rows, pieces_path
        )
        _stitch_pieces(mine, pieces_path, results_path)
    except BaseException:
        shutil.rmtree(spool, ignore_errors=True)
        raise
    pieces_path.unlink()
    return SpooledResults(results_path, {"model_name": model_name})


def _apply_calls(
    calls: list[tuple[Any, pd.DataFrame]],
    loaders: dict[str, Callable[[], Pose]],
    model: dict[str, Any],
    config: dict[str, Any],
    settings: InferenceSettings,
    slot: int,
    seg_length: int,
    n_rows: int,
    pieces_path: Path,
) -> None:
    """Run every call in the watchdog's worker; write each piece's results to ``pieces_path``."""
    use_bodyparts = list(config["use_bodyparts"])
    noise_seed = np.asarray(model["seed"]).ravel().tolist()
    with Watchdog(settings.stall_timeout_s) as watchdog, h5py.File(pieces_path, "w") as spooled:
        for call, pieces in tqdm(calls, desc=f"apply_model slot {slot}", unit="call"):
            started = time.perf_counter()
            inputs = []
            for name, group in pieces.groupby("name", sort=True):
                coordinates, confidences = select_keypoints(loaders[name](), name, use_bodyparts)
                for row in group.itertuples():
                    span = slice(row.start, row.stop + row.tail)
                    inputs.append(Piece(name, row.start, coordinates[span], confidences[span], row.tail))
            data, metadata = format_call(inputs, config, seg_length, n_rows, noise_seed)
            del inputs
            results = watchdog.call(
                apply_call.apply_model,
                model,
                data,
                metadata,
                config,
                settings.num_iters,
                settings.parallel_message_passing,
                settings.mixed_map_iters,
                what=_call_description(slot, int(call), pieces),
                hint=STALL_HINT,
            )
            lengths = {piece_key(r.name, r.start): r.stop - r.start for r in pieces.itertuples()}
            for key, recording in results.items():  # a piece's tail was context only
                _write(spooled.create_group(key), {k: v[: lengths[key]] for k, v in recording.items()})
            per_iteration = watchdog.seconds_per_beat()
            logger.info(
                "Slot %d call %d: %d piece(s), %d frames in %.1f s (%s s per iteration)",
                slot,
                call,
                len(pieces),
                int((pieces["stop"] - pieces["start"]).sum()),
                time.perf_counter() - started,
                "?" if per_iteration is None else f"{per_iteration:.1f}",
                extra={"seconds_per_iteration": per_iteration},
            )


def _stitch_pieces(mine: pd.DataFrame, pieces_path: Path, results_path: Path) -> None:
    """Write every video of ``mine``, stitched from its pieces, to ``results_path`` (one video in memory)."""
    with h5py.File(pieces_path, "r") as spooled, h5py.File(results_path, "w") as out:
        for name, group in mine.groupby("name", sort=True):
            parts = []
            for row in group.itertuples():
                stored = spooled[piece_key(name, row.start)]
                parts.append((row.start, row.stop, {key: stored[key][()] for key in stored}))
            _write(out.create_group(name), stitch(name, parts))

"""Wiring of kpms_inference: plan, one ``gpu`` node per inference slot, merge, index."""

from __future__ import annotations

from functools import partial, update_wrapper
from typing import Any

from kedro.pipeline import Pipeline, node

from unsupervised_aging.config_values import load_parameters
from unsupervised_aging.kpms.watchdog import WATCHED_TAG
from unsupervised_aging.pipelines.kpms_inference.nodes import (
    apply_model_to_slot,
    make_index,
    merge_results,
    plan_inference,
)

PARAMS = "params:kpms_inference"


def n_slots(parameters: dict[str, Any] | None = None) -> int:
    """Number of slot nodes, from ``kpms_inference.n_slots`` in the project's parameters.

    Raises
    ------
    ValueError
        If it is not a positive integer.
    """
    parameters = load_parameters() if parameters is None else parameters
    value = parameters["kpms_inference"]["n_slots"]
    if not isinstance(value, int) or value < 1:
        raise ValueError(
            f"kpms_inference.n_slots={value!r} must be a positive integer; fix parameters_kpms_inference.yml"
        )
    return value


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Build kpms_inference with ``n_slots`` independent ``gpu`` nodes (default: from the parameters).

    The calls are data, known only when the pipeline runs, so the fan-out is over slots:
    slot ``i`` runs, one ``apply_model`` call at a time, the calls of the videos the plan gives it
    (every piece of a video in one slot, which stitches them). Every input and output of a slot
    node is a persisted dataset, so the SLURM runner can run the slots as separate jobs.
    """
    slots = int(kwargs.get("n_slots") or n_slots())
    slot_outputs = [f"kpms_slot_results_{i}" for i in range(slots)]
    slot_nodes = [
        node(
            update_wrapper(partial(apply_model_to_slot, slot=i), apply_model_to_slot),
            inputs={
                "plan": "kpms_inference_plan",
                "poses": "poses",
                "selected_model": "kpms_selected_model",
                "config": "kpms_config",
                "params": PARAMS,
            },
            outputs=slot_outputs[i],
            name=f"apply_model_slot_{i}",
            tags=["gpu", WATCHED_TAG],
        )
        for i in range(slots)
    ]
    return Pipeline(
        [
            node(
                update_wrapper(partial(plan_inference, n_slots=slots), plan_inference),
                inputs={
                    "inference_batches": "inference_batches",
                    "poses": "poses",
                    "existing": "kpms_results_existing",
                    "selected_model": "kpms_selected_model",
                    "config": "kpms_config",
                    "params": PARAMS,
                },
                outputs="kpms_inference_plan",
                name="plan_kpms_inference",
            ),
            *slot_nodes,
            node(
                merge_results,
                [
                    "kpms_inference_plan",
                    "kpms_results_existing",
                    "kpms_selected_model",
                    "syllable_mapping",
                    *slot_outputs,
                ],
                "kpms_results",
                name="merge_kpms_results",
            ),
            node(
                make_index,
                ["kpms_inference_plan", "metadata", PARAMS],
                "kpms_index",
                name="make_kpms_index",
            ),
        ],
        tags=["kpms_inference"],
    )

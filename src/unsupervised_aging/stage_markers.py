"""Run markers: a stage's outputs are trusted by the next stage only if the stage's last run finished.

Kedro writes a node's outputs as it goes, so a run that fails (or is killed) halfway leaves some
outputs new and some old. :class:`StageMarkerHooks` records, per stage of
``pipeline_registry.STAGES``, ``{"status": "running"}`` in ``<stage>_run_marker`` before a run
writes any of the stage's outputs, and ``"complete"`` once every node of the stage in that run
has saved its outputs (``"failed"`` with the error otherwise; a stage that failed before saving
anything, e.g. on bad input, keeps its previous marker). A run that reads a stage's outputs
without running the stage (``kedro run --pipeline kpms_training``) stops at once, in one line,
when that stage's marker is not ``complete``. Hooks run in the driver, so this holds for the
SlurmRunner too; its GPU jobs' saves are not seen by the driver, so a failed run marks such a
stage failed (the safe side). A stage without any marker (outputs written before markers
existed) gets a warning. docs/architecture.md describes the partial-run design.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DatasetError
from kedro.pipeline import Node, Pipeline

logger = logging.getLogger(__name__)


class StaleStageError(RuntimeError):
    """The outputs of a stage whose last run did not finish."""


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class StageMarkerHooks:
    """Write each stage's run marker first and last; refuse inputs from an unfinished stage.

    Parameters
    ----------
    stages
        ``{stage: pipeline}``; by default the project's registered ``STAGES``.
    """

    def __init__(self, stages: Mapping[str, Pipeline] | None = None) -> None:
        self._stages = stages
        self._writing: dict[str, set[str]] = {}  # stage -> names of its nodes in this run
        self._unsaved: dict[str, set[str]] = {}  # node -> outputs not saved yet
        self._ran: set[str] = set()
        self._saved: set[str] = set()  # nodes that saved at least one persisted output
        self._persisted: set[str] = set()  # outputs of this run that are catalog entries (files)
        self._previous: dict[str, Any] = {}  # stage -> marker before this run (None: none)

    def _stage_pipelines(self) -> Mapping[str, Pipeline]:
        if self._stages is None:
            from kedro.framework.project import pipelines

            from unsupervised_aging.pipeline_registry import STAGES

            self._stages = {stage: pipelines[stage] for stage in STAGES}
        return self._stages

    @staticmethod
    def _marker(stage: str) -> str:
        return f"{stage}_run_marker"

    def _save(self, catalog: Any, stage: str, status: str, **extra: Any) -> None:
        if self._marker(stage) in catalog:
            catalog.save(self._marker(stage), {"stage": stage, "status": status, "at": _now(), **extra})

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any) -> None:
        inputs, nodes = pipeline.inputs(), {n.name for n in pipeline.nodes}
        self._persisted = {name for name in pipeline.all_outputs() if name in catalog}
        self._writing, self._unsaved, self._ran, self._saved, self._previous = {}, {}, set(), set(), {}
        for stage, stage_pipeline in self._stage_pipelines().items():
            used = sorted(inputs & stage_pipeline.all_outputs())
            if used and self._marker(stage) in catalog:
                self._check(catalog, stage, used)
            mine = nodes & {n.name for n in stage_pipeline.nodes}
            if mine:
                self._writing[stage] = mine
        for stage in self._writing:
            if self._marker(stage) in catalog and catalog.exists(self._marker(stage)):
                self._previous[stage] = catalog.load(self._marker(stage))
            self._save(catalog, stage, "running", run_id=run_params.get("run_id"))

    def _check(self, catalog: Any, stage: str, used: list[str]) -> None:
        try:
            marker = catalog.load(self._marker(stage))
        except DatasetError:
            logger.warning(
                "No record that %s finished a run (%s missing); using its outputs %s as they are",
                stage,
                self._marker(stage),
                used,
            )
            return
        if marker.get("status") != "complete":
            error = f": {marker['error']}" if marker.get("error") else ""
            raise StaleStageError(
                f"{stage}: its last run ({marker.get('status')} since {marker.get('at')}){error} did not "
                f"finish, so {used[:3]} may mix two runs; rerun `kedro run --pipeline {stage}` first"
            )

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        self._unsaved[node.name] = set(node.outputs)

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        self._ran.add(node.name)

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, node: Node) -> None:
        self._unsaved.get(node.name, set()).discard(dataset_name)
        if dataset_name in self._persisted:
            self._saved.add(node.name)

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], catalog: Any) -> None:
        for stage in self._writing:
            self._save(catalog, stage, "complete", run_id=run_params.get("run_id"))

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params: dict[str, Any], catalog: Any) -> None:
        done = {name for name in self._ran if not self._unsaved.get(name)}
        for stage, nodes in self._writing.items():
            if nodes <= done:
                self._save(catalog, stage, "complete", run_id=run_params.get("run_id"))
            elif not nodes & self._saved and stage in self._previous:  # failed before writing anything
                catalog.save(self._marker(stage), self._previous[stage])
            else:
                first_line = (str(error).splitlines() or [type(error).__name__])[0]
                self._save(catalog, stage, "failed", run_id=run_params.get("run_id"), error=first_line[:300])

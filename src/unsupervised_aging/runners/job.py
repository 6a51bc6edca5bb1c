"""What a SLURM job runs: one Kedro node, its datasets pickled from the driver's catalog.

submitit pickles :func:`run_node_job` with its :class:`NodeJob` and starts it in a fresh interpreter
with the driver's Python; no node name, dataset path or parameter value ever reaches the job script.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kedro.io import DataCatalog
from kedro.pipeline import Node

logger = logging.getLogger(__name__)


@dataclass
class NodeJob:
    """Everything a job needs to run one node the way the driver would.

    Attributes
    ----------
    node
        The node to run.
    datasets
        The driver's dataset objects for the node's inputs and outputs, keyed by name. They carry the
        driver's environment, runtime parameters, resolved paths and save version, so the job needs
        no configuration of its own; ``params:`` inputs are in-memory datasets holding their value.
    package_name
        The Kedro project's package (``configure_project`` in the job registers its hooks), or ``None``
        outside a project.
    run_id
        The driver's run (session) id, passed to node hooks.
    is_async
        Load and save with threads, as ``kedro run --async``.
    """

    node: Node
    datasets: dict[str, Any]
    package_name: str | None
    run_id: str | None
    is_async: bool = False


def run_node_job(job: NodeJob) -> str:
    """Run ``job.node``: load its inputs, call it, save its outputs, with the project's node hooks.

    Returns
    -------
    str
        The node's name.
    """
    from kedro.runner import Task

    from unsupervised_aging.runners.kedro_private import project_hook_manager

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hook_manager = project_hook_manager(job.package_name)
    catalog = DataCatalog(datasets=job.datasets)
    logger.info("Running node %s", job.node.name)
    Task(
        node=job.node, catalog=catalog, is_async=job.is_async, hook_manager=hook_manager, run_id=job.run_id
    ).execute()
    logger.info("Node %s done", job.node.name)
    return job.node.name

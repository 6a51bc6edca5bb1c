"""Project hooks: JAX's persistent compilation cache, the watchdog's worker and per-node wall times."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node, Pipeline

from unsupervised_aging.kpms import watchdog

logger = logging.getLogger(__name__)


def enable_jax_compilation_cache(cache_dir: str | Path) -> Path:
    """Point JAX's persistent compilation cache at ``cache_dir`` unless the user chose one.

    keypoint-moseq spends most of a small fit compiling (docs/architecture.md#facts: 54 s -> 21 s for the
    full-model step on a second run), so every process of the project, SLURM jobs included,
    shares one cache folder. An existing ``JAX_COMPILATION_CACHE_DIR`` wins.

    Parameters
    ----------
    cache_dir
        Folder for the cache; created if missing.

    Returns
    -------
    Path
        The cache folder in use.
    """
    path = Path(os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path(cache_dir).resolve())))
    path.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "1")
    if "jax" in sys.modules:  # already imported: environment variables are read at import only
        import jax

        jax.config.update("jax_compilation_cache_dir", str(path))
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    return path


class JaxCompilationCacheHooks:
    """Enable the persistent JAX compilation cache in ``<project>/.jax_cache``."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        enable_jax_compilation_cache(Path(context.project_path) / ".jax_cache")


#: Runners that run every node in the ``kedro run`` process, where a started worker gets used.
IN_PROCESS_RUNNERS = ("SequentialRunner", "ThreadRunner")


def runner_class(run_params: dict[str, Any]) -> str:
    """The runner's class name from Kedro's ``run_params["runner"]`` (the runner object as text)."""
    text = str(run_params.get("runner", ""))
    found = re.search(r"(\w+) object at", text)
    return found.group(1) if found else text


class KpmsWorkerHooks:
    """Start keypoint-moseq's watchdog worker when a run begins; stop idle workers when it ends.

    A run with watched nodes (``WATCHED_TAG``: kappa scan, fits, apply slots) under a runner that
    runs nodes in this process gets a worker that imports keypoint-moseq (~14 CPU s) while the first
    nodes run, and every watched node reuses it (``unsupervised_aging.kpms.watchdog``).
    """

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline) -> None:
        watched = [n.name for n in pipeline.nodes if watchdog.WATCHED_TAG in n.tags]
        if watched and runner_class(run_params) in IN_PROCESS_RUNNERS:
            logger.info("Starting keypoint-moseq's worker process for %d node(s)", len(watched))
            watchdog.prestart()

    @hook_impl
    def after_pipeline_run(self) -> None:
        watchdog.close_idle_workers()

    @hook_impl
    def on_pipeline_error(self) -> None:
        watchdog.close_idle_workers()


class NodeTimingHooks:
    """Log one line per node with the wall time of the node's function (loading and saving excluded).

    Nodes compute their results themselves (none returns lazy data for the catalog to compute while
    saving), so the time from ``before_node_run`` to ``after_node_run`` is the node's work.
    """

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        self._started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        started = self._started.pop(node.name, None)
        if started is not None:
            logger.info("Node '%s' took %.1f s", node.name, time.perf_counter() - started)

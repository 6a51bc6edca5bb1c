"""Project hooks: node wall times are the node's own; the JAX cache respects the user."""

import logging
import time
from pathlib import Path

import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import node

from unsupervised_aging.hooks import NodeTimingHooks, enable_jax_compilation_cache


def _slow_identity(x: int) -> int:
    time.sleep(0.3)
    return x


class _SlowSaveDataset(MemoryDataset):
    """A dataset whose saving takes a second: not the node's time."""

    def save(self, data: object) -> None:
        time.sleep(1.0)
        super().save(data)


def _took(messages: list[str], name: str) -> float:
    (line,) = [m for m in messages if m.startswith(f"Node '{name}' took")]
    return float(line.split("took ")[1].split(" s")[0])


def test_timing_hook_times_the_node_not_its_saving() -> None:
    """In a real run (Kedro's hook manager, its argument names): the node's 0.3 s, not the 1 s save."""
    from kedro.framework.hooks.manager import _create_hook_manager
    from kedro.pipeline import Pipeline
    from kedro.runner import SequentialRunner

    messages: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    hook_logger = logging.getLogger("unsupervised_aging.hooks")
    hook_logger.addHandler(handler)
    hook_logger.setLevel(logging.INFO)
    try:
        manager = _create_hook_manager()
        manager.register(NodeTimingHooks())
        catalog = DataCatalog({"a": MemoryDataset(1), "b": _SlowSaveDataset(), "c": MemoryDataset()})
        pipeline = Pipeline(
            [node(_slow_identity, "a", "b", name="slow"), node(lambda x: None, "b", None, name="sink")]
        )
        SequentialRunner().run(pipeline, catalog, manager)
    finally:
        hook_logger.removeHandler(handler)
    assert 0.3 <= _took(messages, "slow") < 1.0
    assert _took(messages, "sink") >= 0.0  # a node without outputs is timed too


def test_existing_jax_cache_dir_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "mine"))
    assert enable_jax_compilation_cache(tmp_path / "project_cache") == tmp_path / "mine"
    assert (tmp_path / "mine").is_dir() and not (tmp_path / "project_cache").exists()


def test_a_watched_run_in_this_process_starts_one_worker_and_ends_with_none_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kedro.pipeline import Pipeline
    from kedro.runner import ParallelRunner, SequentialRunner, ThreadRunner

    from unsupervised_aging.hooks import KpmsWorkerHooks, runner_class
    from unsupervised_aging.kpms import watchdog

    started: list[tuple[str, ...]] = []
    monkeypatch.setattr(watchdog, "prestart", lambda preload=("keypoint_moseq",): started.append(preload))
    watched = Pipeline([node(_slow_identity, "a", "b", name="fit", tags=[watchdog.WATCHED_TAG])])
    unwatched = Pipeline([node(_slow_identity, "a", "b", name="plot")])
    hooks = KpmsWorkerHooks()
    for runner, pipeline in [
        (SequentialRunner(), watched),
        (ThreadRunner(), watched),
        (ParallelRunner(), watched),  # nodes run in other processes
        (SequentialRunner(), unwatched),
    ]:
        hooks.before_pipeline_run({"runner": str(runner)}, pipeline)  # what Kedro passes
    assert runner_class({"runner": str(ThreadRunner())}) == "ThreadRunner"
    assert started == [("keypoint_moseq",)] * 2

    watchdog._idle.append(watchdog._Worker(("json",)))
    hooks.after_pipeline_run()
    assert watchdog._idle == []

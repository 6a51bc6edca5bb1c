"""Project hooks: node wall times include lazy outputs' saving; the JAX cache respects the user."""

import logging
import time
from pathlib import Path

import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import node

from unsupervised_aging.hooks import NodeTimingHooks, enable_jax_compilation_cache


def _identity(x: int) -> int:
    return x


def test_node_time_counts_until_last_output_is_saved(caplog: pytest.LogCaptureFixture) -> None:
    hooks = NodeTimingHooks()
    two_outputs = node(lambda x: (x, x), "a", ["b", "c"], name="lazy")
    caplog.set_level(logging.INFO, logger="unsupervised_aging.hooks")
    hooks.before_node_run(two_outputs)
    hooks.after_node_run(two_outputs)
    hooks.after_dataset_saved("b", two_outputs)
    assert "lazy" not in caplog.text  # one output still being saved (computed)
    time.sleep(0.2)
    hooks.after_dataset_saved("c", two_outputs)
    took = float(caplog.text.split("took ")[1].split(" s")[0])
    assert took >= 0.2


def test_node_without_outputs_is_timed_when_it_returns(caplog: pytest.LogCaptureFixture) -> None:
    hooks = NodeTimingHooks()
    sink = node(lambda x: None, "a", None, name="sink")
    caplog.set_level(logging.INFO, logger="unsupervised_aging.hooks")
    hooks.before_node_run(sink)
    hooks.after_node_run(sink)
    assert "Node 'sink' took" in caplog.text


def test_timing_hook_in_a_real_run() -> None:
    """Kedro's hook manager calls the hooks with the argument names they declare."""
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
        catalog = DataCatalog({"a": MemoryDataset(1), "b": MemoryDataset()})
        SequentialRunner().run(Pipeline([node(_identity, "a", "b", name="ident")]), catalog, manager)
    finally:
        hook_logger.removeHandler(handler)
    assert any(m.startswith("Node 'ident' took") for m in messages)


def test_existing_jax_cache_dir_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "mine"))
    assert enable_jax_compilation_cache(tmp_path / "project_cache") == tmp_path / "mine"
    assert (tmp_path / "mine").is_dir() and not (tmp_path / "project_cache").exists()

"""The private Kedro APIs of runners/kedro_private.py still behave as the project assumes.

Fails on a Kedro upgrade on purpose: re-check every use in that module, then update its
REVIEWED_KEDRO_VERSION.
"""

from __future__ import annotations

import logging

import kedro
from kedro.io import CachedDataset, DataCatalog, MemoryDataset
from kedro.pipeline import node
from kedro.runner import Task
from kedro_datasets.pickle import PickleDataset

from tests.runners import toy_nodes
from unsupervised_aging.hooks import NodeTimingHooks
from unsupervised_aging.runners.kedro_private import (
    REVIEWED_KEDRO_VERSION,
    is_ephemeral,
    project_hook_manager,
)


def test_kedro_is_the_version_whose_private_apis_were_reviewed():
    assert kedro.__version__ == REVIEWED_KEDRO_VERSION, (
        f"Kedro {kedro.__version__}: re-check src/unsupervised_aging/runners/kedro_private.py, then update "
        "REVIEWED_KEDRO_VERSION"
    )


def test_memory_datasets_are_ephemeral_and_files_are_not(tmp_path):
    assert is_ephemeral(MemoryDataset(1)) and is_ephemeral(CachedDataset(PickleDataset(filepath="x.pkl")))
    assert not is_ephemeral(PickleDataset(filepath=str(tmp_path / "x.pkl")))
    assert is_ephemeral(object())


def test_project_hook_manager_registers_the_projects_node_hooks():
    manager = project_hook_manager("unsupervised_aging")
    assert any(isinstance(plugin, NodeTimingHooks) for plugin in manager.get_plugins())
    messages: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    hook_logger = logging.getLogger("unsupervised_aging.hooks")  # configure_project replaced logging
    hook_logger.addHandler(handler)
    hook_logger.setLevel(logging.INFO)
    try:
        catalog = DataCatalog({"a": MemoryDataset(2), "b": MemoryDataset()})
        Task(
            node(toy_nodes.echo, "a", "b", name="echo"), catalog, is_async=False, hook_manager=manager
        ).execute()
    finally:
        hook_logger.removeHandler(handler)
    assert catalog.load("b") == 2 and any(m.startswith("Node 'echo' took") for m in messages)
    assert project_hook_manager(None).get_plugins() == set()

"""Wiring: one independent gpu node per seed, every gpu input/output a persisted catalog entry."""

from __future__ import annotations

import yaml
from kedro.io import DataCatalog, MemoryDataset

from tests.pipelines.kpms_training.conftest import PROJECT_ROOT
from unsupervised_aging.pipelines.kpms_training import create_pipeline
from unsupervised_aging.pipelines.kpms_training.pipeline import model_seeds


def test_one_independent_gpu_fit_per_seed():
    pipeline = create_pipeline()
    seeds = model_seeds()
    fits = [n for n in pipeline.nodes if n.name.startswith("fit_kpms_model_seed")]
    assert sorted(n.name for n in fits) == sorted(f"fit_kpms_model_seed{s}" for s in seeds)
    assert all("gpu" in n.tags for n in fits)
    outputs = {o for n in fits for o in n.outputs}
    assert not any(set(n.inputs) & outputs for n in fits)  # no fit waits for another


def test_gpu_nodes_read_and_write_persisted_entries():
    config = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_kpms_training.yml").read_text())
    catalog = DataCatalog.from_config(config)
    shared = {"poses", "training_set"}  # preprocessing's entries
    for node in create_pipeline().only_nodes_with_tags("gpu").nodes:
        for name in set(node.inputs) | set(node.outputs):
            if name.startswith("params:") or name in shared:
                continue
            dataset = catalog.get(name)
            assert dataset is not None and not isinstance(dataset, MemoryDataset), f"{node.name}: {name}"

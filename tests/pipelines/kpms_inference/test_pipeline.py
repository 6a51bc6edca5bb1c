"""The kpms_inference pipeline on real files: keypoint-moseq reads the output, reruns are incremental."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner

from unsupervised_aging.datasets import PoseDataset
from unsupervised_aging.pipelines.kpms_inference import create_pipeline

from .conftest import video_table

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _catalog(root: Path, inputs: dict[str, Any]) -> DataCatalog:
    """The project's kpms_inference catalog under ``root``, plus upstream entries."""
    config = yaml.safe_load((PROJECT_ROOT / "conf" / "base" / "catalog_kpms_inference.yml").read_text())
    for entry in config.values():
        entry["filepath"] = str(root / entry["filepath"])
    config["poses"] = {
        "type": "partitions.PartitionedDataset",
        "path": str(root / "data/03_primary/poses"),
        "dataset": {"type": "unsupervised_aging.datasets.PoseDataset"},
        "filename_suffix": ".h5",
    }
    catalog = DataCatalog.from_config(config)
    for name, value in inputs.items():
        catalog[name] = value
    return catalog


def _run(root: Path, **inputs: Any) -> pd.DataFrame:
    """Run the pipeline with two slots; return the plan it made."""
    catalog = _catalog(root, inputs)
    SequentialRunner().run(create_pipeline(n_slots=2), catalog)
    return catalog.load("kpms_inference_plan")


def _names_in(path: Path) -> list[str]:
    with h5py.File(path, "r") as f:
        return sorted(f)


@pytest.mark.slow
def test_pipeline_writes_kpms_results_incrementally_and_atomically(tmp_path, cohort, tiny_model, params):
    import keypoint_moseq as kpms

    poses, metadata = cohort
    selected, config = tiny_model
    for name, pose in poses.items():
        PoseDataset(str(tmp_path / "data/03_primary/poses" / f"{name}.h5")).save(pose)
    names = sorted(poses)
    halves = pd.DataFrame({"syllable": range(8), "metasyllable": [s // 2 for s in range(8)]})
    inputs = {
        "metadata": metadata,
        "kpms_selected_model": selected,
        "kpms_config": config,
        "syllable_mapping": halves,
        "params:kpms_inference": params,
    }
    kpms_dir = tmp_path / "data/07_model_output/kpms"
    results_path = kpms_dir / "results.h5"

    # First run: 6 videos in 2 batches of 3, one batch per slot.
    plan = _run(tmp_path, inference_batches=video_table(names[:6]), **inputs)
    assert plan["action"].eq("apply").all()
    results = kpms.load_results(path=str(results_path))
    assert sorted(results) == names[:6]
    for name in names[:6]:
        assert results[name]["syllable"].shape == (200,)
        assert results[name]["latent_state"].shape == (200, 2)
        assert results[name]["centroid"].shape == (200, 2)
        assert (results[name]["metasyllable"] == results[name]["syllable"] // 2).all()
    moseq_df = kpms.compute_moseq_df(str(kpms_dir), "tiny", results_dict=results, fps=30)
    assert len(moseq_df) == 6 * 200
    assert set(moseq_df["group"]) <= {"F", "M"}
    with h5py.File(results_path, "r") as f:
        assert f.attrs["model_name"] == "tiny"

    # Two new videos: only they are computed (batch 2 -> slot 0); the six others are reused as they were.
    plan = _run(tmp_path, inference_batches=video_table(names), **inputs)
    assert sorted(plan.loc[plan["action"] == "apply", "name"]) == names[6:]
    assert _names_in(kpms_dir / "slots/slot_0.h5") == names[6:]
    assert _names_in(kpms_dir / "slots/slot_1.h5") == []
    rerun = kpms.load_results(path=str(results_path))
    assert sorted(rerun) == names
    for name in names[:6]:
        assert (rerun[name]["latent_state"] == results[name]["latent_state"]).all()

    # A merge that fails (a mapping of another model) leaves the results file untouched.
    before = results_path.read_bytes()
    with pytest.raises(ValueError, match="no row in syllable_mapping"):
        _run(tmp_path, inference_batches=video_table(names), **{**inputs, "syllable_mapping": halves[:2]})
    assert results_path.read_bytes() == before
    assert sorted(p.name for p in kpms_dir.iterdir()) == ["index.csv", "results.h5", "slots"]

    # Another model recomputes every video.
    plan = _run(
        tmp_path,
        inference_batches=video_table(names),
        **{**inputs, "kpms_selected_model": {**selected, "model_name": "tiny_v2"}},
    )
    assert plan["action"].eq("apply").all()
    with h5py.File(results_path, "r") as f:
        assert f.attrs["model_name"] == "tiny_v2"
        assert sorted(f) == names

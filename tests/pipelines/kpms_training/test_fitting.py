"""Real (tiny) keypoint-moseq fits through the nodes and the catalog's datasets."""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from unsupervised_aging.datasets.kpms_checkpoint import (
    KpmsCheckpoint,
    KpmsCheckpointDataset,
    KpmsConfigDataset,
    KpmsFitWorkspaceDataset,
    KpmsModelDataset,
    KpmsPcaDataset,
)
from unsupervised_aging.pipelines.kpms_training.merging import build_syllable_mapping
from unsupervised_aging.pipelines.kpms_training.nodes import (
    build_kpms_config,
    calibrate_kappa,
    compare_models,
    fit_kpms_model,
    fit_pca,
)
from unsupervised_aging.pipelines.kpms_training.plots import (
    plot_fit_progress,
    plot_kappa_scan,
    plot_model_comparison,
)

pytestmark = pytest.mark.slow


def _inputs(cohort, params_fixture):
    poses = {name: (lambda p=pose: p) for name, pose in cohort[0].items()}
    metadata = cohort[1]
    training_set = metadata[["name", "mouse_id", "age"]].iloc[:3].reset_index(drop=True)
    return poses, metadata, training_set


@pytest.fixture(scope="module")
def project(tmp_path_factory, cohort):
    """All nodes once, outputs written through the catalog's datasets into a kpms project folder."""
    import yaml

    from tests.pipelines.kpms_training.conftest import PROJECT_ROOT

    with open(PROJECT_ROOT / "conf" / "base" / "parameters_kpms_training.yml") as f:
        base = yaml.safe_load(f)["kpms_training"]
    params = {
        **base,
        "num_states": 15,
        "latent_dim": 4,
        "kappa_scan": {"values": [1.0e3, 1.0e6], "num_iters": 2, "refine_steps": 1, "seed": 0},
        "ar_iters": 2,
        "full_iters": 2,
        "save_every_n_iters": 1,
    }
    poses, metadata, training_set = _inputs(cohort, params)
    root = tmp_path_factory.mktemp("kpms")
    project_dir = root / "kpms_project"

    draft = build_kpms_config(poses, metadata, training_set, params)
    pca, config_pca, variance = fit_pca(poses, training_set, draft, params)
    scan, config = calibrate_kappa(poses, training_set, config_pca, pca, params)
    KpmsConfigDataset(str(project_dir / "config.yml")).save(config)
    KpmsPcaDataset(str(project_dir / "pca.p")).save(pca)
    checkpoints, histories = [], []
    for seed in (0, 1):
        workspace = KpmsFitWorkspaceDataset(
            str(root / "fitting" / f"model_seed{seed}" / "checkpoint.h5")
        ).load()
        checkpoint, history = fit_kpms_model(
            poses, training_set, config, pca, scan, workspace, params, seed=seed
        )
        target = KpmsCheckpointDataset(str(project_dir / f"model_seed{seed}" / "checkpoint.h5"))
        target.save(checkpoint)
        checkpoints.append(target.load())
        histories.append(history)
    comparison, selected = compare_models(*checkpoints)
    KpmsModelDataset(str(project_dir / "selected_model.h5")).save(selected)
    mapping = build_syllable_mapping(comparison, poses, config, pd.DataFrame(), params, *checkpoints)
    return {
        "params": params,
        "inputs": (poses, metadata, training_set),
        "project_dir": project_dir,
        "root": root,
        "variance": variance,
        "scan": scan,
        "config": config,
        "pca": pca,
        "checkpoints": checkpoints,
        "histories": histories,
        "comparison": comparison,
        "mapping": mapping,
    }


def test_artefacts_load_with_keypoint_moseq(project):
    import keypoint_moseq as kpms

    project_dir = str(project["project_dir"])
    config = kpms.load_config(project_dir)
    assert config["use_bodyparts"] == project["params"]["use_bodyparts"]
    assert config["ar_hypparams"]["latent_dim"] == 4
    assert config["trans_hypparams"]["kappa"] == pytest.approx(project["config"]["trans_hypparams"]["kappa"])
    pca = kpms.load_pca(project_dir)
    np.testing.assert_allclose(pca.components_, project["pca"].components_)
    total = project["params"]["ar_iters"] + project["params"]["full_iters"]
    for seed in (0, 1):
        model, _data, metadata, iteration = kpms.load_checkpoint(project_dir, f"model_seed{seed}")
        assert iteration == total
        assert model["states"]["x"].shape[-1] == 4
        assert sorted(set(metadata[0])) == sorted(project["inputs"][2]["name"])
    loaded = KpmsModelDataset(str(project["project_dir"] / "selected_model.h5")).load()
    assert loaded["model_name"] == project["comparison"]["selected"]
    final, _, _, _ = kpms.load_checkpoint(project_dir, loaded["model_name"])
    np.testing.assert_array_equal(loaded["model"]["states"]["z"], final["states"]["z"])
    assert KpmsConfigDataset(str(project["project_dir"] / "config.yml")).load()["fps"] == 30.0


def test_pca_variance_and_latent_dim(project):
    variance = project["variance"]
    assert variance["cumulative"].is_monotonic_increasing
    assert variance.loc[variance["selected"], "n_components"].tolist() == [4]


def test_kappa_scan_picks_duration_closest_to_target(project):
    scan = project["scan"]
    assert len(scan) >= 2 and scan["selected"].sum() == 1
    best = scan.loc[scan["selected"]].iloc[0]
    assert abs(best["log_ratio"]) == pytest.approx(scan["log_ratio"].abs().min())
    ratio = project["params"]["full_kappa_ratio"]
    assert project["config"]["trans_hypparams"]["kappa"] == pytest.approx(best["kappa"] / ratio)
    plot_kappa_scan(scan)


def test_history_and_comparison(project):
    total = project["params"]["ar_iters"] + project["params"]["full_iters"]
    for history in project["histories"]:
        assert history["iteration"].tolist() == list(range(total + 1))
        assert set(history["phase"]) == {"ar", "full"}
        assert np.isfinite(history["log_likelihood"]).all()
        plot_fit_progress(history)
    comparison = project["comparison"]
    scores = [m["score"] for m in comparison["models"]]
    assert all(np.isfinite(scores))
    assert comparison["selected"] == comparison["models"][int(np.argmax(scores))]["model_name"]
    plot_model_comparison(comparison)


def test_syllables_reindexed_and_identity_mapping(project):
    import keypoint_moseq as kpms

    model, data, _, _ = kpms.load_checkpoint(str(project["project_dir"]), project["comparison"]["selected"])
    frequencies = kpms.get_frequencies(model["states"]["z"], data["mask"], num_states=15)
    assert frequencies[0] == frequencies.max()
    mapping = project["mapping"]
    assert mapping["syllable"].tolist() == list(range(15))
    assert (mapping["syllable"] == mapping["metasyllable"]).all()


def test_merging_groups_similar_syllables(project):
    poses, _, _ = project["inputs"]
    params = {**project["params"], "merge": {"enabled": True, "distance_threshold": 2.0, "metric": "cosine"}}
    overrides = pd.DataFrame({"syllable": [0, 1], "group": ["a", "a"]})
    mapping = build_syllable_mapping(
        project["comparison"], poses, project["config"], overrides, params, *project["checkpoints"]
    )
    assert mapping["syllable"].tolist() == list(range(15))
    assert mapping.loc[0, "metasyllable"] == mapping.loc[1, "metasyllable"]
    assert mapping["metasyllable"].nunique() < 15


def test_interrupted_fit_resumes_from_last_snapshot(project, caplog):
    poses, _, training_set = project["inputs"]
    params = project["params"]
    total = params["ar_iters"] + params["full_iters"]
    path = project["root"] / "resume" / "model_seed0" / "checkpoint.h5"
    workspace = KpmsCheckpoint(path)
    path.parent.mkdir(parents=True)
    fit_kpms_model(
        poses, training_set, project["config"], project["pca"], project["scan"], workspace, params, seed=0
    )
    crash_after = params["ar_iters"] + 1
    with h5py.File(path, "a") as f:  # the file as a crash after iteration `crash_after` leaves it
        for key in list(f["model_snapshots"]):
            if int(key) > crash_after:
                del f["model_snapshots"][key]
        f.attrs["marker"] = "written before the crash"
        kept = f[f"model_snapshots/{crash_after}/states/x"][()]
    with caplog.at_level(logging.INFO, logger="unsupervised_aging"):
        checkpoint, _history = fit_kpms_model(
            poses, training_set, project["config"], project["pca"], project["scan"], workspace, params, seed=0
        )
    assert f"resuming from snapshot {crash_after}" in caplog.text
    assert checkpoint.iterations() == list(range(total + 1))
    assert checkpoint.attrs()["marker"] == "written before the crash"  # same file, continued
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f[f"model_snapshots/{crash_after}/states/x"][()], kept)
    # Changed settings (another seed) restart instead of resuming a foreign fit.
    other = {**params, "ar_iters": params["ar_iters"] + 1}
    fit_kpms_model(
        poses, training_set, project["config"], project["pca"], project["scan"], workspace, other, seed=0
    )
    assert "marker" not in KpmsCheckpoint(path).attrs()


def test_checkpoint_dataset_refuses_missing(tmp_path):
    from kedro.io import DatasetError

    with pytest.raises(DatasetError, match="no keypoint-moseq checkpoint"):
        KpmsCheckpointDataset(str(tmp_path / "m" / "checkpoint.h5")).load()
    assert isinstance(KpmsFitWorkspaceDataset(str(tmp_path / "w" / "checkpoint.h5")).load(), KpmsCheckpoint)
    assert Path(tmp_path / "w").is_dir()

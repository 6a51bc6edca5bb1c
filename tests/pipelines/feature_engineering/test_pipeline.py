"""The feature_engineering pipeline end to end, with the project's catalog entries and parameters."""

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from unsupervised_aging.datasets import KpmsResultsDataset
from unsupervised_aging.pipelines.feature_engineering.pipeline import create_pipeline

CONF = Path(__file__).resolve().parents[3] / "conf" / "base"


def build_catalog(tmp_path, recordings, metadata: pd.DataFrame) -> DataCatalog:
    """Our catalog entries re-rooted in ``tmp_path``, plus the inputs other pipelines write."""
    config = yaml.safe_load((CONF / "catalog_feature_engineering.yml").read_text())
    for entry in config.values():
        entry["filepath"] = str(tmp_path / entry["filepath"])
    catalog = DataCatalog.from_config(config)
    results = KpmsResultsDataset(str(tmp_path / "results.h5"))
    results.save(recordings)
    catalog["kpms_results"] = results
    catalog["metadata"] = MemoryDataset(metadata)
    catalog["training_set"] = MemoryDataset(metadata.iloc[:4][["name", "mouse_id", "age"]])
    catalog["syllable_mapping"] = MemoryDataset(
        pd.DataFrame({"syllable": range(14), "metasyllable": np.arange(14) // 2})
    )
    parameters = yaml.safe_load((CONF / "parameters_feature_engineering.yml").read_text())
    catalog["params:feature_engineering"] = MemoryDataset(parameters["feature_engineering"])
    return catalog


def test_pipeline_writes_one_row_of_features_per_video(tmp_path, recordings):
    names = list(recordings)
    metadata = pd.DataFrame(
        {
            "name": [*names, "no results"],
            "mouse_id": ["a", "a", "b", "c", "d", "e", "f"],
            "age": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
            "sex": ["F", "F", "M", "M", "F", "M", "M"],
            "fps": 30.0,
            "cm_per_pixel": 0.05,
            "n_frames": [len(r["syllable"]) for r in recordings.values()] + [100],
        }
    )
    catalog = build_catalog(tmp_path, recordings, metadata)
    SequentialRunner().run(create_pipeline(), catalog)

    features = pd.read_csv(tmp_path / "data/04_feature/features.csv")
    assert features["name"].tolist() == names  # the video without results is logged, not invented
    assert list(features.columns[:4]) == ["name", "mouse_id", "age", "sex"]
    vocabulary = catalog.load("feature_vocabulary")
    for syllable in vocabulary["syllables"]:
        for stem in (
            "usage",
            "bout_usage",
            "dur_mean",
            "dur_median",
            "dur_cv",
            "speed_mean_cm",
            "angvel_abs_mean",
        ):
            assert f"{stem}_s{syllable:02d}" in features.columns
    assert vocabulary["merged"] and any(c.startswith("usage_m") for c in features.columns)
    assert any(c.startswith("trans_s") for c in features.columns)
    for meta in vocabulary["metasyllables"]:  # metasyllable m merges syllables 2m and 2m + 1
        expected = [np.isin(r["syllable"], [2 * meta, 2 * meta + 1]).mean() for r in recordings.values()]
        np.testing.assert_allclose(features[f"usage_m{meta:02d}"], expected)
    usage = features.filter(regex=r"^usage_s\d+$")
    assert (usage.sum(axis=1) <= 1 + 1e-9).all() and (usage.sum(axis=1) > 0.9).all()
    state_usage = features.filter(regex=r"^state_usage_\d+$")
    np.testing.assert_allclose(state_usage.sum(axis=1), 1.0)
    for column in (
        "transition_entropy",
        "sequence_entropy",
        "speed_mean_cm",
        "distance_total_cm",
        "mi_timescale_s",
    ):
        assert features[column].notna().all() and (features[column] > 0).all()
    # distance in cm: path length of the centroid times cm per pixel
    first = recordings[names[0]]["centroid"]
    expected = np.hypot(*np.diff(first, axis=0).T).sum() * 0.05
    assert np.isclose(features.loc[0, "distance_total_cm"], expected)

    curves = pd.read_csv(tmp_path / "data/08_reporting/mutual_information_curves.csv")
    assert set(curves["name"]) == set(names) and curves["mi_bits"].notna().any()
    assert (tmp_path / "data/08_reporting/mutual_information.png").stat().st_size > 0
    with open(tmp_path / "data/06_models/behavioural_state_model.pkl", "rb") as f:
        state_model = pickle.load(f)
    assert np.asarray(state_model["emissions"]).shape == (4, vocabulary["n_syllables"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.drop(columns="fps"), "metadata: column 'fps' is missing"),
        (lambda m: pd.concat([m, m.iloc[:1]]), r"metadata: videos \['m1 day1'\] have several rows"),
    ],
)
def test_bad_metadata_is_a_clear_error(tmp_path, recordings, change, message):
    metadata = change(pd.DataFrame({"name": list(recordings), "mouse_id": "a", "age": 1.0, "fps": 30.0}))
    catalog = build_catalog(tmp_path, recordings, metadata)
    with pytest.raises(ValueError, match=message):
        SequentialRunner().run(create_pipeline(), catalog)
    assert not (tmp_path / "data/04_feature/features.csv").exists()

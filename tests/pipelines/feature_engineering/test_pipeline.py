"""The feature_engineering pipeline end to end, with the project's catalog entries and parameters."""

import logging
import pickle

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from unsupervised_aging.datasets import KpmsResultsDataset
from unsupervised_aging.pipelines.feature_engineering.catalogue import FAMILIES
from unsupervised_aging.pipelines.feature_engineering.pipeline import create_pipeline

from .conftest import CONF, yaml_parameters


def build_catalog(tmp_path, recordings, metadata: pd.DataFrame) -> DataCatalog:
    """Our catalog entries re-rooted in ``tmp_path``, plus the inputs other pipelines write."""
    config = yaml.safe_load((CONF / "catalog_feature_engineering.yml").read_text())
    for entry in config.values():  # the supervised table is where the README says, under tmp_path
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
    catalog["params:feature_engineering"] = MemoryDataset(yaml_parameters())
    return catalog


def test_pipeline_writes_one_row_of_features_per_video(tmp_path, recordings, caplog):
    names = list(recordings)
    supervised = pd.DataFrame(  # a lab's own table: one video missing, one unknown name, a text column
        {
            "name": [*names[1:], "not a video"],
            "gait_stride_cm": np.arange(len(names), dtype=float),
            "rearing_count": 1.0,
            "notes": "ok",
            "age": 99.0,  # a target: must never become a feature
        }
    )
    (tmp_path / "data/01_raw").mkdir(parents=True)
    supervised.to_csv(tmp_path / "data/01_raw/supervised_features.csv", index=False)
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
    with caplog.at_level(logging.WARNING):
        SequentialRunner().run(create_pipeline(), catalog)

    features = pd.read_csv(tmp_path / "data/04_feature/features.csv")
    # the supervised table: prefixed, joined by name, NaN for the video it lacks; problems named
    assert features["sup_gait_stride_cm"].tolist()[1:] == list(range(len(names) - 1))
    assert np.isnan(features.loc[0, "sup_gait_stride_cm"])
    assert not {"sup_notes", "sup_age"} & set(features.columns)
    warnings = caplog.text
    for named in ("'not a video'", f"'{names[0]}'", "['notes']", "['age']"):
        assert named in warnings
    # latent statistics: numpy over the recording's frames
    latent = recordings[names[2]]["latent_state"].astype(float)
    np.testing.assert_allclose(features.loc[2, "latent_median_03"], np.median(latent[:, 3]))
    # the catalogue describes every column, in order
    catalogue = pd.read_csv(tmp_path / "data/04_feature/feature_catalogue.csv", keep_default_na=False)
    assert catalogue["column"].tolist() == features.columns.tolist()
    assert set(catalogue["family"]) <= set(FAMILIES) and (catalogue["description"] != "").all()
    family = catalogue.set_index("column")["family"]
    assert family["name"] == "metadata" and family["age"] == "metadata"
    assert family["sup_gait_stride_cm"] == "supervised" and family["latent_std_00"] == "latent"
    assert family["trans_s00_s01"] == "transitions" and family["usage_m01"] == "syllable_usage"
    assert catalogue.set_index("column").loc["speed_mean_cm_s00", "unit"] == "cm/s"
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
    for column in ("transition_entropy", "sequence_entropy", "speed_mean_cm", "mi_timescale_s"):
        assert features[column].notna().all() and (features[column] > 0).all()
    assert not features.columns.str.startswith("distance").any()  # a total grows with length
    # mean speed in cm/s: path length of the centroid times cm per pixel, per second
    first = recordings[names[0]]["centroid"]
    expected = np.hypot(*np.diff(first, axis=0).T).sum() * 0.05 / ((len(first) - 1) / 30.0)
    assert np.isclose(features.loc[0, "speed_mean_cm"], expected)

    curves = pd.read_csv(tmp_path / "data/08_reporting/mutual_information_curves.csv")
    assert set(curves["name"]) == set(names) and curves["mi_bits"].notna().any()
    assert (tmp_path / "data/08_reporting/mutual_information.png").stat().st_size > 0
    with open(tmp_path / "data/06_models/behavioural_state_model.pkl", "rb") as f:
        state_model = pickle.load(f)
    assert np.asarray(state_model["emissions"]).shape == (4, vocabulary["n_syllables"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.drop(columns="fps"), r"metadata: missing column\(s\) \['fps'\]"),
        (lambda m: m.assign(fps=0.0), "metadata: column 'fps' must be a positive number"),
        (lambda m: pd.concat([m, m.iloc[:1]]), r"metadata: videos \['m1 day1'\] have several rows"),
    ],
)
def test_bad_metadata_is_a_clear_error(tmp_path, recordings, change, message):
    metadata = change(pd.DataFrame({"name": list(recordings), "mouse_id": "a", "age": 1.0, "fps": 30.0}))
    catalog = build_catalog(tmp_path, recordings, metadata)
    with pytest.raises(ValueError, match=message):
        SequentialRunner().run(create_pipeline(), catalog)
    assert not (tmp_path / "data/04_feature/features.csv").exists()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"name": ["m3", "m3"], "x": [1, 2]}, r"supervised_features: videos \['m3'\] have several rows"),
        (
            {"name": ["m3", "m4"], "x": [1, "about 3"]},
            "supervised_features: column 'x' is numeric but holds 'about 3'",
        ),
        ({"video": ["m3"], "x": [1]}, r"supervised_features: missing column\(s\) \['name'\]"),
    ],
)
def test_bad_supervised_table_is_a_clear_error(tmp_path, recordings, table, message):
    metadata = pd.DataFrame({"name": list(recordings), "mouse_id": "a", "age": 1.0, "fps": 30.0})
    (tmp_path / "data/01_raw").mkdir(parents=True)
    pd.DataFrame(table).to_csv(tmp_path / "data/01_raw/supervised_features.csv", index=False)
    catalog = build_catalog(tmp_path, recordings, metadata)
    with pytest.raises(ValueError, match=message):
        SequentialRunner().run(create_pipeline(), catalog)
    assert not (tmp_path / "data/04_feature/features.csv").exists()


def test_a_missing_parameter_is_a_clear_error(tmp_path, recordings):
    metadata = pd.DataFrame({"name": list(recordings), "mouse_id": "a", "age": 1.0, "fps": 30.0})
    catalog = build_catalog(tmp_path, recordings, metadata)
    parameters = yaml_parameters()
    del parameters["mutual_information"]["n_surrogates"]
    catalog["params:feature_engineering"] = MemoryDataset(parameters)
    with pytest.raises(
        ValueError, match=r"feature_engineering.mutual_information: missing key\(s\) \[.n_surrogates.\]"
    ):
        SequentialRunner().run(create_pipeline(), catalog)

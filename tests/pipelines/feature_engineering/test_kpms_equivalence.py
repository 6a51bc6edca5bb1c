"""Our usage, durations, transitions and speeds equal keypoint-moseq 0.8's on the same results file."""

import numpy as np
import pandas as pd
import pytest

from unsupervised_aging.datasets import KpmsResultsDataset
from unsupervised_aging.pipelines.feature_engineering import nodes
from unsupervised_aging.pipelines.feature_engineering.sequences import run_length_encode

from .conftest import yaml_parameters

FPS = 30.0
PARAMETERS = yaml_parameters(min_bigram_frequency=0.0)  # a column for every bigram of included syllables


@pytest.fixture
def project(tmp_path, recordings):
    """A keypoint-moseq project folder whose results.h5 we write with our dataset; one group per video."""
    KpmsResultsDataset(str(tmp_path / "model" / "results.h5")).save(recordings)
    pd.DataFrame({"name": list(recordings), "group": list(recordings)}).to_csv(
        tmp_path / "index.csv", index=False
    )
    return tmp_path


def our_features(results, normalize: str) -> tuple[dict, pd.DataFrame]:
    names = list(results)
    metadata = pd.DataFrame({"name": names, "fps": FPS})
    identity = pd.DataFrame({"syllable": range(14), "metasyllable": range(14)})
    vocabulary = nodes.select_vocabulary(results, metadata, identity, PARAMETERS)
    state_model = {  # a one-state model: states are not under test here
        "initial": np.ones(1),
        "transitions": np.ones((1, 1)),
        "emissions": np.full((1, 14), 1 / 14),
        "window_s": 1.0,
        "chunk_length": 60,
    }
    features, _ = nodes.extract_video_features(
        results, metadata, vocabulary, state_model, {**PARAMETERS, "transition_normalize": normalize}
    )
    return vocabulary, features.set_index("name")


def test_usage_durations_and_speed_equal_keypoint_moseq(project, recordings):
    kpms_analysis = pytest.importorskip("keypoint_moseq.analysis")
    results = KpmsResultsDataset(str(project / "model" / "results.h5")).load()
    vocabulary, ours = our_features(results, "bigram")

    moseq_df = kpms_analysis.compute_moseq_df(str(project), "model", fps=FPS, smooth_heading=False)
    stats = kpms_analysis.compute_stats_df(moseq_df, min_frequency=PARAMETERS["min_frequency"])
    assert sorted(stats["syllable"].unique()) == vocabulary["syllables"]
    assert len(vocabulary["syllables"]) < 14  # the rarest syllables are left out, as keypoint-moseq does

    for row in stats.itertuples():
        name, tag = row.name, f"s{row.syllable:02d}"
        assert ours.loc[name, f"bout_usage_{tag}"] == pytest.approx(row.frequency, abs=1e-12)
        assert ours.loc[name, f"dur_mean_{tag}"] == pytest.approx(row.duration, abs=1e-12)
        if row.syllable != recordings[name]["syllable"][0]:  # keypoint-moseq gives frame 0 speed 0
            assert ours.loc[name, f"speed_mean_px_{tag}"] == pytest.approx(row.velocity_px_s_mean, rel=1e-9)
    # keypoint-moseq has no row where a video lacks a syllable: we give usage 0 and duration NaN
    present = stats.set_index(["name", "syllable"]).index
    for name in recordings:
        for syllable in vocabulary["syllables"]:
            if (name, syllable) not in present:
                assert ours.loc[name, f"usage_s{syllable:02d}"] == 0
                assert np.isnan(ours.loc[name, f"dur_mean_s{syllable:02d}"])


@pytest.mark.parametrize("normalize", ["bigram", "rows"])
def test_transitions_equal_keypoint_moseq(project, recordings, normalize):
    kpms_analysis = pytest.importorskip("keypoint_moseq.analysis")
    matrices, _, groups, include = kpms_analysis.generate_transition_matrices(
        str(project), "model", normalize=normalize, min_frequency=PARAMETERS["min_frequency"]
    )
    # keypoint-moseq's get_transitions drops each recording's first bout; we count it, so compare
    # with our features of the recordings less their first bout
    trimmed = {}
    for name, record in recordings.items():
        start = run_length_encode(record["syllable"]).starts[1]
        trimmed[name] = {key: value[start:] for key, value in record.items()}
    vocabulary, ours = our_features(trimmed, normalize)
    assert list(include) == vocabulary["syllables"]
    for group, matrix in zip(groups, matrices, strict=True):
        for i, source in enumerate(include):
            for j, target in enumerate(include):
                column = f"trans_s{source:02d}_s{target:02d}"
                expected = matrix[i, j]
                if column in ours.columns:
                    assert ours.loc[group, column] == pytest.approx(expected, abs=1e-12, nan_ok=True)
                else:  # a bigram never seen in training has no column
                    assert expected == 0

"""No feature carries the recording's length: a recording and its first half get the same features.

Two halves of a real recording differ by sampling noise as well as by length, so the long recording
here is a one-hour recording played twice: its first half is the original, and the only other
difference is the single junction between the copies (one transition, one turn, MI pairs across it).
A total (``distance_total``) would double; a timescale censored at a share of the recording would move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unsupervised_aging.pipelines.feature_engineering import nodes

from .conftest import make_recording, yaml_parameters

FPS = 30.0
ONE_HOUR = 108_000
N_SYLLABLES = 14


def played_twice(record: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The recording followed by itself, the centroid continuing where the first copy ended."""
    centroid = record["centroid"]
    shifted = centroid - centroid[0] + centroid[-1] + (centroid[1] - centroid[0])
    return {
        "syllable": np.concatenate([record["syllable"]] * 2),
        "latent_state": np.concatenate([record["latent_state"]] * 2),
        "centroid": np.concatenate([centroid, shifted]),
        "heading": np.concatenate([record["heading"]] * 2),
    }


def features_of(results: dict, parameters: dict) -> pd.DataFrame:
    """Every feature of ``results`` (vocabulary and states fitted on the first recording)."""
    names = list(results)
    metadata = pd.DataFrame({"name": names, "mouse_id": "a", "fps": FPS, "cm_per_pixel": 0.05})
    mapping = pd.DataFrame({"syllable": range(N_SYLLABLES), "metasyllable": np.arange(N_SYLLABLES) // 2})
    training = metadata.iloc[:1]
    vocabulary = nodes.select_vocabulary(results, training, mapping, parameters)
    states = nodes.fit_behavioural_states(results, training, metadata, vocabulary, parameters)
    features, _ = nodes.extract_video_features(results, metadata, vocabulary, states, parameters)
    return features.set_index("name")


def assert_length_free(features: pd.DataFrame, short: str, long: str, rtol: float, atol: float) -> None:
    """Every column equal within ``rtol`` (NaN where the other is NaN), naming the columns that differ."""
    a, b = features.loc[short], features.loc[long]
    both_nan = a.isna() & b.isna()
    close = pd.Series(np.isclose(a.astype(float), b.astype(float), rtol=rtol, atol=atol), index=a.index)
    differ = [f"{c}: {a[c]:.4g} vs {b[c]:.4g}" for c in features.columns if not (close[c] or both_nan[c])]
    assert not differ, f"features that depend on the recording's length: {differ}"


def test_a_one_hour_recording_and_its_first_half_have_the_same_features():
    record = make_recording(np.random.default_rng(3), ONE_HOUR, N_SYLLABLES)
    assert record["syllable"][0] != record["syllable"][-1]  # no bout merges at the junction
    results = {"one_hour": record, "two_hours": played_twice(record)}
    features = features_of(results, yaml_parameters())
    assert features.shape[1] > 100 and features.filter(like="latent_").shape[1] == 12
    assert features["mi_timescale_s"].notna().all()
    # rare included bigrams have >= 0.5 % of ~7,000 transitions (>= 36): the junction's one extra
    # transition moves them by < 1.4 %; everything else moves far less
    assert_length_free(features, "one_hour", "two_hours", rtol=0.02, atol=1e-9)


@pytest.mark.slow
def test_a_real_recording_and_its_first_half_have_the_same_features(demo_project):
    """The same on keypoint-moseq's own results of the demo (60-s recordings), MI left out.

    Played twice, 60 s of frames keep the plug-in MI bias of 60 s while the 120-s surrogate has half of
    it, so the curves separate by the bias (the one-hour test above, where the bias is negligible,
    covers ``mi_timescale_s``).
    """
    from unsupervised_aging.datasets import KpmsResultsDataset

    results = KpmsResultsDataset(str(demo_project / "data/07_model_output/kpms/results.h5")).load()
    name = next(n for n in results if results[n]["syllable"][0] != results[n]["syllable"][-1])
    record = results.read(name, ("syllable", "latent_state", "centroid", "heading"))
    features = features_of({name: record, "twice": played_twice(record)}, yaml_parameters())
    features = features.drop(columns="mi_timescale_s")
    # 60 s hold ~150 transitions: the junction moves a transition probability by ~1 / 300
    assert_length_free(features, name, "twice", rtol=0.1, atol=0.01)

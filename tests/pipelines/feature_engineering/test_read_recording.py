"""Reading only the fields features need, from a results file or a plain dict."""

import numpy as np

from unsupervised_aging.datasets import KpmsResultsDataset
from unsupervised_aging.pipelines.feature_engineering.inputs import read_recording


def test_read_recording_returns_only_the_keys_asked_for(tmp_path, recordings):
    dataset = KpmsResultsDataset(str(tmp_path / "results.h5"))
    dataset.save(recordings)
    results = dataset.load()
    name = "m2_α"
    assert name in results and "absent" not in results
    for source in (results, recordings):
        record = read_recording(source, name, ("syllable", "heading"))
        assert set(record) == {"syllable", "heading"}
        np.testing.assert_array_equal(record["syllable"], recordings[name]["syllable"])
    assert set(results[name]) == {"syllable", "latent_state", "centroid", "heading"}

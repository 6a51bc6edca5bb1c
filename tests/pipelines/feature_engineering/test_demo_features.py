"""The demo's features.csv (after the README's `kedro run`) against keypoint-moseq's own results file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from unsupervised_aging.datasets import KpmsResultsDataset

pytestmark = pytest.mark.slow


def test_latent_statistics_equal_numpy_on_the_results_file(demo_project: Path) -> None:
    data = demo_project / "data"
    features = pd.read_csv(data / "04_feature/features.csv", dtype={"name": str}).set_index("name")
    results = KpmsResultsDataset(str(data / "07_model_output/kpms/results.h5")).load()
    n_dims = results.read(next(iter(results)), ("latent_state",))["latent_state"].shape[1]
    assert features.filter(regex=r"^latent_(mean|median|std)_\d+$").shape[1] == 3 * n_dims
    for name in list(results)[:5]:
        latent = results.read(name, ("latent_state",))["latent_state"].astype(np.float64)
        for statistic, function in (("mean", np.mean), ("median", np.median), ("std", np.std)):
            expected = function(latent, axis=0)
            got = features.loc[name, [f"latent_{statistic}_{d:02d}" for d in range(n_dims)]]
            np.testing.assert_allclose(got.to_numpy(float), expected, rtol=1e-9, atol=1e-12)


def test_the_catalogue_describes_every_column(demo_project: Path) -> None:
    data = demo_project / "data/04_feature"
    features = pd.read_csv(data / "features.csv", nrows=1)
    catalogue = pd.read_csv(data / "feature_catalogue.csv", keep_default_na=False)
    assert catalogue["column"].tolist() == features.columns.tolist()
    families = set(catalogue["family"])
    assert {"metadata", "syllable_usage", "durations", "transitions", "kinematics", "states"} <= families
    assert {"mutual_information", "latent"} <= families
    assert not features.columns.str.startswith("distance_total").any()

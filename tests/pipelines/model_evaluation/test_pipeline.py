"""The Kedro pipeline on an external CSV whose target and group columns have other names."""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner

from unsupervised_aging.pipelines.model_evaluation.pipeline import create_pipeline

from .conftest import small_params, synthetic_table

CATALOG = Path(__file__).resolve().parents[3] / "conf/base/catalog_model_evaluation.yml"
MODELS = ("dummy_mean", "elastic_net", "knn")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """Run the pipeline once on ``animals.csv`` (target ``weeks``, group ``animal``) into a tmp folder."""
    root = tmp_path_factory.mktemp("model_evaluation")
    external = synthetic_table(n_mice=20, videos_per_mouse=3, seed=4).rename(
        columns={"age": "weeks", "mouse_id": "animal", "name": "video"}
    )
    external.to_csv(root / "animals.csv", index=False)
    config = yaml.safe_load(CATALOG.read_text())
    for entry in config.values():
        entry["filepath"] = str(root / entry["filepath"])
    config["features"] = {"type": "pandas.CSVDataset", "filepath": str(root / "animals.csv")}
    catalog = DataCatalog.from_config(config)
    params = small_params(MODELS) | {
        "target": "weeks",
        "group": "animal",
        "id_column": "video",
        "seeds": [0, 1],
    }
    catalog["params:model_evaluation"] = params
    SequentialRunner().run(create_pipeline(models=list(MODELS)), catalog)
    return root


def test_outputs_have_the_documented_columns(run):
    predictions = pd.read_csv(run / "data/07_model_output/predictions.csv")
    assert list(predictions.columns) == [
        "name", "group", "repeat", "fold", "model", "true", "predicted", "interval_low", "interval_high"
    ]  # fmt: skip
    assert set(predictions["model"]) >= set(MODELS)
    assert predictions["name"].str.endswith("é").all()
    assert (predictions.groupby(["model", "repeat"]).size() == 60).all()  # every video once per repeat
    metrics = pd.read_csv(run / "data/07_model_output/metrics.csv")
    assert {"r2", "mae", "rmse", "coverage", "best_params"} <= set(metrics.columns)
    importance = pd.read_csv(run / "data/08_reporting/feature_importance.csv")
    assert 0 < len(importance) <= 20
    for plot in ("predicted_vs_true", "metric_bars", "metric_pairs", "feature_importance"):
        assert (run / f"data/08_reporting/{plot}.png").read_bytes()[:4] == b"\x89PNG"


def test_best_model_beats_dummy_and_shuffled_control(run):
    summary = pd.read_csv(run / "data/08_reporting/summary.csv").set_index("role")
    best, control = summary.loc["best"], summary.loc["shuffled_control"]
    dummy = summary.loc["baseline"]
    assert control["model"] == f"{best['model']}_shuffled"
    assert best["r2_pooled"] > 0.5 > max(dummy["r2_pooled"], control["r2_pooled"])
    assert best["mae_ci_high"] < min(dummy["mae_mean"], control["mae_mean"])
    assert best["coverage"] >= best["coverage_nominal"] - 0.15  # conformal intervals roughly hold
    importance = pd.read_csv(run / "data/08_reporting/feature_importance.csv")
    assert set(importance["feature"].head(3)) <= {f"feat_{j:02d}" for j in range(5)}  # the informative ones

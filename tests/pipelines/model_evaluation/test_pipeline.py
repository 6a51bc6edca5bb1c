"""The Kedro pipeline on an external CSV with `age` and `frailty_index` and other column names."""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner

from unsupervised_aging.pipelines.model_evaluation.pipeline import create_pipeline
from unsupervised_aging.pipelines.report.prediction import sections

from .conftest import small_params, synthetic_table

CATALOG = Path(__file__).resolve().parents[3] / "conf/base/catalog_model_evaluation.yml"
MODELS = ("dummy_mean", "elastic_net", "knn")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """Run the pipeline once on ``animals.csv`` (group ``animal``, id ``video``) into a tmp folder."""
    root = tmp_path_factory.mktemp("model_evaluation")
    external = synthetic_table(n_mice=20, videos_per_mouse=3, seed=4).rename(
        columns={"mouse_id": "animal", "name": "video"}
    )
    external.to_csv(root / "animals.csv", index=False)
    config = yaml.safe_load(CATALOG.read_text())
    for entry in config.values():
        entry["filepath"] = str(root / entry["filepath"])
    config["features"] = {"type": "pandas.CSVDataset", "filepath": str(root / "animals.csv")}
    catalog = DataCatalog.from_config(config)
    params = small_params(MODELS) | {"group": "animal", "id_column": "video", "seeds": [0, 1]}
    params["permutation"] |= {"n_permutations": 3, "chunk_size": 2}
    params["feature_sets"]["sets"] |= {"first_five": {"patterns": ["feat_0[0-4]"], "families": []}}
    catalog["params:model_evaluation"] = params
    pipeline = create_pipeline(seeds=[0, 1], n_chunks=2, use_catalogue=False)
    assert {"evaluate_repeat_seed0", "evaluate_repeat_seed1", "run_permutations_1"} <= {
        n.name for n in pipeline.nodes
    }
    SequentialRunner().run(pipeline, catalog)
    return root


def _read(run: Path, name: str) -> pd.DataFrame:
    folder = "07_model_output" if name in ("predictions", "train_predictions", "metrics") else "08_reporting"
    return pd.read_csv(run / "data" / folder / f"{name}.csv")


def test_every_target_gets_headline_baselines_and_feature_sets(run):
    summary = _read(run, "summary")
    roles = summary.groupby("target")["role"].apply(set)
    assert roles["age"] == {"headline", "baseline", "model", "feature_set"}
    assert roles["frailty_index"] == roles["age"] | {"age_baseline", "behaviour_plus_age"}
    frailty = summary[summary["target"] == "frailty_index"].set_index("model")
    assert {"age_linear", "age_spline", "selected_plus_age", "set_all", "set_first_five"} <= set(
        frailty.index
    )
    headline = summary[summary["role"] == "headline"]
    assert (headline["n_permutations"] == 3).all() and headline["p_value"].between(0.25, 1).all()
    assert (headline["r2_ci_low"] <= headline["r2"]).all() and (
        headline["r2"] <= headline["r2_ci_high"]
    ).all()
    assert {
        "r2_fold_mean",
        "mae_ci_low",
        "rmse_ci_high",
        "coverage_ci_low",
        "too_few_calibration_mice",
    } <= set(summary.columns)
    predictions = _read(run, "predictions")
    assert predictions["name"].str.endswith("é").all()
    assert (
        predictions.groupby(["target", "model", "repeat"]).size() == 60
    ).all()  # every video once per repeat
    train = _read(run, "train_predictions")
    assert set(train["model"]) == set(predictions["model"])
    null = _read(run, "permutation_null")
    assert sorted(null["permutation"].unique()) == [0, 1, 2] and set(null["target"]) == {
        "age",
        "frailty_index",
    }
    for plot in ("predicted_vs_true", "metric_bars", "metric_pairs", "permutation_null", "feature_sets"):
        assert (run / f"data/08_reporting/{plot}.png").read_bytes()[:4] == b"\x89PNG"


def test_age_headline_beats_dummy_and_comparisons_and_coverage_are_reported(run):
    summary = _read(run, "summary")
    age = summary[summary["target"] == "age"].set_index("model")
    assert age.loc["selected", "r2"] > 0.5 > age.loc["dummy_mean", "r2"]
    assert age.loc["selected", "mae_ci_high"] < age.loc["dummy_mean", "mae"]
    assert age.loc["selected", "coverage"] >= age.loc["selected", "coverage_nominal"] - 0.15
    comparisons = _read(run, "model_comparisons")
    kinds = comparisons.groupby("target")["comparison"].apply(set)
    assert kinds["frailty_index"] == {
        "headline vs baseline",
        "headline vs age only",
        "behaviour gain over age",
        "feature sets",
    }
    vs_dummy = comparisons[(comparisons["target"] == "age") & (comparisons["versus"] == "dummy_mean")].iloc[0]
    assert vs_dummy["difference"] > 0 and vs_dummy["p_value"] < 0.05
    coverage = _read(run, "coverage_by_age")
    assert (coverage.groupby(["target", "model"]).size() == 3).all()
    importance = _read(run, "feature_importance")
    assert set(importance[importance["target"] == "age"]["feature"].head(3)) <= {
        f"feat_{j:02d}" for j in range(5)
    }


def test_report_sections_show_each_target_headline(run):
    html = sections(
        _read(run, "summary"),
        _read(run, "model_comparisons"),
        _read(run, "coverage_by_age"),
        _read(run, "feature_importance"),
        {"permutation_null_plot": (run / "data/08_reporting/permutation_null.png").read_bytes()},
    )
    headings = [heading for heading, _ in html]
    assert headings == ["Predicting age", "Predicting frailty_index", "Prediction plots"]
    page = (run / "data/08_reporting/prediction_report.html").read_text()  # the pipeline's own page
    assert all(f">{heading}</h2>" in page for heading in headings)
    assert page.count("data:image/png;base64,") == 6
    frailty = html[1][1]
    for text in (
        "pooled R²",
        "permutation p",
        "age_spline",
        "behaviour gain over age",
        "Feature sets",
        "per age group",
    ):
        assert text in frailty
    assert "smallest possible p-value is 0.25" in frailty  # 3 permutations cannot give p < 0.05


def test_feature_sets_by_catalogue_family_are_compared(tmp_path):
    """``use_catalogue: true``: sets named by family come from feature_engineering's catalogue."""
    table = synthetic_table(n_mice=16, videos_per_mouse=2, seed=5)
    features = [c for c in table.columns if c.startswith("feat_")]
    catalogue = pd.DataFrame(
        {
            "column": ["name", "mouse_id", "age", "frailty_index", "sex", *features],
            "family": ["metadata"] * 5 + ["informative" if c < "feat_05" else "noise" for c in features],
        }
    )
    config = yaml.safe_load(CATALOG.read_text())
    for entry in config.values():
        entry["filepath"] = str(tmp_path / entry["filepath"])
    catalog = DataCatalog.from_config(config)
    catalog["features"], catalog["feature_catalogue"] = table, catalogue
    params = small_params(MODELS) | {"targets": ["age"]}
    params["feature_sets"] |= {
        "use_catalogue": True,
        "sets": {
            "informative": {"patterns": [], "families": ["informative"]},
            "noise": {"patterns": [], "families": ["noise"]},
            "no_such_family": {"patterns": [], "families": ["durations"]},
        },
    }
    catalog["params:model_evaluation"] = params
    pipeline = create_pipeline(seeds=[0], n_chunks=0, use_catalogue=True)
    assert "feature_catalogue" in pipeline.inputs()
    SequentialRunner().run(pipeline, catalog)
    summary = pd.read_csv(tmp_path / "data/08_reporting/summary.csv").set_index("model")
    assert {"set_informative", "set_noise"} <= set(summary.index)
    assert "set_no_such_family" not in summary.index  # matches no column: left out, logged
    assert summary.loc["set_informative", "mae_ci_high"] < summary.loc["set_noise", "mae"]
    comparisons = pd.read_csv(tmp_path / "data/08_reporting/model_comparisons.csv")
    assert (comparisons["comparison"] == "feature sets").any()

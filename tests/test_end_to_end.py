"""The README's main command on the demo cohort: every stage runs and the science holds up."""

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def test_age_prediction_clearly_beats_dummy_and_frailty_has_age_baselines(demo_project: Path) -> None:
    summary = pd.read_csv(demo_project / "data" / "08_reporting" / "summary.csv")
    age = summary[summary["target"] == "age"].set_index("model")
    headline, dummy = age.loc["selected"], age.loc["dummy_mean"]
    assert headline["mae_ci_high"] < dummy["mae"], "the headline's MAE CI overlaps the dummy's MAE"
    assert headline["r2"] > dummy["r2"] + 0.3 and headline["r2"] > 0.3
    assert 0 < headline["p_value"] <= 1 and headline["n_permutations"] > 0
    frailty = summary[summary["target"] == "frailty_index"]
    assert {"selected", "age_linear", "age_spline", "selected_plus_age"} <= set(frailty["model"])


def test_every_video_has_features_and_predictions(demo_project: Path) -> None:
    data = demo_project / "data"
    metadata = pd.read_csv(data / "01_raw" / "metadata.csv", dtype={"name": str})
    features = pd.read_csv(data / "04_feature" / "features.csv", dtype={"name": str})
    predictions = pd.read_csv(data / "07_model_output" / "predictions.csv", dtype={"name": str})
    assert set(features["name"]) == set(metadata["name"])
    assert set(predictions["name"]) == set(metadata["name"])
    assert features.filter(like="usage_s").shape[1] >= 5


def test_kpms_artefacts_load_with_keypoint_moseq(demo_project: Path) -> None:
    import keypoint_moseq as kpms

    project_dir = demo_project / "data" / "06_models" / "kpms_project"
    config = kpms.load_config(str(project_dir))
    assert kpms.load_pca(str(project_dir)).n_components_ >= config["ar_hypparams"]["latent_dim"]
    model, *_ = kpms.load_checkpoint(str(project_dir), "model_seed0")
    assert "params" in model
    results = kpms.load_results(path=str(demo_project / "data" / "07_model_output" / "kpms" / "results.h5"))
    assert len(results) == len(pd.read_csv(demo_project / "data" / "01_raw" / "metadata.csv"))


def test_report_has_every_section_and_plot(demo_project: Path) -> None:
    page = (demo_project / "data" / "08_reporting" / "report.html").read_text()
    for heading in (
        "Overview",
        "Pose quality",
        "keypoint-MoSeq training",
        "Syllables",
        "Predicting age",
        "Predicting frailty_index",
    ):
        assert f">{heading}</h2>" in page
    assert page.count("data:image/png;base64,") >= 10
    # the headline's permutation p-value and its baselines (the shuffled control is gone: the
    # permutation test is its null distribution)
    assert "permutation p" in page and "dummy_mean" in page and "age_linear" in page

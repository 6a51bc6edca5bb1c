"""One source of truth: every key comes from the YAML, a missing or unknown one fails loudly."""

import copy

import pytest
import yaml

from unsupervised_aging.pipelines.model_evaluation.settings import load_settings

from .conftest import PARAMETERS

DEFAULTS = yaml.safe_load(PARAMETERS.read_text())["model_evaluation"]


def test_the_yaml_is_complete_and_read_as_written():
    settings = load_settings(DEFAULTS)
    assert settings.alpha == DEFAULTS["conformal"]["alpha"]
    assert settings.n_jobs == DEFAULTS["n_jobs"]
    assert settings.importance["n_repeats"] == DEFAULTS["importance"]["n_repeats"]
    assert settings.seeds == tuple(DEFAULTS["seeds"])
    assert {"xgboost", "mlp"} <= set(settings.suite) and "dummy_mean" not in settings.suite


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("conformal", "alpha"), r"model_evaluation\.conformal: missing key\(s\) \['alpha'\]"),
        (("n_jobs",), r"model_evaluation: missing key\(s\) \['n_jobs'\]"),
        (("importance", "n_repeats"), r"model_evaluation\.importance: missing key\(s\) \['n_repeats'\]"),
        (("permutation", "seed"), r"model_evaluation\.permutation: missing key\(s\) \['seed'\]"),
    ],
)
def test_a_missing_key_fails_loudly(path, message):
    params = copy.deepcopy(DEFAULTS)
    block = params
    for key in path[:-1]:
        block = block[key]
    del block[path[-1]]
    with pytest.raises(ValueError, match=message):
        load_settings(params)


def test_typos_and_bad_values_are_reported():
    with pytest.raises(ValueError, match=r"model_evaluation: unknown key\(s\) \['calibration_fraction'\]"):
        load_settings(copy.deepcopy(DEFAULTS) | {"calibration_fraction": 0.25})
    bad = copy.deepcopy(DEFAULTS)
    bad["feature_sets"]["models"] = ["lasso"]
    with pytest.raises(ValueError, match="'lasso', which is not in models"):
        load_settings(bad)
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        load_settings(copy.deepcopy(DEFAULTS) | {"models": {"elastic.net": {"class": "x"}}})

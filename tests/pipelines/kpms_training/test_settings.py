"""The YAML is the one source of kpms_training's defaults: a missing or misspelt key fails loudly."""

from __future__ import annotations

import pytest
import yaml

from tests.pipelines.kpms_training.conftest import PROJECT_ROOT
from unsupervised_aging.pipelines.kpms_training.nodes import build_kpms_config
from unsupervised_aging.pipelines.kpms_training.settings import TrainingSettings


@pytest.fixture
def yaml_params():
    text = (PROJECT_ROOT / "conf/base/parameters_kpms_training.yml").read_text()
    return yaml.safe_load(text)["kpms_training"]


def test_settings_take_every_value_from_the_yaml(yaml_params):
    settings = TrainingSettings.from_params(yaml_params)
    assert settings.num_states == yaml_params["num_states"]
    assert settings.kappa_scan.values == tuple(yaml_params["kappa_scan"]["values"])
    assert settings.kappa_scan.num_iters == yaml_params["kappa_scan"]["num_iters"]
    assert settings.save_every_n_iters == yaml_params["save_every_n_iters"]
    assert settings.stall_timeout_s == yaml_params["stall_timeout_s"]
    assert settings.merge.distance_threshold == yaml_params["merge"]["distance_threshold"]
    assert settings.seeds == tuple(yaml_params["seeds"])


@pytest.mark.parametrize("key", ["num_states", "save_every_n_iters", "stall_timeout_s", "kappa_scan"])
def test_missing_key_names_itself(yaml_params, key):
    del yaml_params[key]
    with pytest.raises(ValueError, match=rf"kpms_training: missing key\(s\) \['{key}'\]"):
        TrainingSettings.from_params(yaml_params)


def test_missing_nested_and_unknown_keys(yaml_params, poses, metadata, training_set):
    del yaml_params["kappa_scan"]["num_iters"]
    with pytest.raises(ValueError, match=r"kpms_training.kappa_scan: missing key\(s\) \['num_iters'\]"):
        build_kpms_config(poses, metadata, training_set, yaml_params)
    yaml_params["kappa_scan"]["num_iters"] = 3
    yaml_params["num_state"] = 30
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['num_state'\]"):
        TrainingSettings.from_params(yaml_params)


def test_empty_kappa_scan_needs_a_fixed_kappa(yaml_params):
    yaml_params["kappa_scan"]["values"] = []
    with pytest.raises(ValueError, match=r"kappa_scan\.values is empty"):
        TrainingSettings.from_params(yaml_params)
    assert TrainingSettings.from_params({**yaml_params, "kappa": 1e5}).kappa == 1e5

"""Resources of SLURM jobs from slurm.yml: defaults, profiles by tag and by node name, validation."""

from __future__ import annotations

import pytest
from kedro.pipeline import node

from tests.runners import toy_nodes
from unsupervised_aging.runners.config import load_slurm_config
from unsupervised_aging.runners.resources import parse_time_min, resolve_resources, sanitize_job_name

CONFIG = {
    "defaults": {
        "partition": "cpu",
        "cpus": 2,
        "mem_gb": 8,
        "time_min": "01:30:00",
        "sbatch": {"account": "lab"},
    },
    "profiles": {
        "gpu": {"partition": "gpu", "gpus": 1, "setup": ["module load cuda/12.4"]},
        "kpms_training.fit_*": {"time_min": "1-00:00:00", "sbatch": {"qos": "long"}},
    },
}


def test_profiles_apply_over_defaults_by_tag_then_by_name_glob():
    fit = node(toy_nodes.echo, "a", "b", name="fit_seed_1", tags=["gpu"], namespace="kpms_training")
    resources = resolve_resources(fit, CONFIG)
    assert (resources.partition, resources.gpus, resources.cpus, resources.mem_gb) == ("gpu", 1, 2, 8.0)
    assert resources.time_min == 24 * 60
    assert resources.sbatch == (("account", "lab"), ("qos", "long"))
    assert resources.setup == ("module load cuda/12.4",)
    plain = resolve_resources(node(toy_nodes.echo, "a", "c", name="other"), CONFIG)
    assert (plain.partition, plain.gpus, plain.time_min, plain.setup) == ("cpu", 0, 90, ())


def test_equal_resources_are_equal_so_nodes_share_an_array():
    first = node(toy_nodes.echo, "a", "b", name="fit_1", tags=["gpu"])
    second = node(toy_nodes.echo, "a", "c", name="fit_2", tags=["gpu"])
    assert resolve_resources(first, CONFIG) == resolve_resources(second, CONFIG)


def test_unknown_key_is_named():
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['gpu_count'\] in profiles.gpu"):
        resolve_resources(
            node(toy_nodes.echo, "a", "b", tags=["gpu"]), {"profiles": {"gpu": {"gpu_count": 1}}}
        )


@pytest.mark.parametrize(
    ("value", "minutes"),
    [(30, 30), ("45", 45), ("02:00:00", 120), ("10:30", 11), ("2-12", 3600), ("1-02:30", 1590)],
)
def test_slurm_time_formats(value, minutes):
    assert parse_time_min(value) == minutes


def test_job_names_keep_only_safe_characters():
    assert sanitize_job_name("fit 'x'; $(rm -rf ~) `id`") == "fit_x_rm_-rf_id_"


def test_executor_parameters_from_resources():
    parameters = resolve_resources(node(toy_nodes.echo, "a", "b", name="n", tags=["gpu"]), CONFIG)
    assert parameters.executor_parameters("n") == {
        "job_name": "n",
        "cpus_per_task": 2,
        "mem": "8192M",
        "time": 90,
        "setup": ["module load cuda/12.4"],
        "additional_parameters": {"account": "lab"},
        "gpus_per_node": 1,
        "partition": "gpu",
    }


def test_project_slurm_yml_is_read():
    config = load_slurm_config()
    assert resolve_resources(node(toy_nodes.echo, "a", "b", tags=["gpu"]), config).time_min >= 3


def test_session_config_loader_recorded_by_the_hook_wins(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from unsupervised_aging import config_values

    monkeypatch.setattr(config_values._RunConfiguration, "loader", None)
    for env, partition in (("base", "cpu"), ("cluster", "gpu-a100")):
        (tmp_path / env).mkdir()
        (tmp_path / env / "slurm.yml").write_text(f"defaults:\n  partition: {partition}\n  cpus: 3\n")
    (tmp_path / "cluster" / "slurm.yml").write_text("defaults:\n  partition: gpu-a100\n")
    loader = config_values.make_config_loader(tmp_path, env="cluster")
    config_values.RunConfigHooks().after_context_created(SimpleNamespace(config_loader=loader))
    # conf/cluster changes only its key (soft merge): cpus stays from conf/base
    assert load_slurm_config()["defaults"] == {"partition": "gpu-a100", "cpus": 3}

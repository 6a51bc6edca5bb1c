"""The run's configuration shapes the pipelines (--env, --conf-source, --params); overrides merge softly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from kedro.io import DataCatalog

from tests.end_to_end import copy_project, kedro
from unsupervised_aging import config_values
from unsupervised_aging.pipelines.kpms_training.pipeline import create_pipeline

FOUR_SEEDS = "kpms_training:\n  seeds: [0, 1, 2, 3]\n"


def _fit_nodes(names: list[str]) -> list[str]:
    return sorted(n for n in names if n.startswith("fit_kpms_model_seed"))


def _shrink_base(project: Path) -> None:
    """Make conf/base a 4-video, 300-frame demo cohort."""
    base = project / "conf" / "base"

    def update(name: str, key: str, values: dict) -> None:
        path = base / f"parameters_{name}.yml"
        block = yaml.safe_load(path.read_text())[key]
        for dotted, value in values.items():
            *parents, leaf = dotted.split(".")
            target = block
            for parent in parents:
                target = target[parent]
            target[leaf] = value
        path.write_text(yaml.safe_dump({key: block}))

    update("synthetic_cohort", "synthetic_cohort", {"n_mice": 4, "videos_per_mouse": 1, "n_frames": 300})
    update("preprocessing", "preprocessing", {"training_set.n": 3})


SESSION_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from kedro.framework.project import pipelines
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(Path.cwd())
    shapes = []
    for kwargs in json.loads(sys.argv[1]):
        with KedroSession.create(**kwargs) as session:
            context = session.load_context()  # what KedroSession.run does before its first `pipelines` access
            shapes.append({
                "nodes": [n.name for n in pipelines["kpms_training"].nodes],
                "seeds": context.params["kpms_training"]["seeds"],
                "num_states": context.params["kpms_training"]["num_states"],
            })
    print("SHAPES " + json.dumps(shapes))
    """
)


def test_env_conf_source_and_params_shape_the_pipelines_in_one_process(tmp_path):
    (tmp_path / "project").mkdir()
    project = copy_project(tmp_path / "project")
    (project / "conf" / "four_seeds").mkdir()
    (project / "conf" / "four_seeds" / "parameters.yml").write_text(FOUR_SEEDS)
    other_conf = tmp_path / "other_conf"
    shutil.copytree(project / "conf", other_conf)
    (other_conf / "local" / "parameters.yml").write_text("kpms_training:\n  seeds: [7]\n")
    sessions = [
        {},
        {"env": "four_seeds"},
        {"conf_source": str(other_conf)},
        {"runtime_params": {"kpms_training": {"seeds": [3, 4, 5]}}},
        {},  # back to the default: pipelines built for an earlier session are rebuilt
    ]
    done = subprocess.run(
        [sys.executable, "-c", SESSION_SCRIPT, json.dumps(sessions)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    shapes = json.loads(done.stdout.split("SHAPES ")[1])

    expected_seeds = [[0, 1], [0, 1, 2, 3], [7], [3, 4, 5], [0, 1]]
    for shape, seeds in zip(shapes, expected_seeds, strict=True):
        assert shape["seeds"] == seeds
        assert _fit_nodes(shape["nodes"]) == [f"fit_kpms_model_seed{s}" for s in seeds]
        assert shape["num_states"] == 20  # the partial override kept conf/base's other keys


EXTRA_SEED = """
model_evaluation:
  seeds: [0, 1, 7]   # conf/base has [0, 1]: one more CV repeat, one more node
"""


def _features_table(path: Path, n_mice: int = 10) -> None:
    """A features table of two videos per mouse whose ``speed`` falls with age."""
    rows = ["name,mouse_id,age,speed,usage_0"]
    for mouse in range(n_mice):
        for video, age in enumerate((10 + 8 * mouse, 14 + 8 * mouse)):
            rows.append(
                f"m{mouse}_v{video},m{mouse},{age},{100 - age * 0.5 + video},{(mouse * 7 + video) % 5}"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")


def test_kedro_run_with_env_runs_the_node_its_parameters_add(tmp_path):
    """`kedro run --env` shapes the pipeline: an env's extra CV seed is a node (and conf/base's stay)."""
    project = copy_project(tmp_path)
    (project / "conf" / "extra_seed").mkdir()
    (project / "conf" / "extra_seed" / "parameters.yml").write_text(EXTRA_SEED)
    _features_table(project / "data" / "04_feature" / "features.csv")

    run = kedro(
        project, "run", "--env", "extra_seed", "--pipeline", "model_evaluation", "--to-nodes",
        "evaluate_repeat_seed7,evaluate_repeat_seed0", timeout=900,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    log = run.stdout + run.stderr
    assert "Completed node: evaluate_repeat_seed7" in log and "Completed node: evaluate_repeat_seed0" in log
    without_env = kedro(
        project, "run", "--pipeline", "model_evaluation", "--to-nodes", "evaluate_repeat_seed7"
    )
    assert without_env.returncode != 0 and "evaluate_repeat_seed7" in without_env.stdout + without_env.stderr


@pytest.mark.slow
def test_the_readmes_partial_override_runs_preprocessing(tmp_path):
    """`preprocessing: {strict: true}` in conf/local changes only `strict` (a destructive merge lost `qc`)."""
    project = copy_project(tmp_path)
    _shrink_base(project)
    (project / "conf" / "local" / "parameters.yml").write_text("preprocessing:\n  strict: true\n")

    run = kedro(project, "run", "--pipelines", "synthetic_cohort,preprocessing", timeout=900)

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert (project / "data" / "08_reporting" / "qc_report.csv").exists()


def test_pipeline_built_from_other_parameters_fails_before_running(monkeypatch):
    monkeypatch.setattr(config_values._RunConfiguration, "loader", None)
    monkeypatch.delenv("KEDRO_ENV", raising=False)
    pipeline = create_pipeline()  # shaped by conf/base: seeds 0 and 1
    parameters = config_values.load_parameters()
    run_parameters = {**parameters, "kpms_training": {**parameters["kpms_training"], "seeds": [0, 1, 2]}}
    catalog = DataCatalog()
    catalog["parameters"] = run_parameters
    hooks = config_values.RunConfigHooks()

    with pytest.raises(ValueError, match=r"disagrees with this run's parameters.*'fit_kpms_model_seed2'"):
        hooks.before_pipeline_run({"pipeline_names": ["kpms_training"]}, pipeline, catalog)

    catalog["parameters"] = parameters
    hooks.before_pipeline_run({"pipeline_names": ["kpms_training"]}, pipeline, catalog)  # agrees: no error
    to_seed1 = pipeline.filter(to_nodes=["fit_kpms_model_seed1"])
    hooks.before_pipeline_run(
        {"pipeline_names": ["kpms_training"], "to_nodes": ["fit_kpms_model_seed1"]}, to_seed1, catalog
    )  # the run's filters are applied to the expected shape too


def test_partial_override_in_an_env_changes_only_its_keys(tmp_path):
    project = copy_project(tmp_path)
    (project / "conf" / "local" / "parameters.yml").write_text("preprocessing:\n  strict: true\n")
    base = yaml.safe_load((project / "conf" / "base" / "parameters_preprocessing.yml").read_text())

    merged = config_values.make_config_loader(project / "conf")["parameters"]["preprocessing"]

    assert merged["strict"] is True and base["preprocessing"]["strict"] is False
    assert {k: v for k, v in merged.items() if k != "strict"} == {
        k: v for k, v in base["preprocessing"].items() if k != "strict"
    }

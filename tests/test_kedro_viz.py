"""`kedro viz build` makes a static lineage site that shows every pipeline and every dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kedro.config import OmegaConfigLoader

from tests.end_to_end import copy_project, kedro


@pytest.fixture(scope="module")
def viz_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build kedro-viz's static site in a copy of the project without data (it reads no data)."""
    project = copy_project(tmp_path_factory.mktemp("viz_project"))
    done = kedro(project, "viz", "build", timeout=600)
    assert done.returncode == 0, f"kedro viz build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return project


def _registered_pipelines(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The project's pipelines as Kedro builds them in ``project`` (fan-out reads its conf)."""
    from unsupervised_aging.pipeline_registry import register_pipelines

    monkeypatch.chdir(project)
    return register_pipelines()


def _viz_names(api_file: Path, node_type: str) -> set[str]:
    """Names of the nodes of one type (``data``, ``task``, ``parameters``) in a kedro-viz API file."""
    graph = json.loads(api_file.read_text())
    return {n["name"] for n in graph["nodes"] if n["type"] == node_type}


@pytest.mark.slow
def test_viz_build_lists_every_pipeline(viz_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipelines = _registered_pipelines(viz_build, monkeypatch)
    api = viz_build / "build" / "api"
    assert (viz_build / "build" / "index.html").is_file()

    listed = {p["id"] for p in json.loads((api / "main").read_text())["pipelines"]}
    assert listed == set(pipelines)
    for name in pipelines:
        assert (api / "pipelines" / name).is_file(), f"no kedro-viz data for pipeline {name!r}"


@pytest.mark.slow
def test_viz_build_lists_every_dataset_of_every_pipeline(
    viz_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipelines = _registered_pipelines(viz_build, monkeypatch)
    api = viz_build / "build" / "api"
    for name, pipeline in pipelines.items():
        expected = {d for d in pipeline.datasets() if d != "parameters" and not d.startswith("params:")}
        shown = _viz_names(api / "pipelines" / name, "data")
        assert expected <= shown, f"pipeline {name!r}: kedro-viz misses {sorted(expected - shown)}"
        nodes = {n.name for n in pipeline.nodes}
        assert nodes <= _viz_names(api / "pipelines" / name, "task"), name


@pytest.mark.slow
def test_every_catalog_entry_is_used_and_shown(viz_build: Path) -> None:
    """Each explicit catalog entry appears in the lineage: an entry no pipeline uses is a stale one."""
    catalog = OmegaConfigLoader(conf_source=str(viz_build / "conf"))["catalog"]
    entries = {name for name in catalog if "{" not in name and not name.startswith("_")}
    shown = _viz_names(viz_build / "build" / "api" / "main", "data")
    assert entries <= shown, f"catalog entries missing from kedro-viz: {sorted(entries - shown)}"


@pytest.mark.slow
def test_every_dataset_has_a_layer(viz_build: Path) -> None:
    """kedro-viz groups files by layer (raw → reporting): each needs ``metadata: kedro-viz: layer``.

    In-memory intermediates (undeclared ``MemoryDataset``) are exempt: they are no files.
    """
    graph = json.loads((viz_build / "build" / "api" / "main").read_text())
    missing = sorted(
        n["name"]
        for n in graph["nodes"]
        if n["type"] == "data" and "MemoryDataset" not in (n["dataset_type"] or "") and not n.get("layer")
    )
    assert not missing, f"datasets without a kedro-viz layer: {missing}"

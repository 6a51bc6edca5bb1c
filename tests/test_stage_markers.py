"""A stage whose last run failed is refused by the next stage; a finished one is trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.framework.hooks.manager import _create_hook_manager
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline
from kedro.runner import SequentialRunner

from unsupervised_aging.stage_markers import StageMarkerHooks, StaleStageError

CONF = Path(__file__).resolve().parents[1] / "conf" / "base"


def _table(x: int) -> pd.DataFrame:
    return pd.DataFrame({"x": [x]})


def _fail(table: pd.DataFrame) -> pd.DataFrame:
    raise RuntimeError("disk full while writing b")


def _stages(fail: bool) -> dict[str, Pipeline]:
    first = Pipeline(
        [
            Node(_table, "params:x", "a", name="write_a"),
            Node(_fail if fail else (lambda t: t), "a", "b", name="write_b"),
        ]
    )
    second = Pipeline([Node(lambda b: b, "b", "c", name="write_c")])
    return {"first": first, "second": second}


def _catalog(root: Path) -> DataCatalog:
    marker = yaml.safe_load((CONF / "catalog_raw.yml").read_text())["{stage}_run_marker"]
    marker["filepath"] = str(root / marker["filepath"])
    config = {
        name: {"type": "unsupervised_aging.datasets.AtomicCSVDataset", "filepath": str(root / f"{name}.csv")}
        for name in "abc"
    }
    catalog = DataCatalog.from_config({**config, "{stage}_run_marker": marker})
    catalog["params:x"] = 1
    return catalog


def _run(root: Path, stages: dict[str, Pipeline], pipeline: Pipeline) -> None:
    """What KedroSession.run does with the pipeline hooks around the runner."""
    hooks = StageMarkerHooks(stages)
    manager = _create_hook_manager()
    manager.register(hooks)
    catalog, run_params = _catalog(root), {"run_id": "r1"}
    hooks.before_pipeline_run(run_params, pipeline, catalog)
    try:
        SequentialRunner().run(pipeline, catalog, manager)
    except Exception as err:
        hooks.on_pipeline_error(err, run_params, catalog)
        raise
    hooks.after_pipeline_run(run_params, catalog)


def _marker(root: Path, stage: str) -> dict:
    return json.loads((root / f"data/run_markers/{stage}.json").read_text())


def test_failed_stage_is_refused_by_the_next_until_it_is_rerun(tmp_path: Path) -> None:
    good, bad = _stages(fail=False), _stages(fail=True)
    _run(tmp_path, good, good["first"] + good["second"])  # a full run: both complete
    assert _marker(tmp_path, "first")["status"] == _marker(tmp_path, "second")["status"] == "complete"

    with pytest.raises(RuntimeError, match="disk full"):
        _run(tmp_path, bad, bad["first"])  # rewrites a, then fails: a is new, b is old
    marker = _marker(tmp_path, "first")
    assert marker["status"] == "failed" and marker["error"] == "disk full while writing b"

    stale = r"first: its last run \(failed since .*\): disk full .*--pipeline first"
    with pytest.raises(StaleStageError, match=stale):
        _run(tmp_path, good, good["second"])
    _run(tmp_path, good, good["first"])
    _run(tmp_path, good, good["second"])
    assert _marker(tmp_path, "second")["status"] == "complete"


def test_a_later_stage_failing_in_a_full_run_leaves_the_finished_stage_complete(tmp_path: Path) -> None:
    stages = {"first": Pipeline([Node(_table, "params:x", "a", name="write_a")])}
    stages["second"] = Pipeline([Node(_fail, "a", "b", name="write_b")])
    with pytest.raises(RuntimeError):
        _run(tmp_path, stages, stages["first"] + stages["second"])
    assert _marker(tmp_path, "first")["status"] == "complete"
    assert _marker(tmp_path, "second")["status"] == "failed"


def test_a_stage_failing_before_it_writes_keeps_its_previous_marker(tmp_path: Path) -> None:
    """Bad input caught before any output is saved leaves the previous run's outputs trusted."""
    good = _stages(fail=False)
    _run(tmp_path, good, good["first"])
    complete = _marker(tmp_path, "first")
    early = {"first": Pipeline([Node(_fail, "params:x", "a", name="write_a")]), "second": good["second"]}
    with pytest.raises(RuntimeError):
        _run(tmp_path, early, early["first"])
    assert _marker(tmp_path, "first") == complete
    _run(tmp_path, good, good["second"])


def test_a_killed_run_stays_running_and_is_refused(tmp_path: Path) -> None:
    stages = _stages(fail=False)
    catalog = _catalog(tmp_path)
    StageMarkerHooks(stages).before_pipeline_run({"run_id": "r2"}, stages["first"], catalog)  # then SIGKILL
    with pytest.raises(StaleStageError, match=r"first: its last run \(running since"):
        _run(tmp_path, stages, stages["second"])


def test_outputs_without_any_marker_are_used_with_a_warning(tmp_path: Path, caplog) -> None:
    """Outputs written before markers existed: nothing says they are stale, so they are trusted, loudly."""
    stages = _stages(fail=False)
    _catalog(tmp_path).save("b", _table(2))
    with caplog.at_level("WARNING"):
        _run(tmp_path, stages, stages["second"])
    assert "No record that first finished a run" in caplog.text
    assert _marker(tmp_path, "second")["status"] == "complete"

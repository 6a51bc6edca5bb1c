"""The synthetic_cohort pipeline writes JABS files and metadata, and never overwrites foreign raw data."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sleap_io as sio
import yaml
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner

from unsupervised_aging.pipelines.synthetic_cohort import create_pipeline
from unsupervised_aging.pipelines.synthetic_cohort.hooks import DemoCohortGuardHooks
from unsupervised_aging.synthetic import simulate_cohort

CONF = Path(__file__).resolve().parents[3] / "conf" / "base"
PARAMS = {"n_mice": 2, "videos_per_mouse": 2, "n_frames": 90, "fps": 30.0, "seed": 5, "size": 1.0}


def _run(raw: Path, **params) -> None:
    """Run the pipeline with the project's catalog entries moved under ``raw``."""
    text = (CONF / "catalog_raw.yml").read_text().replace("data/01_raw", str(raw))
    catalog = DataCatalog.from_config(yaml.safe_load(text))
    catalog["params:synthetic_cohort"] = {**PARAMS, **params}
    SequentialRunner().run(create_pipeline(), catalog)


def test_writes_jabs_files_and_metadata_that_load_back(tmp_path):
    _run(tmp_path)
    meta = pd.read_csv(tmp_path / "metadata.csv")
    files = sorted((tmp_path / "poses").iterdir())
    assert [f.name for f in files] == [f"{n}_pose_est_v5.h5" for n in sorted(meta["name"])]
    poses, expected_meta = simulate_cohort(n_mice=2, videos_per_mouse=2, n_frames=90, seed=5)
    pd.testing.assert_frame_equal(meta, expected_meta)
    name = meta["name"][1]
    points = sio.load_jabs(str(tmp_path / "poses" / f"{name}_pose_est_v5.h5")).numpy()[:, 0]
    truth = poses[name].coordinates
    assert np.array_equal(np.isnan(points), np.isnan(truth))
    assert np.nanmax(np.abs(points - truth)) <= 0.5  # JABS stores whole pixels


def test_rerun_rewrites_its_own_demo_and_drops_stale_videos(tmp_path):
    _run(tmp_path)
    _run(tmp_path)  # same parameters: its own files, no refusal
    _run(tmp_path, size=0.5)  # one mouse instead of two
    assert len(list((tmp_path / "poses").iterdir())) == 2
    assert len(pd.read_csv(tmp_path / "metadata.csv")) == 2


@pytest.mark.parametrize("foreign", ["poses/my_video.slp", "metadata.csv"])
def test_refuses_to_overwrite_raw_data_it_did_not_write(tmp_path, foreign):
    (tmp_path / foreign).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / foreign).write_text("someone's data")
    with pytest.raises(ValueError, match=r"did not write.*--pipeline analysis") as info:
        _run(tmp_path)
    assert foreign.split("/")[-1] in str(info.value)
    assert (tmp_path / foreign).read_text() == "someone's data"
    assert (
        not list(tmp_path.rglob("*_pose_est_v5.h5")) and not (tmp_path / "demo_cohort_manifest.json").exists()
    )


def test_refuses_when_foreign_files_join_an_earlier_demo(tmp_path):
    _run(tmp_path)
    (tmp_path / "poses" / "mine_pose_est_v5.h5").write_bytes(b"")
    with pytest.raises(ValueError, match=re.escape("mine_pose_est_v5.h5")):
        _run(tmp_path)
    assert (tmp_path / "poses" / "mine_pose_est_v5.h5").exists()


def test_hook_refuses_a_demo_run_into_raw_data_configured_elsewhere(tmp_path):
    config = yaml.safe_load((CONF / "catalog_raw.yml").read_text().replace("data/01_raw", str(tmp_path)))
    hook = DemoCohortGuardHooks()
    hook.before_pipeline_run(
        pipeline=create_pipeline(), catalog=DataCatalog.from_config(config)
    )  # consistent

    config["raw_metadata"]["filepath"] = str(
        tmp_path / "elsewhere" / "my_metadata.csv"
    )  # a conf/local override
    catalog = DataCatalog.from_config(config)
    with pytest.raises(ValueError, match=r"raw_metadata points at .*my_metadata\.csv.*--pipeline analysis"):
        hook.before_pipeline_run(pipeline=create_pipeline(), catalog=catalog)
    hook.before_pipeline_run(pipeline=Pipeline([]), catalog=catalog)  # runs without the demo are not checked

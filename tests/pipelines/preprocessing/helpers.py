"""Run the preprocessing pipeline on a tiny raw folder, with the project's own catalog entries."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from unsupervised_aging.pipelines.preprocessing import create_pipeline
from unsupervised_aging.pose import Pose
from unsupervised_aging.pose_io import JABS_KEYPOINTS, write_jabs

CONF = Path(__file__).resolve().parents[3] / "conf" / "base"
OUTPUTS = ("metadata", "pose_csvs", "poses", "training_set", "inference_batches", "qc_report", "qc_plot")


def walking_pose(n_frames: int, seed: int, missing: float = 0.02) -> Pose:
    """A mouse-like 12-keypoint pose drifting across a 700 px arena, a few points missing."""
    rng = np.random.default_rng(seed)
    centre = 350 + np.cumsum(rng.normal(0, 3, (n_frames, 1, 2)), axis=0)
    body = rng.normal(0, 20, (1, len(JABS_KEYPOINTS), 2))
    coords = centre + body + rng.normal(0, 1, (n_frames, len(JABS_KEYPOINTS), 2))
    conf = rng.uniform(0.6, 1.0, (n_frames, len(JABS_KEYPOINTS)))
    gone = rng.uniform(size=conf.shape) < missing
    coords[gone] = np.nan
    conf[gone] = 0
    return Pose(np.rint(coords), conf, JABS_KEYPOINTS, fps=30.0, cm_per_pixel=0.06)


def write_cohort(root: Path, names: list[str], n_frames: int = 40, sexes: str = "MF") -> pd.DataFrame:
    """JABS files ``data/01_raw/poses/<name>_pose_est_v5.h5`` and the matching metadata rows."""
    for i, name in enumerate(names):
        write_jabs(root / "data/01_raw/poses" / f"{name}_pose_est_v5.h5", walking_pose(n_frames, seed=i))
    meta = pd.DataFrame(
        {
            "name": names,
            "mouse_id": [f"m{i // 2}" for i in range(len(names))],
            "age": [10.0 + 15 * i for i in range(len(names))],
            "sex": [sexes[i % len(sexes)] for i in range(len(names))],
            "strain": "C57BL/6J",
        }
    )
    write_metadata(root, meta)
    return meta


def write_metadata(root: Path, meta: pd.DataFrame) -> None:
    path = root / "data/01_raw/metadata.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta.to_csv(path, index=False)


def params(**overrides: Any) -> dict[str, Any]:
    """The project's preprocessing parameters with ``{"section.key": value}`` overrides."""
    base = yaml.safe_load((CONF / "parameters_preprocessing.yml").read_text())["preprocessing"]
    base["qc"]["min_frames"] = 20  # the test videos are 30-40 frames long
    base["pose_csv"]["export"] = True  # exercised by the tests
    for dotted, value in overrides.items():
        target = base
        *parents, key = dotted.split(".")
        for parent in parents:
            target = target[parent]
        target[key] = value
    return base


def _rooted(config: dict[str, Any], root: Path) -> dict[str, Any]:
    config = copy.deepcopy(config)
    for entry in config.values():
        for key in ("filepath", "path"):
            if key in entry:
                entry[key] = str(root / entry[key])
    return config


def catalog(root: Path, preprocessing: dict[str, Any]) -> DataCatalog:
    """The project's raw and preprocessing entries (conf/base as it is), rooted under ``root``."""
    entries = yaml.safe_load((CONF / "catalog_preprocessing.yml").read_text())
    raw = yaml.safe_load((CONF / "catalog_raw.yml").read_text())
    entries |= {key: raw[key] for key in ("raw_poses", "raw_metadata")}
    cat = DataCatalog.from_config(_rooted(entries, root))
    cat["params:preprocessing"] = MemoryDataset(preprocessing)
    return cat


def run(root: Path, preprocessing: dict[str, Any] | None = None) -> DataCatalog:
    """Run the whole pipeline; returns the catalog to load outputs from."""
    cat = catalog(root, preprocessing or params())
    SequentialRunner().run(create_pipeline(), cat)
    return cat


def written_outputs(root: Path) -> list[str]:
    """Every file the pipeline may have written (nothing under data/ but 01_raw)."""
    return sorted(
        str(p.relative_to(root))
        for p in (root / "data").rglob("*")
        if p.is_file() and "01_raw" not in p.parts
    )

"""The shared datasets round-trip and stay readable by keypoint-moseq."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from unsupervised_aging.datasets import (
    AtomicCSVDataset,
    AtomicJSONDataset,
    AtomicPartitionedDataset,
    AtomicPickleDataset,
    AtomicTextDataset,
    KpmsResultsDataset,
    PoseDataset,
    atomic_path,
)
from unsupervised_aging.datasets.kpms_results import ResultsDict
from unsupervised_aging.pose import Pose


def test_pose_round_trip_keeps_nan_bodyparts_and_scale(tmp_path: Path) -> None:
    coords = np.random.default_rng(0).normal(size=(7, 3, 2)).astype(np.float32)
    coords[2, 1] = np.nan
    pose = Pose(coords, np.full((7, 3), 0.5), ["nose", "ear l", "tail"], fps=30.0, cm_per_pixel=0.08)
    ds = PoseDataset(str(tmp_path / "vid 'é.h5"))
    ds.save(pose)
    loaded = ds.load()
    np.testing.assert_array_equal(loaded.coordinates, coords)
    assert loaded.bodyparts == ["nose", "ear l", "tail"]
    assert loaded.cm_per_pixel == pytest.approx(0.08)


def test_pose_rejects_inconsistent_shapes() -> None:
    with pytest.raises(ValueError, match="inconsistent shapes"):
        Pose(np.zeros((5, 3, 2)), np.zeros((5, 2)), ["a", "b", "c"], fps=30.0)


def test_results_are_lazy_and_readable_by_keypoint_moseq(tmp_path: Path) -> None:
    import keypoint_moseq as kpms

    path = tmp_path / "results.h5"
    data = {f"rec {i}": {"syllable": np.arange(10) % 3, "centroid": np.zeros((10, 2))} for i in range(3)}
    KpmsResultsDataset(str(path)).save(ResultsDict(data, attrs={"model_name": "m1"}))
    lazy = KpmsResultsDataset(str(path)).load()
    assert sorted(lazy) == sorted(data) and lazy.attrs["model_name"] == "m1"
    np.testing.assert_array_equal(lazy["rec 1"]["syllable"], data["rec 1"]["syllable"])
    assert set(kpms.load_results(path=str(path))) == set(data)


def test_atomic_path_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_figure_saves_png_and_loads_bytes(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from unsupervised_aging.datasets import FigureDataset

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    ds = FigureDataset(str(tmp_path / "plots" / "line.png"))
    ds.save(fig)
    data = ds.load()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert ds.preview()


def test_atomic_path_gives_files_the_umask_permissions(tmp_path: Path) -> None:
    import os

    target = tmp_path / "shared.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("x")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


# --- atomic writes: a write that fails midway leaves the previous file as it was ----------------


class _FailsWhenWritten:
    """A value whose text (CSV), JSON or pickle form raises: the failure happens mid-write."""

    def __str__(self) -> str:
        raise RuntimeError("disk full")

    def __reduce__(self):
        raise RuntimeError("disk full")


def _frame(n: int, bad: bool = False) -> pd.DataFrame:
    values: list[object] = list(range(n))
    if bad:
        values[-1] = _FailsWhenWritten()
    return pd.DataFrame({"name": [f"v{i}" for i in range(n)], "value": values})


@pytest.mark.parametrize(
    ("dataset", "good", "bad"),
    [
        (AtomicCSVDataset, _frame(50_000), _frame(50_000, bad=True)),
        (AtomicJSONDataset, {"a": list(range(50_000))}, {"a": list(range(50_000)), "b": _FailsWhenWritten()}),
        (
            AtomicPickleDataset,
            {"a": list(range(50_000))},
            {"a": list(range(50_000)), "b": _FailsWhenWritten()},
        ),
        (AtomicTextDataset, "<p>ok</p>" * 50_000, "<p>ok</p>" * 50_000 + "\ud800"),  # not encodable
    ],
    ids=["csv", "json", "pickle", "text"],
)
def test_failed_write_leaves_the_previous_file_intact(tmp_path: Path, dataset, good, bad) -> None:
    target = tmp_path / "out" / "table.dat"
    ds = dataset(str(target))
    ds.save(good)
    before = target.read_bytes()
    with pytest.raises(DatasetError, match=r"disk full|not JSON serializable|surrogates not allowed"):
        ds.save(bad)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.dat"]  # no temporary file left
    loaded = ds.load()
    assert len(loaded) == len(good)


def test_kedro_datasets_writers_do_leave_a_half_written_file(tmp_path: Path) -> None:
    """Why the atomic variants exist: kedro-datasets' CSV writer truncates the old file first."""
    from kedro_datasets.pandas import CSVDataset

    target = tmp_path / "table.csv"
    ds = CSVDataset(filepath=str(target), save_args={"index": False})
    ds.save(_frame(50_000))
    before = target.read_bytes()
    with pytest.raises(DatasetError):
        ds.save(_frame(50_000, bad=True))
    assert target.read_bytes() != before


def test_partitioned_folder_is_replaced_whole_or_not_at_all(tmp_path: Path) -> None:
    folder = tmp_path / "poses"
    ds = AtomicPartitionedDataset(
        path=str(folder),
        dataset={"type": "unsupervised_aging.datasets.AtomicCSVDataset"},
        filename_suffix=".csv",
        overwrite=True,
    )
    ds.save({"a": _frame(3), "b": _frame(3)})
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def fails() -> pd.DataFrame:
        raise RuntimeError("video c cannot be built")

    with pytest.raises(DatasetError, match="video c cannot be built"):
        ds.save({"a": _frame(4), "b": _frame(4), "c": fails})  # a and b rewritten first, then c fails
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["poses"]  # no staging folder left
    ds.save({"z": _frame(2)})
    assert sorted(ds.load()) == ["z"]  # a successful save replaces the whole folder

"""Trajectories, dendrogram and grid movies through keypoint-moseq on real synthetic keypoints."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError
from matplotlib.figure import Figure

from unsupervised_aging.datasets.media import MovieDataset, VideoFolderDataset
from unsupervised_aging.pipelines.syllable_atlas import nodes
from unsupervised_aging.pipelines.syllable_atlas.recordings import AtlasRecordings, sample_names
from unsupervised_aging.pipelines.syllable_atlas.settings import AtlasSettings


def _vocabulary(recordings: AtlasRecordings, extra: int) -> dict[str, Any]:
    """The syllables present in the recordings plus one index that never occurs."""
    present = sorted(set(np.concatenate([r["syllable"] for r in recordings.results.values()]).tolist()))
    return {"n_syllables": extra + 1, "syllables": [*present, extra]}


def _text(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text")))


def test_every_vocabulary_syllable_gets_a_trajectory_plot(
    cohort_recordings: AtlasRecordings, atlas_params: dict[str, Any]
) -> None:
    vocabulary = _vocabulary(cohort_recordings, extra=15)
    names = pd.DataFrame({"syllable": ["s01"], "label": ["walk-ish"], "notes": [""]})
    per_syllable, combined, dendrogram = nodes.plot_syllable_trajectories(
        cohort_recordings, vocabulary, names, atlas_params
    )
    ids = [f"s{s:02d}" for s in vocabulary["syllables"]]
    assert list(per_syllable) == ids
    assert "s01 walk-ish" in _text(per_syllable["s01"])
    assert "no instance" in _text(per_syllable["s15"])  # absent from the videos: said so, not skipped
    for fig in (*per_syllable.values(), combined, dendrogram):
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        assert buf.getvalue().startswith(b"\x89PNG")
    leaves = [t.get_text() for t in dendrogram.axes[0].get_xticklabels()]
    assert sorted(leaves) == sorted(
        f"s{s:02d}" if s != 1 else "s01 walk-ish" for s in vocabulary["syllables"][:-1]
    )


def _read_movie(data: bytes, folder: Path) -> tuple[int, int, int]:
    path = folder / "movie.mp4"
    path.write_bytes(data)
    capture = cv2.VideoCapture(str(path))
    frames, shape = 0, None
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames, shape = frames + 1, frame.shape
    capture.release()
    assert shape is not None, "movie not readable"
    return frames, shape[0], shape[1]


def test_grid_movies_are_readable_with_the_expected_frames_and_size(
    cohort_recordings: AtlasRecordings, atlas_params: dict[str, Any], tmp_path: Path
) -> None:
    settings = AtlasSettings.from_params(atlas_params).grid_movies
    vocabulary = _vocabulary(cohort_recordings, extra=15)
    movies, index = nodes.make_grid_movies(cohort_recordings, vocabulary, atlas_params)
    assert movies, "no grid movie at all"
    assert "s15" not in movies  # never occurs
    expected_frames = round(settings.before_onset_s * 30) + round(settings.after_onset_s * 30)
    for sid, data in movies.items():
        frames, height, width = _read_movie(data, tmp_path)
        assert frames == expected_frames, sid
        assert height % settings.rows == 0 and width % settings.cols == 0
        tile = height // settings.rows
        assert width // settings.cols == tile and tile % 16 == 0
        assert max(height, width) <= settings.max_size_px
        tiles = index[index["syllable"] == sid]
        assert tiles["tile"].tolist() == list(range(settings.rows * settings.cols))
        assert set(tiles["video"]) <= set(cohort_recordings.coordinates)


def test_sampling_prefers_videos_that_have_a_video_file() -> None:
    names = [f"v{i}" for i in range(10)]
    assert sample_names(names, {}, 3, seed=0) == sample_names(names, {}, 3, seed=0)
    assert len(sample_names(names, {}, 3, seed=0)) == 3
    assert sample_names(names, {"v4": "a.mp4", "v8": "b.mp4", "zz": "c.mp4"}, 3, seed=0) == ["v4", "v8"]


def test_movie_dataset_round_trip_and_no_partial_file(tmp_path: Path) -> None:
    dataset = MovieDataset(str(tmp_path / "m" / "s07.mp4"))
    dataset.save(b"\x00\x00\x00\x18ftypmp42")
    assert dataset.load() == b"\x00\x00\x00\x18ftypmp42"
    with pytest.raises(DatasetError, match="expected the movie's encoded bytes"):
        MovieDataset(str(tmp_path / "bad.mp4")).save("not bytes")  # type: ignore[arg-type]
    assert not list(tmp_path.glob("bad*")) and not list(tmp_path.glob(".bad*"))


def test_video_folder_lists_videos_by_name(tmp_path: Path) -> None:
    assert VideoFolderDataset(str(tmp_path / "none"), [".mp4"]).load() == {}
    (tmp_path / "lab" / "day1").mkdir(parents=True)
    (tmp_path / "lab" / "day1" / "M01_week8.MP4").write_bytes(b"x")
    (tmp_path / "lab" / "notes.txt").write_text("x")
    assert VideoFolderDataset(str(tmp_path / "lab"), [".mp4"]).load() == {
        "M01_week8": str(tmp_path / "lab" / "day1" / "M01_week8.MP4")
    }


def test_settings_name_a_missing_key(atlas_params: dict[str, Any]) -> None:
    broken = {
        **atlas_params,
        "grid_movies": {k: v for k, v in atlas_params["grid_movies"].items() if k != "rows"},
    }
    with pytest.raises(ValueError, match=r"grid_movies: missing key\(s\) \['rows'\]"):
        AtlasSettings.from_params(broken)

"""The atlas after the README's main command: every demo syllable is shown, and a label reaches the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import pandas as pd
import pytest
import yaml

from tests.end_to_end import kedro

pytestmark = pytest.mark.slow


def _vocabulary_ids(data: Path) -> list[str]:
    from unsupervised_aging.pipelines.syllable_atlas.names import vocabulary_ids

    return list(
        vocabulary_ids(json.loads((data / "04_feature" / "feature_vocabulary.json").read_text())).values()
    )


def test_every_vocabulary_syllable_has_a_plot_and_a_playable_movie(demo_project: Path) -> None:
    data = demo_project / "data"
    ids = _vocabulary_ids(data)
    features = pd.read_csv(data / "04_feature" / "features.csv")
    assert {f"usage_{sid}" for sid in ids} <= set(features.columns)  # the features table's naming
    atlas = data / "08_reporting" / "syllable_atlas"
    assert sorted(p.stem for p in (atlas / "trajectories").glob("*.png")) == sorted(ids)
    for name in ("all_trajectories.png", "similarity_dendrogram.png", "state_usage_by_age.png"):
        assert (atlas / name).stat().st_size > 1000, name
    params = yaml.safe_load((demo_project / "conf" / "base" / "parameters_syllable_atlas.yml").read_text())
    movie = params["syllable_atlas"]["grid_movies"]
    fps = pd.read_csv(data / "02_intermediate" / "metadata.csv")["fps"].iloc[0]
    movies = sorted((atlas / "grid_movies").glob("*.mp4"))
    assert len(movies) >= 0.8 * len(ids)  # a rare syllable may lack rows × cols instances
    for path in movies:
        capture = cv2.VideoCapture(str(path))
        assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == round(movie["before_onset_s"] * fps) + round(
            movie["after_onset_s"] * fps
        )
        assert (
            capture.get(cv2.CAP_PROP_FOURCC)
            and max(capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
            <= movie["max_size_px"]
        )
        capture.release()
    page = (data / "08_reporting" / "report.html").read_text()
    assert page.count("data:video/mp4;base64,") == len(movies)
    assert all(f"{sid} (no label yet)" in page for sid in ids)


def test_a_filled_in_label_appears_in_the_report(demo_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(demo_project, project)  # the session's demo stays as the README's command left it
    names_file = project / "data" / "01_raw" / "syllable_names.csv"
    names = pd.read_csv(names_file, dtype=str, keep_default_na=False)
    assert names["syllable"].tolist()[: len(_vocabulary_ids(project / "data"))] == _vocabulary_ids(
        project / "data"
    )
    first = names["syllable"].iloc[0]
    names.loc[0, ["label", "notes"]] = ["rear & look", "hind paws only"]
    names.to_csv(names_file, index=False)
    done = kedro(project, "run", "--pipelines", "syllable_atlas,report")
    assert done.returncode == 0, done.stderr[-3000:]
    page = (project / "data" / "08_reporting" / "report.html").read_text()
    assert f"{first} · rear &amp; look" in page and "hind paws only" in page
    kept = pd.read_csv(names_file, dtype=str, keep_default_na=False)
    assert kept.loc[0, "label"] == "rear & look"  # the rerun keeps what the user typed

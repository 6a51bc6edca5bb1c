"""The report's syllable section: a card per vocabulary syllable with the user's label and the movie."""

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from unsupervised_aging.pipelines.report.syllables import build_syllable_section, usage_by_age


def _png() -> bytes:
    fig, _ = plt.subplots(figsize=(1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _features() -> pd.DataFrame:
    age = np.array([10.0, 12.0, 60.0, 70.0, 120.0, 140.0])
    return pd.DataFrame(
        {"name": list("abcdef"), "age": age, "usage_s03": [0.5, 0.5, 0.3, 0.3, 0.1, 0.1], "usage_s07": 0.2}
    )


def test_section_shows_labels_trajectories_movies_and_usage() -> None:
    png, mp4 = _png(), b"\x00\x00\x00\x18ftypmp42 a movie"
    names = pd.DataFrame(
        {"syllable": ["s03", "s07"], "label": ["<rear>", ""], "notes": ["stands on hind paws", ""]}
    )
    section = build_syllable_section(
        syllable_names=names,
        vocabulary={"n_syllables": 12, "syllables": [3, 7]},
        features=_features(),
        trajectory_plots={"s03": lambda: png, "s07": lambda: png},
        grid_movies={"s03": lambda: mp4},
        dendrogram=png,
        state_usage_by_age=png,
        state_emissions=png,
        params={"target": "age", "n_age_groups": 3},
    )
    assert "s03 · &lt;rear&gt;" in section and "<rear>" not in section  # label shown, escaped
    assert "stands on hind paws" in section and "s07 (no label yet)" in section
    assert section.count("data:video/mp4;base64,") == 1
    assert base64.b64encode(mp4).decode() in section and "loop" in section
    assert "No grid movie" in section  # s07 has none
    assert section.count("data:image/png;base64,") == 2 + 3  # two trajectories, dendrogram, two state plots
    assert "50" in section and "10" in section  # usage % of s03 in the youngest and oldest groups


def test_usage_by_age_is_a_percentage_per_group() -> None:
    table = usage_by_age(_features(), ["s03", "s07", "s11"], "age", 3)
    assert table.shape == (3, 3)
    assert np.allclose(table.loc["s03"].to_numpy(), [50.0, 30.0, 10.0])
    assert table.loc["s11"].isna().all()  # no column for it

"""The report's syllable section: each syllable's name, trajectory, grid movie and usage by age.

Movies are embedded as base64 H.264 MP4 in looping, muted ``<video>`` elements (every current browser
plays them inline), so the report stays one file.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from unsupervised_aging.pipelines.report import html
from unsupervised_aging.pipelines.report.nodes import age_groups
from unsupervised_aging.pipelines.syllable_atlas.names import vocabulary_ids

logger = logging.getLogger(__name__)

STYLE = (
    "<style>.syllables{display:flex;flex-wrap:wrap;gap:1em}.syllable{border:1px solid #ddd;"
    "border-radius:6px;padding:.5em;width:330px}.syllable h3{margin:.1em 0;font-size:1em}"
    ".syllable img,.syllable video{max-width:100%;display:block;margin:.3em 0}"
    ".syllable table{font-size:.8em;margin:.3em 0}</style>"
)


def movie(mp4: bytes, caption: str) -> str:
    """Embed MP4 bytes as a looping, muted, autoplaying ``<video>``."""
    data = base64.b64encode(mp4).decode("ascii")
    return (
        f'<video autoplay loop muted playsinline title="{html.escape(caption)}" '
        f'src="data:video/mp4;base64,{data}"></video>'
    )


def _image(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'


def usage_by_age(features: pd.DataFrame, ids: list[str], target: str, n_groups: int) -> pd.DataFrame:
    """Mean share of frames (%) of each syllable per age group.

    Returns
    -------
    pd.DataFrame
        ``(len(ids), n_groups)``: index the ids, columns the age groups (``"8–40 wk"``); a
        syllable without a ``usage_<id>`` column gets NaN.
    """
    columns = {sid: f"usage_{sid}" for sid in ids}
    present = [c for c in columns.values() if c in features]
    if target not in features or not present:
        return pd.DataFrame(index=ids)
    means = features[present].groupby(age_groups(features[target], n_groups), observed=True).mean() * 100
    means.columns = [c.removeprefix("usage_") for c in means.columns]
    return means.T.reindex(ids)


def _card(
    sid: str, row: pd.Series, trajectory: bytes | None, grid_movie: bytes | None, usage: pd.Series
) -> str:
    title = f"{sid} · {row['label']}" if row["label"] else f"{sid} (no label yet)"
    parts = [f"<h3>{html.escape(title)}</h3>"]
    if row["notes"]:
        parts.append(f'<p class="note">{html.escape(row["notes"])}</p>')
    if trajectory:
        parts.append(_image(trajectory, f"{sid} typical trajectory"))
    if grid_movie:
        parts.append(movie(grid_movie, f"{sid} grid movie"))
    else:
        parts.append('<p class="note">No grid movie: too few instances in the sampled videos.</p>')
    if len(usage.dropna()):
        parts.append(html.table(usage.round(2).to_frame("usage %").T.reset_index(names="")))
    return f'<div class="syllable">{"".join(parts)}</div>'


def build_syllable_section(
    syllable_names: pd.DataFrame,
    vocabulary: dict[str, Any],
    features: pd.DataFrame,
    trajectory_plots: Mapping[str, Callable[[], bytes]],
    grid_movies: Mapping[str, Callable[[], bytes]],
    dendrogram: bytes,
    state_usage_by_age: bytes,
    state_emissions: bytes,
    params: dict[str, Any],
) -> str:
    """HTML of the syllable atlas for the report.

    Parameters
    ----------
    syllable_names
        ``syllable``, ``label``, ``notes`` (the user's names, pre-filled).
    vocabulary
        ``feature_vocabulary``: which syllables to show, in order.
    features
        The features table (``usage_<id>`` columns and the target).
    trajectory_plots, grid_movies
        ``{id: loader of PNG / MP4 bytes}`` (partitions of the atlas's catalog entries).
    dendrogram, state_usage_by_age, state_emissions
        PNG bytes.
    params
        ``target``, ``n_age_groups`` (``params:report``).

    Returns
    -------
    str
        The section's HTML (dendrogram, one card per syllable, behavioural states).
    """
    ids = list(vocabulary_ids(vocabulary).values())
    table = syllable_names.fillna("").astype(str).set_index("syllable").reindex(ids, fill_value="")
    usage = usage_by_age(features, ids, params["target"], int(params["n_age_groups"]))
    plots, movies = dict(trajectory_plots), dict(grid_movies)  # partition ids are the syllable ids
    cards = [
        _card(
            sid,
            table.loc[sid],
            plots[sid]() if sid in plots else None,
            movies[sid]() if sid in movies else None,
            usage.loc[sid] if sid in usage.index else pd.Series(dtype=float),
        )
        for sid in ids
    ]
    labelled = int((table["label"] != "").sum())
    logger.info("Syllable section: %d syllables (%d labelled), %d movies", len(ids), labelled, len(movies))
    return (
        STYLE + f"<p>{len(ids)} syllables have feature columns; {labelled} are labelled. Name them in "
        "<code>data/01_raw/syllable_names.csv</code> (columns syllable, label, notes) or with "
        "keypoint-MoSeq's labelling widget, then rerun <code>kedro run --pipeline syllable_atlas</code> "
        "and <code>--pipeline report</code>. Each card: the typical trajectory (poses from onset, "
        "egocentric), a grid movie of bouts (a dot marks the syllable) and the mean share of frames "
        f"per {html.escape(params['target'])} group.</p>"
        + html.figure(dendrogram, "Syllable similarity: complete linkage of typical-trajectory distances")
        + f'<div class="syllables">{"".join(cards)}</div>'
        + "<h3>Behavioural states</h3>"
        + html.figure(state_usage_by_age, "Behavioural state usage by age group")
        + html.figure(state_emissions, "Probability of each syllable in each behavioural state")
    )

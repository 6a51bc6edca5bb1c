"""CPU seconds of each syllable_atlas node (and the report's syllable section) on a finished run.

Loads the nodes' inputs from the project's catalog (run ``kedro run`` first), runs every node and
saves its outputs to a temporary folder (PNG and MP4 encoding included), and prints per node the
wall time and the CPU seconds of this process plus its children (ffmpeg encodes the movies in a
subprocess). CPU seconds are what to compare on a loaded machine: wall time grows with the others'
load, CPU time hardly. keypoint-moseq's import is timed apart: the default run has already paid it
in kpms_training.

Run from the project root: ``.venv/bin/python benchmarks/syllable_atlas_speed.py``
"""

from __future__ import annotations

import io
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, work: Callable[[], Any], rows: list[tuple[str, float, float]]) -> Any:
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = work()
    rows.append((label, time.perf_counter() - wall, cpu_seconds() - cpu))
    return out


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return buf.getvalue()


def main() -> None:
    project = Path.cwd()
    bootstrap_project(project)
    rows: list[tuple[str, float, float]] = []
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        timed("import keypoint_moseq", lambda: __import__("keypoint_moseq"), rows)
        from unsupervised_aging.pipelines.report.syllables import build_syllable_section
        from unsupervised_aging.pipelines.syllable_atlas import nodes

        params = catalog.load("params:syllable_atlas")
        vocabulary = catalog.load("feature_vocabulary")
        names = timed(
            "update_syllable_names",
            lambda: nodes.update_syllable_names(
                vocabulary,
                catalog.load("syllable_names"),
                catalog.load("kpms_syll_info"),
                catalog.load("kpms_selected_model"),
            ),
            rows,
        )
        recordings = timed(
            "sample_atlas_recordings",
            lambda: nodes.sample_atlas_recordings(
                catalog.load("kpms_results"),
                catalog.load("poses"),
                catalog.load("kpms_config"),
                catalog.load("raw_videos"),
                params,
            ),
            rows,
        )

        def trajectories() -> dict[str, bytes]:
            per_syllable, combined, dendrogram = nodes.plot_syllable_trajectories(
                recordings, vocabulary, names, params
            )
            return {**{k: _png(f) for k, f in per_syllable.items()}, "_dendrogram": _png(dendrogram)} | {
                "_combined": _png(combined)
            }

        pngs = timed("plot_syllable_trajectories (+ PNGs)", trajectories, rows)
        movies, _ = timed(
            "make_grid_movies", lambda: nodes.make_grid_movies(recordings, vocabulary, params), rows
        )
        features = catalog.load("features")
        usage = timed(
            "plot_state_usage_by_age (+ PNG)",
            lambda: _png(nodes.plot_state_usage_by_age(features, params)),
            rows,
        )
        emissions = timed(
            "plot_state_emissions (+ PNG)",
            lambda: _png(
                nodes.plot_state_emissions(catalog.load("behavioural_state_model"), vocabulary, names)
            ),
            rows,
        )
        section = timed(
            "build_syllable_section (report)",
            lambda: build_syllable_section(
                names,
                vocabulary,
                features,
                {k: (lambda v=v: v) for k, v in pngs.items() if not k.startswith("_")},
                {k: (lambda v=v: v) for k, v in movies.items()},
                pngs["_dendrogram"],
                usage,
                emissions,
                catalog.load("params:report"),
            ),
            rows,
        )
    n_videos, n_syllables = len(recordings.coordinates), len(vocabulary["syllables"])
    print(f"{n_videos} videos, {n_syllables} syllables, {len(movies)} movies")
    print(f"{'step':40s} {'wall s':>8s} {'CPU s':>8s}")
    for label, wall, cpu in rows:
        print(f"{label:40s} {wall:8.1f} {cpu:8.1f}")
    atlas = [r for r in rows if r[0] != "import keypoint_moseq"]
    wall, cpu = sum(r[1] for r in atlas), sum(r[2] for r in atlas)
    print(f"{'atlas + section (import excluded)':40s} {wall:8.1f} {cpu:8.1f}")
    sizes = sum(map(len, movies.values())), sum(len(v) for k, v in pngs.items() if not k.startswith("_"))
    print(f"movies {sizes[0] / 1e3:.0f} kB, trajectory PNGs {sizes[1] / 1e3:.0f} kB", end=", ")
    print(f"report section {len(section) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

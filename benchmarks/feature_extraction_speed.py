"""Feature extraction speed and memory: our streaming numpy code vs keypoint-moseq's analysis functions.

``--per-video`` instead times the whole ``extract_video_features`` node (syllables, metasyllables,
states, mutual information, latent statistics) on one-hour recordings (108,000 frames) and prints CPU
seconds (``resource.getrusage``: not inflated by other load) and wall seconds per video; the target
is 3.6 s per one-hour video (1 hour per 1,000 video-hours on 2 cores). Run:
``.venv/bin/python benchmarks/feature_extraction_speed.py --per-video [--recordings 8 --frames
108000]``. It only uses the nodes' public signatures, so it also runs on older checkouts (before and
after figures: ``PYTHONPATH=<old checkout>/src``).

Builds a keypoint-moseq project in a temporary folder whose ``results.h5`` holds 40 recordings ×
54,000 frames (30 min at 30 fps), then times, each in a fresh subprocess:

- ``ours``: ``select_vocabulary`` + ``syllable_features`` for every recording, read one at a time
  (usage, bout usage, duration mean/median/CV, bigram transitions, entropies, speed and angular
  velocity per syllable and overall);
- ``kpms``: keypoint-moseq's ``compute_moseq_df`` + ``compute_stats_df`` +
  ``generate_transition_matrices`` (one group per recording, so it gives per-recording matrices
  like ours).

It prints the fastest of ``--repeats`` timings of the computation (imports excluded; the fastest
is the least disturbed by other load on the machine), the peak RSS of the whole process
(``resource.getrusage``, imports included) and the RSS after imports, the speed ratio, and our
peak RSS on a quarter of the recordings to show that memory does not grow with their number.

Run: ``.venv/bin/python benchmarks/feature_extraction_speed.py [--recordings 40 --frames 54000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_SYLLABLES = 40
FPS = 30.0
MODEL = "model"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_recording(rng: np.random.Generator, n_frames: int) -> dict[str, np.ndarray]:
    """Syllable bouts of 1-30 frames from a Zipf-like usage, a random-walk centroid, a turning heading."""
    n_bouts = n_frames // 8
    usage = 0.85 ** np.arange(N_SYLLABLES)
    bouts = rng.choice(N_SYLLABLES, size=n_bouts, p=usage / usage.sum())
    syllable = np.repeat(bouts, rng.integers(1, 30, size=n_bouts))[:n_frames]
    syllable[-3:] = N_SYLLABLES - 1  # keypoint-moseq 0.8 fails on a group lacking the highest syllable
    return {
        "syllable": syllable,
        "latent_state": rng.normal(size=(n_frames, 10)).astype(np.float32),
        "centroid": np.cumsum(rng.normal(0, 2, size=(n_frames, 2)), axis=0),
        "heading": np.angle(np.exp(1j * np.cumsum(rng.normal(0, 0.1, size=n_frames)))),
    }


def build_project(project: Path, n_recordings: int, n_frames: int) -> None:
    """Write ``project/model/results.h5`` with our dataset (keypoint-moseq's layout) and ``index.csv``."""
    import pandas as pd

    from unsupervised_aging.datasets import KpmsResultsDataset

    rng = np.random.default_rng(0)
    names = [f"session_{i:03d}" for i in range(n_recordings)]

    class Lazy(dict):  # generate one recording at a time while saving
        def __getitem__(self, name: str) -> dict[str, np.ndarray]:
            return make_recording(rng, n_frames)

    KpmsResultsDataset(str(project / MODEL / "results.h5")).save(Lazy.fromkeys(names))
    pd.DataFrame({"name": names, "group": names}).to_csv(project / "index.csv", index=False)


def run_ours(project: Path, limit: int | None) -> dict[str, float]:
    import pandas as pd

    from unsupervised_aging.datasets import KpmsResultsDataset
    from unsupervised_aging.pipelines.feature_engineering.inputs import read_recording
    from unsupervised_aging.pipelines.feature_engineering.kinematics import frame_kinematics
    from unsupervised_aging.pipelines.feature_engineering.nodes import select_vocabulary
    from unsupervised_aging.pipelines.feature_engineering.recording import (
        LabelSet,
        Motion,
        label_features,
        whole_video_features,
    )

    def syllable_features(record: dict[str, np.ndarray], vocabulary: dict) -> dict[str, float]:
        labels = np.asarray(record["syllable"], dtype=np.int64)
        motion = Motion(*frame_kinematics(record["centroid"], record["heading"], FPS), "px")
        label_set = LabelSet(
            "s",
            vocabulary["n_syllables"],
            tuple(vocabulary["syllables"]),
            tuple(map(tuple, vocabulary["bigrams"])),
        )
        row, counts = label_features(labels, label_set, FPS, motion, "bigram")
        return {**row, **whole_video_features(labels, counts, motion)}

    rss_imports = peak_rss_mb()
    start = time.perf_counter()
    results = KpmsResultsDataset(str(project / MODEL / "results.h5")).load()
    names = list(results)[:limit]
    everyone = pd.DataFrame({"name": names})
    identity = pd.DataFrame({"syllable": range(N_SYLLABLES), "metasyllable": range(N_SYLLABLES)})
    vocabulary = select_vocabulary(results, everyone, identity, yaml_parameters(min_bigram_frequency=0.0))
    keys = ("syllable", "centroid", "heading")
    rows = [{"name": n, **syllable_features(read_recording(results, n, keys), vocabulary)} for n in names]
    table = pd.DataFrame(rows)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rss_imports_mb": rss_imports,
        "peak_rss_mb": peak_rss_mb(),
        "shape": table.shape,
    }


def yaml_parameters(**overrides: object) -> dict:
    """``params:feature_engineering`` from the project's YAML, with top-level overrides."""
    import yaml

    conf = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_feature_engineering.yml"
    return {**yaml.safe_load(conf.read_text())["feature_engineering"], **overrides}


def cpu_seconds() -> float:
    """CPU seconds (user + system, all threads) of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_per_video(project: Path) -> dict[str, float]:
    """The whole extract_video_features node on every recording, after the two nodes it needs."""
    import pandas as pd

    from unsupervised_aging.datasets import KpmsResultsDataset
    from unsupervised_aging.pipelines.feature_engineering import nodes

    results = KpmsResultsDataset(str(project / MODEL / "results.h5")).load()
    names = list(results)
    metadata = pd.DataFrame({"name": names, "mouse_id": names, "fps": FPS, "cm_per_pixel": 0.05})
    identity = pd.DataFrame({"syllable": range(N_SYLLABLES), "metasyllable": np.arange(N_SYLLABLES) // 2})
    params = yaml_parameters()
    vocabulary = nodes.select_vocabulary(results, metadata, identity, params)
    state_model = nodes.fit_behavioural_states(results, metadata, metadata, vocabulary, params)
    cpu, wall = cpu_seconds(), time.perf_counter()
    features, _ = nodes.extract_video_features(results, metadata, vocabulary, state_model, params)
    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    return {
        "cpu_per_video_s": cpu / len(names),
        "wall_per_video_s": wall / len(names),
        "peak_rss_mb": peak_rss_mb(),
        "shape": list(features.shape),
    }


def run_kpms(project: Path) -> dict[str, float]:
    import contextlib
    import io

    from keypoint_moseq.analysis import compute_moseq_df, compute_stats_df, generate_transition_matrices

    rss_imports = peak_rss_mb()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        moseq_df = compute_moseq_df(str(project), MODEL, fps=FPS)
        stats = compute_stats_df(moseq_df, min_frequency=0.005)
        matrices, _, _, _ = generate_transition_matrices(str(project), MODEL, min_frequency=0.005)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rss_imports_mb": rss_imports,
        "peak_rss_mb": peak_rss_mb(),
        "shape": [len(stats), len(matrices)],
    }


def worker(args: argparse.Namespace) -> None:
    """Run one side ``repeats`` times in this process; report the fastest time and the peak RSS."""
    project = Path(args.project)
    if args.worker == "per_video":
        print(json.dumps(run_per_video(project)))
        return
    runs = [
        run_ours(project, args.limit) if args.worker == "ours" else run_kpms(project)
        for _ in range(args.repeats)
    ]
    print(json.dumps({**runs[0], "seconds": min(r["seconds"] for r in runs), "peak_rss_mb": peak_rss_mb()}))


def in_subprocess(*extra: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, *extra], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=40)
    parser.add_argument("--frames", type=int, default=54_000)
    parser.add_argument("--repeats", type=int, default=3, help="time each side this often, keep the fastest")
    parser.add_argument("--per-video", action="store_true", help="time the whole node per one-hour video")
    parser.add_argument("--worker", choices=["ours", "kpms", "per_video"], help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.per_video:
        per_video(args)
        return
    with tempfile.TemporaryDirectory(prefix="feature_benchmark_") as folder:
        project = Path(folder)
        start = time.perf_counter()
        build_project(project, args.recordings, args.frames)
        size = (project / MODEL / "results.h5").stat().st_size / 2**20
        print(
            f"results.h5: {args.recordings} recordings × {args.frames} frames, {size:.0f} MiB "
            f"(built in {time.perf_counter() - start:.1f} s)"
        )
        quarter = max(1, args.recordings // 4)
        common = ("--project", folder, "--repeats", str(args.repeats))
        ours_quarter = in_subprocess("--worker", "ours", *common, "--limit", str(quarter))
        ours = in_subprocess("--worker", "ours", *common)
        kpms = in_subprocess("--worker", "kpms", *common)
    print(f"{'':34s}{'best time (s)':>14s}{'peak RSS (MB)':>15s}{'RSS after imports (MB)':>24s}")
    for label, result in (
        (f"ours, {quarter} recordings", ours_quarter),
        (f"ours, {args.recordings} recordings", ours),
        (f"keypoint-moseq, {args.recordings} recordings", kpms),
    ):
        print(
            f"{label:34s}{result['seconds']:14.2f}{result['peak_rss_mb']:15.0f}{result['rss_imports_mb']:24.0f}"
        )
    print(f"speed ratio keypoint-moseq / ours: {kpms['seconds'] / ours['seconds']:.1f}×")
    print(f"peak RSS ratio keypoint-moseq / ours: {kpms['peak_rss_mb'] / ours['peak_rss_mb']:.1f}×")
    growth = ours["peak_rss_mb"] - ours["rss_imports_mb"]
    growth_quarter = ours_quarter["peak_rss_mb"] - ours_quarter["rss_imports_mb"]
    print(
        f"our memory above imports: {growth_quarter:.0f} MB for {quarter} recordings, "
        f"{growth:.0f} MB for {args.recordings}"
    )


def per_video(args: argparse.Namespace) -> None:
    """Build one-hour recordings (unless --frames says otherwise) and time the node on them."""
    with tempfile.TemporaryDirectory(prefix="feature_benchmark_") as folder:
        build_project(Path(folder), args.recordings, args.frames)
        result = in_subprocess("--worker", "per_video", "--project", folder)
    print(f"{args.recordings} recordings × {args.frames} frames; target 3.6 CPU s per one-hour video")
    print(f"{'CPU s / video':>15s}{'wall s / video':>16s}{'peak RSS (MB)':>15s}{'features':>10s}")
    print(
        f"{result['cpu_per_video_s']:15.2f}{result['wall_per_video_s']:16.2f}"
        f"{result['peak_rss_mb']:15.0f}{result['shape'][1]:10d}"
    )


if __name__ == "__main__":
    main()

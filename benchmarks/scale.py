"""What a real cohort costs: N synthetic one-hour videos through every per-video stage (issue 11).

Usage, from the project root::

    .venv/bin/python benchmarks/scale.py                          # 8 one-hour videos
    .venv/bin/python benchmarks/scale.py --n-videos 200 --inference-iters 10 --keep /scratch/scale

The script copies the project's ``pyproject.toml`` and ``conf/`` into a throw-away folder
(``--keep`` to choose and keep it), writes a conf environment ``scale`` there (the cohort size,
``--inference-iters`` Gibbs iterations of apply_model; everything else is the project's
configuration) and runs ``kedro run --pipeline <stage> --env scale`` in it for
``synthetic_cohort`` (the data, not timed as a stage), ``preprocessing``, ``kpms_training`` (on the
training sample preprocessing draws), ``kpms_inference`` and ``feature_engineering``. The
project's own ``data/`` is never touched.

Per stage it prints wall and CPU seconds (the kedro process and its children, from
``os.wait4``), frames per wall second, peak RSS, and the projected cost of 1,000 video-hours on
this machine (wall and CPU scaled linearly by video-hours; kpms_training is a one-off cost of
the training sample, so its projection assumes the sample grows with the cohort up to
preprocessing's ``training_set.n``). Per-video CPU stages (preprocessing, feature_engineering)
are checked against the goal of <= 1 hour per 1,000 video-hours on 2 cores, i.e. <= 3.6 s of
wall time per one-hour video: ``wall`` is the measured wall time, ``2-core`` the CPU time
divided by 2 (the wall time of an idle 2-core machine running the stage in parallel, which is
what matters on a shared, loaded machine). Exit code 1 when a stage fails; its log is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FRAMES_PER_HOUR = 108_000  # 30 fps
STAGES = ("preprocessing", "kpms_training", "kpms_inference", "feature_engineering")
PER_VIDEO_CPU_STAGES = ("preprocessing", "feature_engineering")
GOAL_S_PER_VIDEO_HOUR = 3600.0 / 1000.0  # <= 1 hour per 1,000 video-hours
TRAINING_SAMPLE = 250  # preprocessing.training_set.n: the training sample of a 1,000-video cohort


@dataclass(frozen=True)
class StageRun:
    """Resources of one ``kedro run`` subprocess (it and the children it waited for)."""

    stage: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int
    log: Path


def write_project(root: Path, n_videos: int, n_frames: int, inference_iters: int) -> None:
    """Copy the project's configuration into ``root`` and add the ``scale`` environment."""
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf" / "base", root / "conf" / "base")
    (root / "src").mkdir()  # Kedro wants a source folder; the package is imported from this checkout
    (root / "conf" / "local").mkdir()
    (root / "data").mkdir()
    scale = root / "conf" / "scale"
    scale.mkdir()
    parameters = {
        "synthetic_cohort": {"n_mice": n_videos, "videos_per_mouse": 1, "n_frames": n_frames, "size": 1.0},
        "kpms_inference": {"num_iters": inference_iters},
    }
    base = {}
    for path in (root / "conf" / "base").glob("parameters*.yml"):
        base.update(yaml.safe_load(path.read_text()) or {})
    # Kedro replaces a whole top-level block it finds in an environment: merge into the base block.
    merged = {key: {**base[key], **values} for key, values in parameters.items()}
    (scale / "parameters_scale.yml").write_text(yaml.safe_dump(merged, sort_keys=False))


def run_stage(root: Path, stage: str, timeout_s: float) -> StageRun:
    """``kedro run --pipeline stage --env scale`` in ``root``; wall, CPU and peak RSS of the process tree."""
    log = root / f"{stage}.log"
    env = {**os.environ, "KEDRO_ENV": "scale", "KEDRO_DISABLE_TELEMETRY": "1"}
    kedro = Path(sys.executable).with_name("kedro")
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(kedro), "run", "--pipeline", stage, "--env", "scale"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                out.write(f"\nscale.py: killed after {timeout_s:.0f} s (--stage-timeout-s)\n")
                break
            time.sleep(0.5)
    return StageRun(
        stage=stage,
        wall_s=time.perf_counter() - started,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        returncode=os.waitstatus_to_exitcode(status),
        log=log,
    )


def print_table(runs: list[StageRun], n_videos: int, n_frames: int, n_training: int) -> None:
    """Per stage: wall, CPU, frames/s, peak RSS, projection to 1,000 video-hours, the 2-core goal."""
    hours = n_videos * n_frames / FRAMES_PER_HOUR
    frames = n_videos * n_frames
    print(
        f"\n{n_videos} videos x {n_frames} frames ({hours:.1f} video-hours), {os.cpu_count()} CPU(s), "
        f"training sample {n_training} videos"
    )
    header = (
        f"{'stage':<20}{'wall s':>8}{'CPU s':>8}{'frames/s':>10}{'peak RSS MB':>12}"
        f"{'wall s/video-h':>15}{'1000 video-h: wall h':>21}{'CPU h':>7}{'  goal <=3.6 s/video-h'}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        # kpms_training fits the training sample only: scale it by sample size, not cohort size.
        if run.stage == "kpms_training":
            scale = TRAINING_SAMPLE / max(n_training, 1)
        else:
            scale = 1000 / hours
        wall_h, cpu_h = run.wall_s * scale / 3600, run.cpu_s * scale / 3600
        verdict = ""
        if run.stage in PER_VIDEO_CPU_STAGES:
            wall_per, two_core = run.wall_s / hours, run.cpu_s / hours / 2
            ok = "meets" if two_core <= GOAL_S_PER_VIDEO_HOUR else "OVER"
            verdict = f"  {ok}: 2-core {two_core:.1f} s, wall {wall_per:.1f} s"
            if ok == "OVER":
                verdict += f" ({two_core / GOAL_S_PER_VIDEO_HOUR:.1f}x the goal)"
        status = "" if run.returncode == 0 else f"  FAILED (exit {run.returncode}, {run.log})"
        print(
            f"{run.stage:<20}{run.wall_s:>8.0f}{run.cpu_s:>8.0f}{frames / run.wall_s:>10.0f}"
            f"{run.peak_rss_mb:>12.0f}{run.wall_s / hours:>15.1f}{wall_h:>21.1f}{cpu_h:>7.1f}"
            f"{verdict}{status}"
        )
    print(
        "kpms_training projects a 250-video training sample (preprocessing.training_set.n) per "
        "1,000 video-hours; kpms_inference uses the scale env's num_iters (cost grows linearly with it)."
    )


def slowest_nodes(log: Path, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` longest nodes of a stage, from the project's "Node 'x' took N s" log lines."""
    text = " ".join(log.read_text(errors="replace").split())
    times = [(m[1], float(m[2])) for m in re.finditer(r"Node '([^']+)' took ([\d.]+) s", text)]
    return sorted(times, key=lambda item: -item[1])[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-videos", type=int, default=8, help="one-hour videos in the cohort")
    parser.add_argument("--frames", type=int, default=FRAMES_PER_HOUR, help="frames per video")
    parser.add_argument("--inference-iters", type=int, default=3, help="apply_model Gibbs iterations")
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--stage-timeout-s", type=float, default=3600.0, help="kill a stage after this")
    parser.add_argument("--keep", type=Path, help="work in (and keep) this new folder")
    parser.add_argument(
        "--resume",
        type=Path,
        help="run --stages in a folder an earlier --keep run left (its cohort and env; give its --n-videos)",
    )
    args = parser.parse_args()
    if args.n_videos < 1 or args.frames < 2:
        raise SystemExit("scale.py: --n-videos must be >= 1 and --frames >= 2")

    if args.resume:
        root, cleanup = args.resume, None
    elif args.keep:
        args.keep.mkdir(parents=True)
        root, cleanup = args.keep, None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="scale_")
        root = Path(cleanup.name)
    try:
        runs: list[StageRun] = []
        if not args.resume:
            write_project(root, args.n_videos, args.frames, args.inference_iters)
            print(f"throw-away project in {root} (conf env 'scale'); writing the cohort", flush=True)
            data = run_stage(root, "synthetic_cohort", args.stage_timeout_s)
            print(f"synthetic_cohort: {data.wall_s:.0f} s wall, {data.cpu_s:.0f} s CPU", flush=True)
            runs = [data] if data.returncode else []
        for stage in args.stages if not runs else []:
            run = run_stage(root, stage, args.stage_timeout_s)
            runs.append(run)
            print(
                f"{stage}: {run.wall_s:.0f} s wall, {run.cpu_s:.0f} s CPU, "
                f"peak RSS {run.peak_rss_mb:.0f} MB, exit {run.returncode}",
                flush=True,
            )
            if run.returncode:
                break
        n_training = _training_videos(root)
        print_table([r for r in runs if r.stage in STAGES], args.n_videos, args.frames, n_training)
        print("\nslowest nodes (wall s, from the NodeTimingHooks log lines):")
        for run in runs:
            nodes = ", ".join(f"{name} {seconds:.0f}" for name, seconds in slowest_nodes(run.log))
            print(f"  {run.stage:<20}{nodes}")
        failed = [r for r in runs if r.returncode]
        if failed:
            print(f"\n--- last lines of {failed[0].log} ---")
            print("\n".join(failed[0].log.read_text().splitlines()[-30:]))
            raise SystemExit(1)
    finally:
        if cleanup is not None:
            cleanup.cleanup()


def _training_videos(root: Path) -> int:
    """Videos in preprocessing's training sample (0 when it was not written)."""
    path = root / "data" / "05_model_input" / "training_set.csv"
    return max(0, len(path.read_text().splitlines()) - 1) if path.is_file() else 0


if __name__ == "__main__":
    main()

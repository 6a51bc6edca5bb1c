"""Grid movies per syllable with keypoint-moseq's ``generate_grid_movies``.

Each movie shows ``rows × cols`` instances of one syllable, centred on the animal and aligned to
syllable onset (a dot marks the syllable). With videos, tiles are crops of the videos; without,
keypoint-moseq draws the keypoints on black (``keypoints_only=True``). keypoint-moseq writes
H.264 MP4 files (``syllable<N>.mp4``) into a folder; we let it write into a temporary folder and
return the bytes, so the catalog decides where movies live.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pandas as pd

from unsupervised_aging.pipelines.syllable_atlas.recordings import AtlasRecordings
from unsupervised_aging.pipelines.syllable_atlas.settings import GridMovieSettings
from unsupervised_aging.pipelines.syllable_atlas.trajectories import seeded_numpy

logger = logging.getLogger(__name__)

INDEX_COLUMNS = ("syllable", "tile", "video", "start_frame", "end_frame")


def movie_frames(settings: GridMovieSettings, fps: float) -> int:
    """Frames in every grid movie: the clip before plus after onset, as keypoint-moseq rounds them."""
    return round(settings.before_onset_s * fps) + round(settings.after_onset_s * fps)


def generate(
    recordings: AtlasRecordings,
    syllables: list[int],
    settings: GridMovieSettings,
    seed: int,
) -> tuple[dict[int, bytes], pd.DataFrame]:
    """Grid movies of ``syllables`` (those with at least ``rows × cols`` instances).

    Parameters
    ----------
    recordings
        Keypoints, results and video files (none: keypoints only) of the sampled videos.
    syllables
        The vocabulary's syllable indices; other syllables get no movie.
    settings
        Grid shape, clip window, size, quality, sampling.
    seed
        Seed of keypoint-moseq's instance sampling.

    Returns
    -------
    movies, index
        ``{syllable: MP4 bytes}`` and one row per tile (``INDEX_COLUMNS``; tiles row-major).
    """
    import keypoint_moseq as kpms

    video_paths = recordings.video_paths
    keypoints_only = not video_paths
    logger.info(
        "Grid movies %s (%d×%d tiles, %d frames)",
        "from keypoints only" if keypoints_only else f"from {len(video_paths)} video(s)",
        settings.rows,
        settings.cols,
        movie_frames(settings, recordings.fps),
    )
    with tempfile.TemporaryDirectory(prefix="grid_movies_") as folder, seeded_numpy(seed):
        sampled = (
            kpms.generate_grid_movies(
                recordings.results,
                output_dir=folder,
                video_paths=None if keypoints_only else video_paths,
                keypoints_only=keypoints_only,
                coordinates=dict(recordings.coordinates),  # keypoints_only rescales the dict's entries
                bodyparts=recordings.bodyparts,
                use_bodyparts=recordings.use_bodyparts,
                skeleton=recordings.skeleton,
                fps=recordings.fps,
                rows=settings.rows,
                cols=settings.cols,
                before_onset_sec=settings.before_onset_s,
                after_onset_sec=settings.after_onset_s,
                min_frequency=0.0,
                min_instance_duration_sec=settings.min_instance_duration_s,
                max_video_size=settings.max_size_px,
                quality=settings.quality,
                sampling_options={"mode": settings.sampling},
            )
            or {}
        )
        wanted = [s for s in syllables if s in sampled]
        movies = {s: (Path(folder) / f"syllable{s}.mp4").read_bytes() for s in wanted}
    index = pd.DataFrame(
        [
            (s, tile, str(name), int(start), int(end))
            for s in wanted
            for tile, (name, start, end) in enumerate(sampled[s])
        ],
        columns=list(INDEX_COLUMNS),
    )
    too_rare = sorted(set(syllables) - set(wanted))
    if too_rare:
        logger.warning(
            "Syllables %s have fewer than %d instances in the sampled videos: no grid movie",
            too_rare,
            settings.rows * settings.cols,
        )
    return movies, index

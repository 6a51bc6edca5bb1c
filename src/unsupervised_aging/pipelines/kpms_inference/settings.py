"""The ``kpms_inference`` parameters as one frozen object; every key must be in the YAML."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from unsupervised_aging.parameter_keys import exact_keys


@dataclass(frozen=True)
class InferenceSettings:
    """``conf/*/parameters_kpms_inference.yml``, checked once (see the YAML for what each means).

    Attributes
    ----------
    n_slots
        Parallel apply nodes (read when the pipeline is created).
    incremental
        Reuse results of the same model for videos already done.
    num_iters
        Gibbs iterations per ``apply_model`` call.
    frames_per_call
        Frame budget of one ``apply_model`` call (memory per call grows with it); longer
        recordings are split into pieces across calls.
    max_seg_length
        Longest segment (row) keypoint-moseq cuts a recording into.
    parallel_message_passing
        ``None``: keypoint-moseq's choice (off on a CPU, on on a GPU).
    mixed_map_iters
        jax-moseq's vectorised maps in this many sequential chunks (~n x less memory).
    stall_timeout_s
        Seconds an ``apply_model`` call may go without progress before it fails.
    group_column
        metadata column that gives ``group`` in index.csv (``None``: ``"default"``).
    """

    n_slots: int
    incremental: bool
    num_iters: int
    frames_per_call: int
    max_seg_length: int
    parallel_message_passing: bool | None
    mixed_map_iters: int
    stall_timeout_s: float
    group_column: str | None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> InferenceSettings:
        """Build from ``params:kpms_inference``.

        Raises
        ------
        ValueError
            If a key is missing or unknown, or a count is not positive.
        """
        names = [f.name for f in fields(cls)]
        exact_keys(params, names, "kpms_inference", "conf/base/parameters_kpms_inference.yml")
        settings = cls(**{n: params[n] for n in names})
        for name in ("n_slots", "num_iters", "frames_per_call", "max_seg_length", "mixed_map_iters"):
            value = getattr(settings, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"kpms_inference.{name}={value!r} must be a positive integer; "
                    "fix parameters_kpms_inference.yml"
                )
        if not float(settings.stall_timeout_s) > 0:
            raise ValueError(
                f"kpms_inference.stall_timeout_s={settings.stall_timeout_s!r} must be positive; "
                "fix parameters_kpms_inference.yml"
            )
        return settings

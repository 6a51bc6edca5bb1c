"""SLURM resources of a node, resolved from ``slurm.yml`` (defaults, then profiles per tag or node name)."""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kedro.pipeline import Node

RESOURCE_KEYS = ("partition", "gpus", "cpus", "mem_gb", "time_min", "sbatch", "setup")
DEFAULT_RESOURCES: dict[str, Any] = {
    "partition": None,
    "gpus": 0,
    "cpus": 1,
    "mem_gb": 4,
    "time_min": 60,
    "sbatch": {},
    "setup": [],
}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class JobResources:
    """What one SLURM job asks for; hashable, so nodes with equal resources share a job array.

    Attributes
    ----------
    partition
        SLURM partition, ``None`` for the cluster's default.
    gpus
        GPUs per node (``--gpus-per-node``).
    cpus
        CPUs per task (``--cpus-per-task``).
    mem_gb
        Memory per node in GB (``--mem``).
    time_min
        Time limit in minutes (``--time``); submitit's preemption signal comes 90 s before it.
    sbatch
        Extra ``#SBATCH`` directives as sorted ``(name, value)`` pairs, e.g. ``(("account", "lab"),)``.
    setup
        Shell lines run before the node, e.g. ``("module load cuda/12.4",)``. Written by the user in
        ``slurm.yml``; nothing from node names, datasets or parameters ever goes into them.
    """

    partition: str | None = None
    gpus: int = 0
    cpus: int = 1
    mem_gb: float = 4
    time_min: int = 60
    sbatch: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    setup: tuple[str, ...] = field(default_factory=tuple)

    def executor_parameters(self, job_name: str) -> dict[str, Any]:
        """Keyword arguments for ``submitit.SlurmExecutor.update_parameters``."""
        parameters: dict[str, Any] = {
            "job_name": sanitize_job_name(job_name),
            "cpus_per_task": self.cpus,
            "mem": f"{round(self.mem_gb * 1024)}M",
            "time": self.time_min,
            "setup": list(self.setup),
            "additional_parameters": dict(self.sbatch),
        }
        if self.gpus:
            parameters["gpus_per_node"] = self.gpus
        if self.partition:
            parameters["partition"] = self.partition
        return parameters


def sanitize_job_name(name: str) -> str:
    """A SLURM job name or file name made of ``[A-Za-z0-9_.-]`` only (at most 64 characters).

    Examples
    --------
    >>> sanitize_job_name("fit model; rm -rf ~")
    'fit_model_rm_-rf_'
    """
    return _UNSAFE_NAME.sub("_", name).strip(".")[:64] or "kedro_node"


def parse_time_min(value: int | float | str) -> int:
    """Whole minutes (rounded up) from a number or a SLURM time string.

    Accepts sbatch's formats: ``MM``, ``MM:SS``, ``HH:MM:SS``, ``D-HH``, ``D-HH:MM``, ``D-HH:MM:SS``.
    """
    if isinstance(value, int | float):
        minutes = float(value)
    else:
        text = str(value).strip()
        days, _, clock = text.rpartition("-")
        parts = [float(p) for p in clock.split(":")]
        if days and len(parts) < 3:  # D-HH, D-HH:MM
            parts = [*parts, 0, 0][:3]
        elif len(parts) == 1:  # MM
            parts = [0, parts[0], 0]
        elif len(parts) == 2:  # MM:SS, as sbatch reads it
            parts = [0, *parts]
        hours, mins, secs = parts
        minutes = float(days or 0) * 1440 + hours * 60 + mins + secs / 60
    if minutes <= 0:
        raise ValueError(f"slurm.yml: time_min must be positive, got {value!r}")
    return math.ceil(minutes)


def _merge(base: dict[str, Any], profile: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(profile) - set(RESOURCE_KEYS))
    if unknown:
        raise ValueError(
            f"slurm.yml: unknown key(s) {unknown} in {where}; valid keys are {list(RESOURCE_KEYS)}"
        )
    merged = {**base, **profile}
    merged["sbatch"] = {**base.get("sbatch", {}), **(profile.get("sbatch") or {})}
    return merged


def resolve_resources(node: Node, config: Mapping[str, Any]) -> JobResources:
    """Resources for ``node``: ``defaults``, then every profile whose key is one of the node's tags or
    matches its name (``fnmatch`` glob, namespace included), in the order of ``profiles``.

    Parameters
    ----------
    node
        The Kedro node.
    config
        The ``slurm`` configuration (contents of ``conf/<env>/slurm.yml``).

    Returns
    -------
    JobResources
        The merged resources.
    """
    values = _merge(DEFAULT_RESOURCES, config.get("defaults") or {}, "defaults")
    for key, profile in (config.get("profiles") or {}).items():
        if key in node.tags or fnmatch.fnmatchcase(node.name, key):
            values = _merge(values, profile or {}, f"profiles.{key}")
    setup = values["setup"] or []
    if isinstance(setup, str):
        setup = [setup]
    return JobResources(
        partition=values["partition"],
        gpus=int(values["gpus"] or 0),
        cpus=int(values["cpus"]),
        mem_gb=float(values["mem_gb"]),
        time_min=parse_time_min(values["time_min"]),
        sbatch=tuple(sorted((str(k), str(v)) for k, v in values["sbatch"].items())),
        setup=tuple(str(line) for line in setup),
    )

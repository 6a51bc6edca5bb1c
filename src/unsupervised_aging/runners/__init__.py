"""Kedro runners of the project: :class:`SlurmRunner` sends nodes tagged ``gpu`` to a SLURM cluster."""

from unsupervised_aging.runners.slurm_runner import SlurmJobError, SlurmRunner

__all__ = ["SlurmJobError", "SlurmRunner"]

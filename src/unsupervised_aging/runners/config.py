"""The SLURM runner's configuration: ``slurm.yml`` of the run (``--env``, ``--conf-source``)."""

from __future__ import annotations

import logging
from typing import Any

from unsupervised_aging.config_values import load_config

logger = logging.getLogger(__name__)


def load_slurm_config() -> dict[str, Any]:
    """The merged ``slurm`` configuration of the run (``conf/base`` + ``conf/<env>``).

    Kedro builds the runner before the session exists; the session's config loader is recorded by
    :class:`~unsupervised_aging.config_values.RunConfigHooks` and read here, when the run starts.

    Returns
    -------
    dict
        The configuration, ``{}`` when there is none (the runner's defaults apply).
    """
    config = load_config("slurm")
    if not config:
        logger.info("No slurm.yml found: SLURM jobs use the runner's default resources")
    return config

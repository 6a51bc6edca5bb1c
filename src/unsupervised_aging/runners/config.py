"""Where the SLURM runner finds ``slurm.yml``: the session's own config loader, else the project's conf."""

from __future__ import annotations

import logging
import os
from typing import Any

from kedro.config import AbstractConfigLoader, MissingConfigException, OmegaConfigLoader
from kedro.framework.hooks import hook_impl

from unsupervised_aging.config_values import find_conf_dir

logger = logging.getLogger(__name__)

_SESSION_CONFIG_LOADER: list[AbstractConfigLoader] = []


class SlurmConfigHooks:
    """Hand the session's config loader (with ``--env`` and ``--conf-source``) to the SLURM runner.

    Kedro builds the runner before the session exists and never tells it the environment, so the
    runner reads ``slurm.yml`` through the loader recorded here. Register it in ``settings.HOOKS``.
    """

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        _SESSION_CONFIG_LOADER[:] = [context.config_loader]


def load_slurm_config() -> dict[str, Any]:
    """The merged ``slurm`` configuration of the running project (``conf/base`` + ``conf/<env>``).

    Uses the session's config loader when :class:`SlurmConfigHooks` recorded one, else the project's
    ``conf`` folder with ``$KEDRO_ENV`` (default ``local``).

    Returns
    -------
    dict
        The configuration, ``{}`` when there is none (the runner's defaults apply).
    """
    if _SESSION_CONFIG_LOADER:
        loader = _SESSION_CONFIG_LOADER[-1]
    else:
        conf = find_conf_dir()
        if conf is None:
            return {}
        loader = OmegaConfigLoader(
            conf_source=str(conf),
            base_env="base",
            default_run_env=os.environ.get("KEDRO_ENV", "local"),
            config_patterns={"slurm": ["slurm*", "slurm*/**"]},
        )
    try:
        return dict(loader["slurm"])
    except (MissingConfigException, KeyError):
        logger.info("No slurm.yml found: SLURM jobs use the runner's default resources")
        return {}

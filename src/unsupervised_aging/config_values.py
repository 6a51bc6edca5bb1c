"""Read the project's parameters when pipelines are created (for fan-out over seeds and batches)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kedro.config import MissingConfigException, OmegaConfigLoader


def find_conf_dir() -> Path | None:
    """Return the project's ``conf`` folder: the working directory's, else the source checkout's."""
    for root in (Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]):
        if (root / "conf" / "base").is_dir() and (root / "pyproject.toml").is_file():
            return root / "conf"
    return None


def load_parameters(env: str | None = None) -> dict[str, Any]:
    """Merged parameters of ``conf/base`` and ``conf/<env>`` (default ``$KEDRO_ENV`` or ``local``).

    Kedro builds pipelines before it reads parameters, so fan-out (one node per seed, one node
    per inference slot) reads them here; values passed with ``kedro run --params`` do not
    change the shape of a pipeline.

    Returns
    -------
    dict
        The parameters, or ``{}`` when no project configuration is found.
    """
    conf = find_conf_dir()
    if conf is None:
        return {}
    loader = OmegaConfigLoader(
        conf_source=str(conf),
        base_env="base",
        default_run_env=env or os.environ.get("KEDRO_ENV", "local"),
    )
    try:
        return dict(loader["parameters"])
    except MissingConfigException:
        return {}

"""The run's configuration, for code that Kedro calls without it: pipeline fan-out and the SLURM runner.

Kedro 1.7 builds pipelines with ``register_pipelines()`` (no arguments) and the runner before the
session exists, so neither is told ``--env``, ``--conf-source`` or ``--params``. ``KedroSession.run``
does, however, create the context (and call ``after_context_created``) *before* its first access to
``pipelines``. :class:`RunConfigHooks` records the context's config loader there, so
:func:`load_parameters` (called by each ``pipeline.py``) and :func:`load_config` (``slurm.yml``)
read exactly the configuration of the run. Its ``before_pipeline_run`` rebuilds the run's
pipelines from the run's parameters and stops the run if their nodes differ (pipelines built earlier
in the process from another configuration). See docs/architecture.md, "Configuration".

Without a session (a script or test calling ``create_pipeline()``), the project's ``conf`` folder is
read with the environment a ``KedroSession`` would pick: ``$KEDRO_ENV``, else ``local``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kedro.config import AbstractConfigLoader, MissingConfigException
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

logger = logging.getLogger(__name__)


class _RunConfiguration:
    """Process-wide state: the session's config loader and what the pipelines were built from."""

    loader: AbstractConfigLoader | None = None
    #: Parameters that replace the loader's while pipelines are rebuilt for the shape check.
    override: dict[str, Any] | None = None
    #: The parameters the last :func:`load_parameters` call returned (what shaped the pipelines).
    built_from: dict[str, Any] | None = None


def find_conf_dir() -> Path | None:
    """Return the project's ``conf`` folder: the working directory's, else the source checkout's."""
    for root in (Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]):
        if (root / "conf" / "base").is_dir() and (root / "pyproject.toml").is_file():
            return root / "conf"
    return None


def make_config_loader(
    conf_source: str | os.PathLike, env: str | None = None, runtime_params: dict[str, Any] | None = None
) -> AbstractConfigLoader:
    """The project's config loader, built exactly as ``settings.py`` tells Kedro to build it.

    Parameters
    ----------
    conf_source
        The ``conf`` folder.
    env
        The run environment (``conf/<env>`` over ``conf/base``); ``None`` for ``local``.
    runtime_params
        Values as given to ``kedro run --params``.
    """
    from unsupervised_aging import settings

    return settings.CONFIG_LOADER_CLASS(
        conf_source=str(conf_source), env=env, runtime_params=runtime_params, **settings.CONFIG_LOADER_ARGS
    )


def current_config_loader() -> AbstractConfigLoader | None:
    """The running session's config loader, else one for the project's ``conf`` (``None`` if none)."""
    if _RunConfiguration.loader is not None:
        return _RunConfiguration.loader
    conf = find_conf_dir()
    return None if conf is None else make_config_loader(conf, os.environ.get("KEDRO_ENV"))


def load_config(key: str) -> dict[str, Any]:
    """The merged configuration ``key`` (e.g. ``"slurm"``) of the run, ``{}`` when it has no file."""
    loader = current_config_loader()
    if loader is None:
        return {}
    try:
        return dict(loader[key])
    except MissingConfigException:
        return {}


def load_parameters() -> dict[str, Any]:
    """The run's merged parameters (``conf/base`` + ``conf/<env>`` + ``--params``), for fan-out.

    Each ``pipeline.py`` that creates one node per seed, slot or model calls this. Under
    ``kedro run`` it reads the session's configuration (see the module docstring).

    Returns
    -------
    dict
        The parameters, ``{}`` when no project configuration is found.
    """
    if _RunConfiguration.override is not None:
        return _RunConfiguration.override
    parameters = load_config("parameters")
    _RunConfiguration.built_from = parameters
    return parameters


@contextmanager
def _parameters_replaced_by(parameters: dict[str, Any]) -> Iterator[None]:
    _RunConfiguration.override = parameters
    try:
        yield
    finally:
        _RunConfiguration.override = None


def _node_names(pipeline: Pipeline) -> set[str]:
    return {n.name for n in pipeline.nodes}


def check_pipeline_shape(
    pipeline: Pipeline, run_params: Mapping[str, Any], parameters: dict[str, Any]
) -> None:
    """Fail unless ``pipeline`` has the nodes that this run's ``parameters`` make.

    Rebuilds the registered pipelines named in ``run_params`` from ``parameters``, applies the run's
    filters (``--tags``, ``--to-nodes``, ...) and compares node names.

    Raises
    ------
    ValueError
        One line naming the nodes the run has but its parameters do not make, and the reverse.
    """
    from unsupervised_aging.pipeline_registry import register_pipelines

    with _parameters_replaced_by(parameters):
        registry = register_pipelines()
    names = run_params.get("pipeline_names") or ["__default__"]
    expected = sum((registry[name] for name in names), start=Pipeline([]))
    filters = {
        "tags": run_params.get("tags"),
        "from_nodes": run_params.get("from_nodes"),
        "to_nodes": run_params.get("to_nodes"),
        "node_names": run_params.get("node_names"),
        "from_inputs": run_params.get("from_inputs"),
        "to_outputs": run_params.get("to_outputs"),
        "node_namespaces": run_params.get("namespaces"),
    }
    try:
        expected = expected.filter(**filters)
    except ValueError:  # a filter names a node or dataset that only the other shape has
        pass
    extra, missing = (
        _node_names(pipeline) - _node_names(expected),
        _node_names(expected) - _node_names(pipeline),
    )
    if extra or missing:
        raise ValueError(
            "The pipeline's shape disagrees with this run's parameters (it was built from another "
            f"configuration): nodes not made by the parameters {sorted(extra)}, nodes the parameters make "
            f"but the pipeline lacks {sorted(missing)}; build the pipelines in the run's session (kedro run "
            "--env/--conf-source/--params) instead of reusing ones built before it"
        )


class RunConfigHooks:
    """Hand the run's configuration to pipeline creation and the SLURM runner; check the shape.

    Register it in ``settings.HOOKS``.
    """

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        _RunConfiguration.loader = context.config_loader
        built_from = _RunConfiguration.built_from
        if built_from is not None and built_from != load_config("parameters"):
            # Pipelines of an earlier session of this process were shaped by other parameters.
            from kedro.framework.project import PACKAGE_NAME, pipelines

            if PACKAGE_NAME:
                logger.debug("Parameters changed since the pipelines were built: rebuilding them")
                pipelines.configure(f"{PACKAGE_NAME}.pipeline_registry")

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any) -> None:
        parameters = catalog.get("parameters")  # the dataset: loading it through the catalog logs a line
        if parameters is not None:
            check_pipeline_shape(pipeline, run_params, parameters.load())

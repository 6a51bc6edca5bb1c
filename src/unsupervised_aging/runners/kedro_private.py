"""Every private Kedro API the project uses, in one place (reviewed for Kedro 1.7.0).

Kedro 1.7 has no public way to ask whether a dataset is persisted (its runners read
``AbstractDataset._EPHEMERAL``, which its docs tell custom datasets to set) nor to build the hook
manager of a project outside a session (a SLURM job runs one node, not a session). On a Kedro upgrade
``tests/runners/test_kedro_private.py`` fails on purpose: re-check these uses, then update
``REVIEWED_KEDRO_VERSION``.
"""

from __future__ import annotations

from typing import Any

from pluggy import PluginManager

REVIEWED_KEDRO_VERSION = "1.7.0"


def is_ephemeral(dataset: Any) -> bool:
    """Whether ``dataset`` lives in memory only (``MemoryDataset``, ``CachedDataset``, ...).

    Anything that is not an ``AbstractDataset`` counts as ephemeral, as in Kedro's runners.
    """
    return bool(getattr(dataset, "_EPHEMERAL", True))


def project_hook_manager(package_name: str | None) -> PluginManager:
    """The hook manager a ``KedroSession`` of ``package_name`` would have: ``settings.HOOKS`` and
    plugins' hooks (none when ``package_name`` is ``None``)."""
    from kedro.framework.hooks.manager import (
        _create_hook_manager,
        _register_hooks,
        _register_hooks_entry_points,
    )
    from kedro.framework.project import configure_project, settings

    hook_manager = _create_hook_manager()
    if package_name:
        configure_project(package_name)
        _register_hooks(hook_manager, settings.HOOKS)
        _register_hooks_entry_points(hook_manager, settings.DISABLE_HOOKS_FOR_PLUGINS)
    return hook_manager

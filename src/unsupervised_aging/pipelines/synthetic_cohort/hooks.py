"""Stop the demo cohort from writing into raw data that ``conf/local`` points elsewhere.

The ``write_demo_cohort`` node checks the folder described by ``raw_inventory``; if a user points
``raw_poses`` or ``raw_metadata`` at their own data in ``conf/local`` and then runs the default
pipeline (demo + analysis), the demo would write there. This hook refuses such a run before
any node starts, whatever dataset types the override uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

NODE_NAME = "write_demo_cohort"
# (written entry, key of its location in the entry's description, matching key of raw_inventory)
_TARGETS = (("raw_poses", "path", "poses_dir"), ("raw_metadata", "filepath", "metadata_path"))


def _location(config: dict[str, dict[str, Any]], entry: str, key: str) -> Path | None:
    value = (config.get(entry) or {}).get(key)
    return Path(str(value)).resolve() if value else None


class DemoCohortGuardHooks:
    """Refuse a run of ``write_demo_cohort`` whose targets are not the folder its guard inspects."""

    @hook_impl
    def before_pipeline_run(self, pipeline: Pipeline, catalog: Any) -> None:
        if not any(n.name.split(".")[-1] == NODE_NAME for n in pipeline.nodes):
            return
        config = catalog.to_config()[0]  # every entry's configuration, whatever its dataset type
        for entry, key, inventory_key in _TARGETS:
            target, checked = (
                _location(config, entry, key),
                _location(config, "raw_inventory", inventory_key),
            )
            if target is not None and target != checked:
                raise ValueError(
                    f"{entry} points at {target}, not the demo folder {checked}: the demo cohort would write "
                    "into your data; run `kedro run --pipeline analysis` to analyse it"
                )

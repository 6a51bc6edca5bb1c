"""Project settings (https://docs.kedro.org/en/stable/kedro_project_setup/settings.html)."""

from kedro.config import OmegaConfigLoader

from unsupervised_aging.hooks import JaxCompilationCacheHooks, NodeTimingHooks
from unsupervised_aging.input_errors import InputErrorHooks
from unsupervised_aging.pipelines.synthetic_cohort.hooks import DemoCohortGuardHooks
from unsupervised_aging.runners import SlurmConfigHooks
from unsupervised_aging.stage_markers import StageMarkerHooks

# SlurmConfigHooks hands the run's --env and --params to the SlurmRunner (Kedro does not).
# DemoCohortGuardHooks stops the demo cohort from writing where conf/local points raw data elsewhere.
# StageMarkerHooks marks each stage's run running/complete/failed and stops a stage reading a failed one's;
# InputErrorHooks prints bad input as our message alone on the command line.
HOOKS = (
    JaxCompilationCacheHooks(),
    NodeTimingHooks(),
    SlurmConfigHooks(),
    DemoCohortGuardHooks(),
    StageMarkerHooks(),
    InputErrorHooks(),
)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {"slurm": ["slurm*", "slurm*/**"]},
}

"""Project settings (https://docs.kedro.org/en/stable/kedro_project_setup/settings.html)."""

from kedro.config import OmegaConfigLoader

from unsupervised_aging.config_values import RunConfigHooks
from unsupervised_aging.hooks import JaxCompilationCacheHooks, KpmsWorkerHooks, NodeTimingHooks
from unsupervised_aging.input_errors import InputErrorHooks
from unsupervised_aging.pipelines.synthetic_cohort.hooks import DemoCohortGuardHooks
from unsupervised_aging.stage_markers import StageMarkerHooks

# RunConfigHooks hands the run's --env, --conf-source and --params to pipeline creation (fan-out over
# seeds, slots, models) and to the SlurmRunner (Kedro tells neither), and stops a run whose pipeline
# shape disagrees with its parameters. DemoCohortGuardHooks stops the demo cohort from writing where
# conf/local points raw data elsewhere. StageMarkerHooks marks each stage's run running/complete/failed
# and stops a stage reading a failed one's; InputErrorHooks prints bad input as our message alone on the
# command line. See docs/architecture.md, "Configuration".
HOOKS = (
    RunConfigHooks(),
    JaxCompilationCacheHooks(),
    KpmsWorkerHooks(),
    NodeTimingHooks(),
    DemoCohortGuardHooks(),
    StageMarkerHooks(),
    InputErrorHooks(),
)

# The one config loader of the project: Kedro builds it from these for every session, and
# config_values.make_config_loader builds it from them outside a session.
CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {"slurm": ["slurm*", "slurm*/**"]},
    # A partial override in conf/local or conf/<env> (e.g. `preprocessing: {strict: true}`) changes only
    # its keys; Kedro's default ("destructive") would replace the whole top-level block.
    "merge_strategy": {"parameters": "soft", "slurm": "soft"},
}

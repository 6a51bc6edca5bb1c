"""``SlurmRunner``: nodes tagged ``gpu`` run as SLURM jobs (through submitit), the rest in the driver."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import time
from collections import Counter, defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, takewhile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cloudpickle
import submitit
from kedro.runner import AbstractRunner, Task

from unsupervised_aging.runners.config import load_slurm_config
from unsupervised_aging.runners.job import NodeJob, run_node_job
from unsupervised_aging.runners.kedro_private import is_ephemeral
from unsupervised_aging.runners.resources import JobResources, resolve_resources, sanitize_job_name
from unsupervised_aging.runners.waits import JobClock, WaitSettings, overdue, query_states

if TYPE_CHECKING:
    from kedro.io import CatalogProtocol
    from kedro.pipeline import Node, Pipeline
    from pluggy import PluginManager


logger = logging.getLogger(__name__)


class SlurmJobError(RuntimeError):
    """A node failed in its SLURM job, or the job died or overran its bounds (one line: node, job, log)."""


@dataclass
class _RunningJob:
    node: Node
    job: submitit.Job
    log: Path
    clock: JobClock


def _is_parameter(name: str) -> bool:
    return name == "parameters" or name.startswith("params:")


class SlurmRunner(AbstractRunner):
    """Run nodes tagged ``gpu`` as SLURM jobs and every other node in this (the driver's) process.

    Independent ready ``gpu`` nodes are submitted together, as one job array per set of equal
    resources, and awaited concurrently; a node starts once all its inputs exist. A job loads the node's
    inputs from the driver's catalog datasets, runs it in a fresh interpreter and saves its outputs, so
    every input and output of a ``gpu`` node must be a persisted dataset. Resources come from
    ``conf/<env>/slurm.yml`` (see :func:`~unsupervised_aging.runners.resources.resolve_resources`); job
    logs go to ``<log_dir>/<run id>/<node>_<job id>.out|.err``, listed in ``jobs.tsv`` there. Without
    ``sbatch`` on the ``PATH`` the ``gpu`` nodes run in this process, with one warning.

    Every wait is bounded (``slurm.yml``: a job's time limit plus ``time_margin_min``,
    ``pending_limit_min``, ``result_grace_s``; see :mod:`~unsupervised_aging.runners.waits`), also on
    clusters without accounting. A failed or overdue job stops the run with one line naming the node,
    the job id and its log; jobs still running finish first and keep their outputs, so
    ``--only-missing-outputs`` redoes only the failed work.

    Use: ``kedro run --runner=unsupervised_aging.runners.SlurmRunner``.
    """

    def __init__(
        self,
        is_async: bool = False,
        config: dict[str, Any] | None = None,
        tag: str | None = None,
        log_dir: str | os.PathLike | None = None,
    ) -> None:
        """
        Parameters
        ----------
        is_async
            Load and save node data with threads (``kedro run --async``).
        config
            The ``slurm`` configuration; by default read from the project's ``slurm.yml``.
        tag
            Nodes with this tag run as SLURM jobs (``--runner-params tag=...``); by default those
            with any tag of ``job_tags`` in ``slurm.yml`` (``[gpu]``; ``--env study`` adds the heavy
            model_evaluation nodes).
        log_dir
            Folder for per-run job logs; overrides ``log_dir`` of the configuration (default
            ``logs/slurm``).
        """
        super().__init__(is_async=is_async)
        self._load_async = is_async
        self._config = config
        self._tag = tag
        self._log_dir = log_dir

    def _get_executor(self, max_workers: int) -> None:
        return None  # _run schedules by itself

    def _run(
        self,
        pipeline: Pipeline,
        catalog: CatalogProtocol,
        hook_manager: PluginManager | None = None,
        run_id: str | None = None,
    ) -> None:
        config = load_slurm_config() if self._config is None else self._config
        waits = WaitSettings.from_config(config)
        tags = [self._tag] if self._tag else [str(tag) for tag in config["job_tags"]]
        remote_nodes = [n for n in pipeline.nodes if n.tags & set(tags)]
        payloads = self._job_payloads(remote_nodes, catalog, run_id, tags)
        submitter = None
        if remote_nodes:
            if shutil.which("sbatch") is None:
                logger.warning(
                    "sbatch not found: running the %d node(s) tagged %s in this process instead of as "
                    "SLURM jobs",
                    len(remote_nodes),
                    tags,
                )
            else:
                log_root = Path(self._log_dir or config.get("log_dir") or "logs/slurm")
                submitter = _Submitter(_fresh_run_dir(log_root, run_id), config)
        _Scheduler(
            pipeline, catalog, hook_manager, run_id, submitter, payloads, waits, self._load_async
        ).run()

    def _job_payloads(
        self, nodes: list[Node], catalog: CatalogProtocol, run_id: str | None, tags: list[str]
    ) -> dict[Node, NodeJob]:
        """Check that every dataset of a ``gpu`` node is persisted and picklable; build the job payloads.

        Raises
        ------
        ValueError
            Naming each in-memory dataset of a ``gpu`` node, before anything runs.
        """
        import kedro.framework.project as kedro_project

        not_persisted, payloads = [], {}
        for node in sorted(nodes, key=lambda n: n.name):
            datasets = {}
            for name in chain(node.inputs, node.outputs):
                dataset = catalog.get(name, fallback_to_runtime_pattern=True)
                if not _is_parameter(name) and is_ephemeral(dataset):
                    not_persisted.append(f"'{name}' of node '{node.name}' ({type(dataset).__name__})")
                datasets[name] = dataset
            payloads[node] = NodeJob(node, datasets, kedro_project.PACKAGE_NAME, run_id, self._load_async)
        if not_persisted:
            raise ValueError(
                f"SlurmRunner: nodes tagged {tags} run as separate jobs, so their inputs and outputs "
                f"must be persisted catalog datasets (e.g. pickle.PickleDataset), not in memory: "
                + "; ".join(not_persisted)
            )
        for node, payload in payloads.items():
            for name, dataset in payload.datasets.items():
                try:
                    cloudpickle.dumps(dataset)
                except Exception as exc:
                    raise ValueError(
                        f"SlurmRunner: dataset '{name}' of node '{node.name}' cannot be pickled for its "
                        f"SLURM job: {exc}"
                    ) from exc
            try:
                cloudpickle.dumps(node)
            except Exception as exc:
                raise ValueError(f"SlurmRunner: node '{node.name}' cannot be pickled: {exc}") from exc
        return payloads


def _fresh_run_dir(log_root: Path, run_id: str | None) -> Path:
    """A new folder per run, so submitit never reads an older job's result for a reused job id."""
    stamp = sanitize_job_name(run_id or datetime.now(UTC).strftime("%Y-%m-%dT%H.%M.%S.%fZ"))
    run_dir, n = log_root / stamp, 1
    while run_dir.exists():
        run_dir, n = log_root / f"{stamp}_{n}", n + 1
    (run_dir / "submitit").mkdir(parents=True)
    return run_dir.resolve()


def _common_prefix(names: list[str]) -> str:
    """An array's job name: what its node names share (``fit_seed_0``, ``fit_seed_1`` -> ``fit_seed``)."""
    same = takewhile(lambda chars: len(set(chars)) == 1, zip(*names, strict=False))
    shared = "".join(chars[0] for chars in same)
    return names[0] if len(names) == 1 else shared.rstrip("_.-") or "kedro"


class _Submitter:
    """Submit nodes to SLURM: one job array per set of equal resources."""

    def __init__(self, run_dir: Path, config: dict[str, Any]) -> None:
        self.run_dir = run_dir
        self._config = config

    def submit(self, nodes: list[Node], payloads: dict[Node, NodeJob]) -> list[_RunningJob]:
        groups: dict[JobResources, list[Node]] = defaultdict(list)
        for node in sorted(nodes, key=lambda n: n.name):
            groups[resolve_resources(node, self._config)].append(node)
        running = []
        for resources, group in groups.items():
            job_name = _common_prefix([n.name for n in group])
            executor = submitit.SlurmExecutor(folder=self.run_dir / "submitit")
            executor.update_parameters(**resources.executor_parameters(job_name))
            jobs = executor.submit_array([functools.partial(run_node_job, payloads[n]) for n in group])
            submitted = time.monotonic()
            for node, job in zip(group, jobs, strict=True):
                log = self._link_logs(node, job)
                running.append(_RunningJob(node, job, log, JobClock(submitted, resources.time_min)))
                with (self.run_dir / "jobs.tsv").open("a") as index:
                    index.write(f"{job.job_id}\t{node.name}\t{log}\n")
                logger.info("Submitted node %s as SLURM job %s (log: %s)", node.name, job.job_id, log)
        return running

    def _link_logs(self, node: Node, job: submitit.Job) -> Path:
        """``<run dir>/<node>_<job id>.out|.err`` pointing at submitit's log files; returns the ``.err``."""
        stem = f"{sanitize_job_name(node.name)}_{job.job_id}"
        for suffix, target in ((".out", job.paths.stdout), (".err", job.paths.stderr)):
            link = self.run_dir / f"{stem}{suffix}"
            try:
                link.symlink_to(os.path.relpath(target, self.run_dir))
            except OSError:
                return Path(job.paths.stderr)
        return self.run_dir / f"{stem}.err"


def _release_datasets(node: Node, catalog: CatalogProtocol, load_counts: Counter, pipeline: Pipeline) -> None:
    """Release the datasets no remaining node loads (what Kedro's own runners do after each node)."""
    for name in node.inputs:
        load_counts[name] -= 1
        if load_counts[name] < 1 and name not in pipeline.inputs():
            catalog.release(name)
    for name in node.outputs:
        if load_counts[name] < 1 and name not in pipeline.outputs():
            catalog.release(name)


def _last_error_line(text: str) -> str:
    """The remote exception's last line (``RuntimeError: ...``) from submitit's ``FailedJobError`` text."""
    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if line.strip() and set(line.strip()) == {"-"}]
    if len(rules) >= 2:
        lines = lines[rules[0] + 1 : rules[1]]
    return next((line.strip() for line in reversed(lines) if line.strip()), text.strip())


_OVERDUE = {
    "ended": "the job ended ({state}) without writing a result (time or memory limit, scancel, node failure)",
    "time": "the job is still {state} {margin} min after its time limit of {limit} min: cancelled",
    "pending": "the job is still pending after pending_limit_min ({pending} min): cancelled",
    "unknown": "no state from SLURM (sacct and squeue failed) for longer than the job may pend and run: "
    "cancelled",
}


class _Scheduler:
    """One run: submit ready ``gpu`` nodes, run ready driver nodes one at a time in a thread, poll both."""

    def __init__(
        self,
        pipeline: Pipeline,
        catalog: CatalogProtocol,
        hook_manager: PluginManager | None,
        run_id: str | None,
        submitter: _Submitter | None,
        payloads: dict[Node, NodeJob],
        waits: WaitSettings,
        is_async: bool,
    ) -> None:
        self.pipeline, self.catalog = pipeline, catalog
        self.hook_manager, self.run_id = hook_manager, run_id
        self.submitter, self.payloads = submitter, payloads
        self.waits, self.is_async = waits, is_async
        self.done_nodes: set[Node] = set()
        self.local: dict[Future, Node] = {}
        self.jobs: list[_RunningJob] = []
        self.failures: list[BaseException] = []
        self.last_state_check = float("-inf")

    def run(self) -> None:
        load_counts = Counter(chain.from_iterable(n.inputs for n in self.pipeline.nodes))
        dependencies = self.pipeline.node_dependencies
        todo = set(dependencies)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kedro-driver-node")
        try:
            while True:
                if not self.failures:
                    ready = {n for n in todo if dependencies[n] <= self.done_nodes}
                    todo -= ready
                    self._start(ready, pool)
                if not self.local and not self.jobs:
                    break
                for node in self._wait_for_some():
                    self.done_nodes.add(node)
                    logger.info("Completed node: %s", node.name)
                    logger.info(
                        "Completed %d out of %d tasks", len(self.done_nodes), len(self.pipeline.nodes)
                    )
                    _release_datasets(node, self.catalog, load_counts, self.pipeline)
        except BaseException:
            self._cancel_jobs()
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if self.failures:
            remaining = len(self.pipeline.nodes) - len(self.done_nodes)
            logger.warning(
                "%d node(s) did not run; rerun the command with --only-missing-outputs to redo only them",
                remaining,
            )
            raise self.failures[0]
        if todo:
            raise RuntimeError(f"SlurmRunner: nodes {sorted(n.name for n in todo)} could not be scheduled")

    def _start(self, ready: set[Node], pool: ThreadPoolExecutor) -> None:
        remote = [n for n in ready if n in self.payloads and self.submitter is not None]
        if remote:
            self.jobs += self.submitter.submit(remote, self.payloads)
        for node in sorted(ready - set(remote), key=lambda n: n.name):
            task = Task(
                node=node,
                catalog=self.catalog,
                hook_manager=self.hook_manager,
                is_async=self.is_async,
                run_id=self.run_id,
            )
            self.local[pool.submit(task.execute)] = node

    def _check_states(self) -> None:
        """Ask SLURM for the jobs' states every ``state_check_s``."""
        now = time.monotonic()
        if not self.jobs or now - self.last_state_check < self.waits.state_check_s:
            return
        states = query_states(r.job.job_id for r in self.jobs)
        for running in self.jobs:
            if running.job.job_id in states:
                running.clock.observe(states[running.job.job_id], now)
        self.last_state_check = now

    def _wait_for_some(self) -> list[Node]:
        """Block until a driver node or a job ends (or overruns a bound); return the nodes that succeeded."""
        while True:
            finished = [f for f in self.local if f.done()]
            self._check_states()
            now = time.monotonic()
            with_result = [r for r in self.jobs if r.job.paths.result_pickle.exists()]
            late = []
            for running in self.jobs:
                why = None if running in with_result else overdue(running.clock, self.waits, now)
                if why:
                    late.append((running, why))
            if finished or with_result or late:
                break
            if self.local:
                wait(list(self.local), timeout=self.waits.poll_interval_s, return_when=FIRST_COMPLETED)
            else:
                time.sleep(self.waits.poll_interval_s)
        succeeded = []
        for future in finished:
            node = self.local.pop(future)
            try:
                future.result()
                succeeded.append(node)
            except Exception as exc:
                self._fail(exc)
        for running in with_result:
            self.jobs.remove(running)
            try:
                running.job.result()  # the result file exists: returns or raises at once
                succeeded.append(running.node)
            except Exception as exc:
                self._fail(self._job_error(running, _last_error_line(str(exc))))
        for running, why in late:
            self.jobs.remove(running)
            if why != "ended":
                running.job.cancel(check=False)
            detail = _OVERDUE[why].format(
                state=running.clock.state,
                margin=self.waits.time_margin_min,
                limit=running.clock.time_min,
                pending=self.waits.pending_limit_min,
            )
            self._fail(self._job_error(running, detail))
        return succeeded

    @staticmethod
    def _job_error(running: _RunningJob, detail: str) -> SlurmJobError:
        node, job_id = running.node.name, running.job.job_id
        return SlurmJobError(f"Node '{node}' failed in SLURM job {job_id} (log: {running.log}): {detail}")

    def _fail(self, error: BaseException) -> None:
        self.failures.append(error)
        logger.error("%s", error)
        if self.jobs:
            logger.warning(
                "Waiting for %d running SLURM job(s) so that their outputs are kept (Ctrl-C cancels them); "
                "rerun with --only-missing-outputs to redo only what is missing",
                len(self.jobs),
            )

    def _cancel_jobs(self) -> None:
        if not self.jobs:
            return
        ids = [r.job.job_id for r in self.jobs]
        logger.warning("Cancelling SLURM job(s) %s", " ".join(ids))
        for running in self.jobs:
            running.job.cancel(check=False)

"""SlurmRunner against a real SLURM cluster: jobs, arrays, concurrency, failures, resume, Ctrl-C, quoting."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from kedro.pipeline import Pipeline, node

from tests.runners import toy_nodes
from tests.runners.conftest import TEST_CONFIG, pickle_catalog, submitted_jobs
from unsupervised_aging.runners import SlurmJobError, SlurmRunner

PROJECT_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slurm


def _sacct_state(job_id: str) -> str:
    out = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-o", "State", "-j", job_id], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0] if out else ""


def test_gpu_nodes_run_as_one_array_of_concurrent_jobs_and_the_rest_in_the_driver(slurm_cluster, tmp_path):
    catalog = pickle_catalog(tmp_path, ["numbers", "a", "b", "total"], {"n": 5, "f1": 2, "f2": 3, "s": 2})
    pipeline = Pipeline(
        [
            node(toy_nodes.make_numbers, "params:n", "numbers", name="make"),
            node(toy_nodes.scale, ["numbers", "params:f1"], "a", name="scale_a", tags=["gpu"]),
            node(toy_nodes.timed_sleep, ["numbers", "params:s"], "b", name="scale_b", tags=["gpu"]),
            node(lambda a, b: sum(a["values"]) + sum(b["value"]), ["a", "b"], "total", name="total"),
        ]
    )

    SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs").run(pipeline, catalog)

    assert catalog.load("total") == 2 * 10 + 10
    assert catalog.load("a")["pid"] != os.getpid()  # computed in a job, not in the driver
    jobs = submitted_jobs(tmp_path / "logs")
    assert set(jobs) == {"scale_a", "scale_b"}  # driver nodes are not submitted
    array_ids = {job_id.split("_")[0] for job_id in jobs.values()}
    assert len(array_ids) == 1 and all("_" in job_id for job_id in jobs.values())  # one job array
    run_dir = next((tmp_path / "logs").iterdir())
    # each array task runs its own node only; the job logs it once as Kedro ("Running node: scale_a: ...")
    # and once as our job ("Running node scale_a") where the project's logger is at INFO
    job_log = (run_dir / f"scale_a_{jobs['scale_a']}.out").read_text()
    assert set(re.findall(r"Running node:? (\w+)", job_log)) == {"scale_a"}


def test_independent_jobs_overlap_in_time(slurm_cluster, tmp_path):
    catalog = pickle_catalog(tmp_path, ["x", "y"], {"s": 3})
    pipeline = Pipeline(
        [
            node(toy_nodes.timed_sleep, ["params:s", "params:s"], "x", name="sleep_x", tags=["gpu"]),
            node(toy_nodes.timed_sleep, ["params:s", "params:s"], "y", name="sleep_y", tags=["gpu"]),
        ]
    )
    SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs").run(pipeline, catalog)

    x, y = catalog.load("x"), catalog.load("y")
    assert max(x["start"], y["start"]) < min(x["end"], y["end"])


def test_failed_job_names_node_job_and_log_and_resume_redoes_only_it(slurm_cluster, tmp_path):
    def pipeline_and_catalog(ok: bool):
        catalog = pickle_catalog(tmp_path, ["good", "bad"], {"value": 7, "ok": ok})
        pipeline = Pipeline(
            [
                node(toy_nodes.echo, "params:value", "good", name="good_node", tags=["gpu"]),
                node(
                    toy_nodes.fail_unless, ["params:value", "params:ok"], "bad", name="bad_node", tags=["gpu"]
                ),
            ]
        )
        return pipeline, catalog

    pipeline, catalog = pipeline_and_catalog(ok=False)
    with pytest.raises(SlurmJobError) as failure:
        SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs").run(pipeline, catalog)

    job_id = submitted_jobs(tmp_path / "logs")["bad_node"]
    message = str(failure.value)
    assert message == (
        f"Node 'bad_node' failed in SLURM job {job_id} (log: {message.split('(log: ')[1].split(')')[0]}): "
        "RuntimeError: toy failure on 7"
    )
    log = Path(message.split("(log: ")[1].split(")")[0])
    assert log.exists() and "toy failure on 7" in log.with_suffix(".out").read_text()
    assert catalog.exists("good") and not catalog.exists("bad")
    good_written = (tmp_path / "good.pkl").stat().st_mtime_ns

    pipeline, catalog = pipeline_and_catalog(ok=True)
    SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs2").run(
        pipeline, catalog, only_missing_outputs=True
    )
    assert catalog.load("bad") == 7
    assert set(submitted_jobs(tmp_path / "logs2")) == {"bad_node"}
    assert (tmp_path / "good.pkl").stat().st_mtime_ns == good_written


def test_job_that_dies_without_result_on_a_cluster_without_accounting_fails_within_its_bound(
    slurm_cluster, tmp_path, monkeypatch
):
    """submitit's job.result() would wait forever here: sacct fails, the job is UNKNOWN to it."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "sacct").write_text(
        "#!/bin/sh\necho 'sacct: error: Slurm accounting storage is disabled' >&2\nexit 1\n"
    )
    (fake_bin / "sacct").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")

    def pipeline_and_catalog(ok: bool):
        catalog = pickle_catalog(tmp_path, ["kept", "lost"], {"value": 3, "ok": ok})
        pipeline = Pipeline(
            [
                node(toy_nodes.echo, "params:value", "kept", name="kept_node", tags=["gpu"]),
                node(
                    toy_nodes.die_unless,
                    ["params:value", "params:ok"],
                    "lost",
                    name="dying_node",
                    tags=["gpu"],
                ),
            ]
        )
        return pipeline, catalog

    pipeline, catalog = pipeline_and_catalog(ok=False)
    started = time.monotonic()
    with pytest.raises(SlurmJobError) as failure:
        SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs").run(pipeline, catalog)
    waited = time.monotonic() - started

    job_id = submitted_jobs(tmp_path / "logs")["dying_node"]
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(f"Node 'dying_node' failed in SLURM job {job_id} (log: ")
    assert "ended (GONE) without writing a result" in message
    assert Path(message.split("(log: ")[1].split(")")[0]).exists()
    assert waited < 120  # result_grace_s 10 s + state checks, not forever
    assert catalog.exists("kept") and not catalog.exists("lost")
    kept_written = (tmp_path / "kept.pkl").stat().st_mtime_ns

    pipeline, catalog = pipeline_and_catalog(ok=True)
    SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs2").run(
        pipeline, catalog, only_missing_outputs=True
    )
    assert catalog.load("lost") == 3
    assert set(submitted_jobs(tmp_path / "logs2")) == {"dying_node"}
    assert (tmp_path / "kept.pkl").stat().st_mtime_ns == kept_written


def test_shell_metacharacters_in_paths_names_and_parameters_reach_the_node_verbatim(slurm_cluster, tmp_path):
    nasty = """a b 'c' "d" $(touch PWNED1) `touch PWNED2`; touch PWNED3 & | > < \\ * ~ #"""
    data_dir = tmp_path / nasty.replace("/", "_")
    data_dir.mkdir()
    catalog = pickle_catalog(data_dir, [f"out {nasty}"], {"text": nasty})
    pipeline = Pipeline(
        [node(toy_nodes.echo, "params:text", f"out {nasty}", name="echo-it.v1", tags=["gpu"])]
    )
    config = {**TEST_CONFIG, "defaults": {**TEST_CONFIG["defaults"], "setup": ["export UA_TEST=1"]}}

    SlurmRunner(config=config, log_dir=tmp_path / "logs dir $(touch PWNED4)").run(pipeline, catalog)

    assert catalog.load(f"out {nasty}") == nasty
    for folder in (tmp_path, data_dir, PROJECT_ROOT, Path.home()):
        assert not list(folder.glob("PWNED*"))
    (run_dir,) = (tmp_path / "logs dir $(touch PWNED4)").iterdir()
    script = next((run_dir / "submitit").glob("*_submission.sh")).read_text()
    assert "#SBATCH --job-name=echo-it.v1" in script and "export UA_TEST=1" in script


def test_setup_lines_and_resources_from_profiles_reach_the_job(slurm_cluster, tmp_path):
    catalog = pickle_catalog(tmp_path, ["env"], {"name": "UA_PROFILE"})
    pipeline = Pipeline(
        [node(toy_nodes.environment_variable, "params:name", "env", name="read_env", tags=["gpu", "big"])]
    )
    config = {
        **TEST_CONFIG,
        "profiles": {
            "big": {"mem_gb": 0.75, "setup": ["export UA_PROFILE=from-big"]},
            "read_*": {"sbatch": {"comment": "from name profile"}},
        },
    }
    SlurmRunner(config=config, log_dir=tmp_path / "logs").run(pipeline, catalog)

    assert catalog.load("env") == "from-big"
    job_id = submitted_jobs(tmp_path / "logs")["read_env"]
    deadline = time.monotonic() + 30  # slurmdbd records a finished job's request a moment later
    while True:
        info = subprocess.run(
            ["sacct", "-n", "-X", "-P", "-o", "ReqMem,Comment", "-j", job_id], capture_output=True, text=True
        ).stdout
        if info.startswith("768M") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert info.startswith("768M"), f"sacct for job {job_id}: {info!r}"
    (run_dir,) = (tmp_path / "logs").iterdir()
    script = next((run_dir / "submitit").glob("*_submission.sh")).read_text()
    assert "#SBATCH --comment='from name profile'" in script


def test_ctrl_c_cancels_the_submitted_jobs(slurm_cluster, tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            from kedro.pipeline import Pipeline, node
            from tests.runners import toy_nodes
            from tests.runners.conftest import TEST_CONFIG, pickle_catalog
            from unsupervised_aging.runners import SlurmRunner

            tmp = Path({str(tmp_path)!r})
            catalog = pickle_catalog(tmp, ["slow"], {{"s": 120}})
            pipeline = Pipeline([node(toy_nodes.timed_sleep, ["params:s", "params:s"], "slow", name="slow",
                                      tags=["gpu"])])
            SlurmRunner(config=TEST_CONFIG, log_dir=tmp / "logs").run(pipeline, catalog)
            """
        )
    )
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    driver = subprocess.Popen([sys.executable, str(script)], cwd=PROJECT_ROOT, env=environment)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = list((tmp_path / "logs").glob("*/jobs.tsv"))
            if runs and runs[0].read_text():
                break
            time.sleep(0.2)
        job_id = submitted_jobs(tmp_path / "logs")["slow"]
        driver.send_signal(signal.SIGINT)
        assert driver.wait(timeout=60) != 0
    finally:
        driver.kill()
    deadline = time.monotonic() + 30
    while _sacct_state(job_id).startswith(("PENDING", "RUNNING")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _sacct_state(job_id).startswith("CANCELLED")
    assert not (tmp_path / "slow.pkl").exists()


def test_runs_gpu_nodes_in_process_with_one_warning_without_sbatch(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr("unsupervised_aging.runners.slurm_runner.shutil.which", lambda _: None)
    catalog = pickle_catalog(tmp_path, ["a", "b"], {"n": 3, "f": 2})
    pipeline = Pipeline(
        [
            node(toy_nodes.make_numbers, "params:n", "a", name="make", tags=["gpu"]),
            node(toy_nodes.scale, ["a", "params:f"], "b", name="scale", tags=["gpu"]),
        ]
    )
    with caplog.at_level(logging.WARNING):
        SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs").run(pipeline, catalog)

    assert catalog.load("b")["values"] == [0, 2, 4] and catalog.load("b")["pid"] == os.getpid()
    assert [r.message for r in caplog.records if "sbatch not found" in r.message] == [
        "sbatch not found: running the 2 node(s) tagged ['gpu'] in this process instead of as SLURM jobs"
    ]
    assert not (tmp_path / "logs").exists()


def test_in_memory_dataset_of_a_gpu_node_fails_before_anything_runs(tmp_path):
    catalog = pickle_catalog(tmp_path, ["numbers", "result"], {"n": 3, "f": 2})
    pipeline = Pipeline(
        [
            node(toy_nodes.make_numbers, "params:n", "numbers", name="make"),
            node(toy_nodes.scale, ["numbers", "params:f"], "scaled_in_memory", name="scale", tags=["gpu"]),
            node(toy_nodes.echo, "scaled_in_memory", "result", name="copy"),
        ]
    )
    with pytest.raises(ValueError, match="'scaled_in_memory' of node 'scale' \\(MemoryDataset\\)"):
        SlurmRunner(config=TEST_CONFIG, log_dir=tmp_path / "logs").run(pipeline, catalog)
    assert not catalog.exists("numbers") and not (tmp_path / "logs").exists()


@pytest.mark.parametrize(("job_tags", "runs_as_job"), [(["gpu"], False), (["gpu", "heavy"], True)])
def test_job_tags_of_slurm_yml_choose_which_nodes_become_jobs(tmp_path, job_tags, runs_as_job):
    """A node tagged only `heavy` becomes a job when slurm.yml's job_tags lists it (as conf/study does)."""
    catalog = pickle_catalog(tmp_path, ["result"], {"n": 3})
    pipeline = Pipeline(
        [
            node(toy_nodes.make_numbers, "params:n", "in_memory", name="make", tags=["heavy"]),
            node(toy_nodes.echo, "in_memory", "result", name="copy"),
        ]
    )
    runner = SlurmRunner(config={**TEST_CONFIG, "job_tags": job_tags}, log_dir=tmp_path / "logs")
    if runs_as_job:  # a job's outputs must be persisted: the runner refuses before running anything
        with pytest.raises(ValueError, match=r"nodes tagged \['gpu', 'heavy'\] run as separate jobs"):
            runner.run(pipeline, catalog)
        assert not catalog.exists("result")
    else:
        runner.run(pipeline, catalog)
        assert catalog.load("result") == [0, 1, 2]

"""The SLURM launcher: a sweep's runs as one job array, submitted through submitit.

Each array element is one run (`razorbench.launch.worker.run_point`) with the resources of `launcher.slurm`: a
multi-node Lightning run is one element of `nodes` nodes and `tasks_per_node` processes per node (one per device,
as Lightning's SLURM environment expects), whose ranks get RANK/LOCAL_RANK/NODE_RANK from submitit's job
environment. The base evaluation is one job before the array, and the array waits for it (`--dependency=afterok`).

The sweep folder, not submitit's state, says what finished: an element that left the queue without its run's
record failed (its reason from submitit's result file or its log), and the next collect submits it again. Queued
and running elements are read from `squeue` (no accounting database needed), so a rerun never submits them twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from razorbench.launch.config import LauncherConfig
from razorbench.launch.launcher import OnEnd, Runs, SweepDirOf
from razorbench.launch.squeue import slurm_queue
from razorbench.launch.state import write_ended, write_submitted
from razorbench.launch.worker import RunSpec, evaluate_base, run_point
from razorbench.util.errors import ConfigError, RunFailure, UsageError


def check_slurm_run_config(cfg: Any, slurm_nodes: int, tasks_per_node: int) -> None:
    """A run of several processes must ask Lightning for as many as the job starts, or ranks would wait forever."""
    devices = cfg.trainer.devices
    if cfg.trainer.num_nodes != slurm_nodes:
        raise ConfigError(
            f"launcher.slurm.nodes={slurm_nodes} but trainer.num_nodes={cfg.trainer.num_nodes}: set them equal"
        )
    if tasks_per_node > 1 and devices != tasks_per_node:
        raise ConfigError(
            f"launcher.slurm.tasks_per_node={tasks_per_node} but trainer.devices={devices!r}: one process per device"
        )


def _set_ranks() -> None:
    """Several tasks per job: each is one rank of the run (launcher_rank_zero reads these)."""
    import submitit

    env = submitit.JobEnvironment()
    if env.num_tasks > 1:
        os.environ.update(
            RANK=str(env.global_rank),
            LOCAL_RANK=str(env.local_rank),
            NODE_RANK=str(env.node),
            WORLD_SIZE=str(env.num_tasks),
        )


def slurm_run(spec: RunSpec, threads: int) -> str:
    _set_ranks()
    return run_point(spec, threads)


def slurm_base(spec: RunSpec, threads: int) -> bool:
    return evaluate_base(spec, threads)


def _executor(cfg: LauncherConfig, folder: Path, name: str):
    import submitit

    if shutil.which("sbatch") is None:
        raise UsageError("launcher slurm: no sbatch on this machine's PATH; run the sweep on a SLURM login node")
    s = cfg.slurm
    executor = submitit.SlurmExecutor(folder=folder, max_num_timeout=0)
    params: dict[str, Any] = {
        "job_name": name,
        "time": s.time_min,
        "nodes": s.nodes,
        "ntasks_per_node": s.tasks_per_node,
        "cpus_per_task": s.cpus_per_task,
        "gpus_per_node": s.gpus_per_node or None,
        "partition": s.partition,
        "account": s.account,
        "mem": f"{s.mem_gb:g}GB" if s.mem_gb else None,
        "setup": list(s.setup) or None,
        "additional_parameters": dict(s.sbatch) or None,
        "array_parallelism": s.array_parallelism,
    }
    executor.update_parameters(**{k: v for k, v in params.items() if v is not None})
    return executor


def _ended_reason(job: Any) -> str | None:
    """Why an element that left the queue wrote no record: submitit's result file, else its log's last line."""
    from submitit.core.utils import pickle_load

    result = job.paths.result_pickle
    if result.exists():
        outcome, value = pickle_load(result)
        if outcome == "success":
            return None
        lines = [ln for ln in str(value).splitlines() if ln.strip()]
        return f"slurm job {job.job_id} failed: {lines[-1] if lines else outcome} (log: {job.paths.stderr})"
    log = job.paths.stderr
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()] if log.exists() else []
    # submitit logs the signal SLURM sent ("... this job is timed-out", "... preempted"): the likeliest cause.
    signalled = [ln for ln in lines if "Caught signal" in ln]
    last = signalled[-1] if signalled else lines[-1] if lines else "no log yet"
    return f"slurm job {job.job_id} ended without a result (killed, cancelled or out of time): {last} (log: {log})"


def launch_slurm(specs: Runs, base: Runs, cfg: LauncherConfig, sweep_dir_of: SweepDirOf, on_end: OnEnd) -> None:
    """Submit the base evaluations, then `specs` as one array after them; wait for the array when `cfg.wait`. The
    first run's config must ask for as many processes as a job starts; submitit's files go to the first run's sweep
    folder (`.launch/slurm`)."""
    from razorbench.runner.run import resolve

    first = specs[0]
    _, _, run_cfg = resolve(first.method, first.task, first.track, first.config_file, list(first.overrides))
    check_slurm_run_config(run_cfg, cfg.slurm.nodes, cfg.slurm.tasks_per_node)
    threads = cfg.slurm.cpus_per_task
    executor = _executor(cfg, sweep_dir_of(first) / ".launch" / "slurm", "razorbench")
    base_jobs = [executor.submit(slurm_base, spec, threads) for spec in base]
    if base_jobs:
        executor.update_parameters(dependency="afterok:" + ":".join(j.job_id for j in base_jobs))
    jobs = executor.map_array(slurm_run, specs, [threads] * len(specs))
    for spec, job in zip(specs, jobs, strict=True):
        write_submitted(sweep_dir_of(spec), spec.run_id, "slurm", job.job_id, log=str(job.paths.stderr))
    if not cfg.wait:
        return
    waiting_base = list(base_jobs)
    pending = dict(zip((j.job_id for j in jobs), zip(specs, jobs, strict=True), strict=True))
    while pending:
        time.sleep(cfg.poll_seconds)
        queue = slurm_queue([j.job_id for j in waiting_base] + list(pending))
        if queue is None:  # the controller did not answer this time: nothing is concluded from it
            continue
        for job in [j for j in waiting_base if j.job_id not in queue]:
            waiting_base.remove(job)
            reason = _ended_reason(job)
            if reason:  # the array would wait forever on a dependency that never holds
                subprocess.run(["scancel", jobs[0].job_id.split("_")[0]], check=False)
                raise RunFailure(f"base evaluation {reason}; the array was cancelled")
        for job_id in [j for j in pending if j not in queue]:
            spec, job = pending.pop(job_id)
            reason = None if spec.record.exists() else _ended_reason(job)
            write_ended(sweep_dir_of(spec), spec.run_id, reason)
            on_end(spec, reason)

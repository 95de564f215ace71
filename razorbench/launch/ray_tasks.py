"""The Ray launcher: a sweep's runs as Ray tasks on an existing cluster (`ray.init(address=launcher.ray.address)`).

Each run is one task asking for `launcher.ray.num_cpus`, `num_gpus` and custom `resources`; Ray places them. The
base evaluation is one task before them. Tasks are not retried by Ray (max_retries=0): a worker that dies leaves
its run failed in the sweep folder, and the next collect submits it again (it resumes from its checkpoint).
The driver (this sweep command) stays until every task has ended.
"""

from __future__ import annotations

from razorbench.launch.config import LauncherConfig
from razorbench.launch.launcher import OnEnd, Runs, SweepDirOf
from razorbench.launch.state import write_ended, write_submitted
from razorbench.launch.worker import evaluate_base, run_point
from razorbench.util.errors import RunFailure


def _one_line(error: BaseException) -> str:
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    return f"{type(error).__name__}: {lines[-1] if lines else ''}"


def launch_ray(specs: Runs, base: Runs, cfg: LauncherConfig, sweep_dir_of: SweepDirOf, on_end: OnEnd) -> None:
    import ray

    if not ray.is_initialized():
        ray.init(address=cfg.ray.address, log_to_driver=False)
    options = {
        "num_cpus": cfg.ray.num_cpus,
        "num_gpus": cfg.ray.num_gpus,
        "resources": dict(cfg.ray.resources) or None,
        "max_retries": 0,
    }
    options = {k: v for k, v in options.items() if v is not None}
    threads = max(1, int(cfg.ray.num_cpus))
    try:
        ray.get([ray.remote(evaluate_base).options(**options).remote(s, threads) for s in base])
    except (ray.exceptions.RayError, OSError) as e:
        raise RunFailure(f"base evaluation failed on Ray: {_one_line(e)}") from e
    remote_run = ray.remote(run_point).options(**options)
    pending = {}
    for spec in specs:
        ref = remote_run.remote(spec, threads)
        pending[ref] = spec
        write_submitted(sweep_dir_of(spec), spec.run_id, "ray", ref.task_id().hex())
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            spec = pending.pop(ref)
            try:
                ray.get(ref)
                reason = None if spec.record.exists() else "the Ray task returned without a record"
            except ray.exceptions.RayError as e:
                reason = f"Ray task failed: {_one_line(e)}"
            write_ended(sweep_dir_of(spec), spec.run_id, reason)
            on_end(spec, reason)

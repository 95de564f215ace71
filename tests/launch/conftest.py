"""A real single-node SLURM cluster on localhost for the launcher tests (Debian's slurmctld, slurmd and munge), and
the small run settings the launcher tests share."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

SMALL = [
    "eval.new_task_prompts=8",
    "eval.samples_per_prompt=2",
    "eval.kl_prompts=8",
    "eval.prior_limit=8",
    "data.batch_size=4",
    "trainer.max_steps=2",
]
DAEMONS = ("munged", "slurmctld", "slurmd")


@pytest.fixture
def small() -> list[str]:
    """Run overrides that keep a tiny-track run to seconds."""
    return list(SMALL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _slurm_conf(root: Path, host: str, cpus: int) -> str:
    return "\n".join(
        [
            "ClusterName=razorbench-test",
            f"SlurmctldHost={host}(127.0.0.1)",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={root}/run/munge.socket",
            f"StateSaveLocation={root}/state",
            f"SlurmdSpoolDir={root}/spool",
            f"SlurmctldPidFile={root}/run/slurmctld.pid",
            f"SlurmdPidFile={root}/run/slurmd.pid",
            f"SlurmctldLogFile={root}/log/slurmctld.log",
            f"SlurmdLogFile={root}/log/slurmd.log",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            # No cgroups, no accounting database: what a container without systemd can run.
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "ReturnToService=2",
            "MpiDefault=none",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN",
            f"PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """SLURM_CONF of a one-node cluster started here (as root) for this session; its daemons stopped at the end."""
    missing = [d for d in (*DAEMONS, "sbatch", "squeue") if shutil.which(d) is None]
    if missing:
        pytest.skip(f"SLURM not installed ({', '.join(missing)} missing): apt-get install slurmctld slurmd munge")
    if os.geteuid() != 0:
        pytest.skip("starting a local SLURM cluster needs root (slurmd runs jobs as their user)")
    pytest.importorskip("submitit", reason="submitit not installed: pip install -e '.[launch]'")
    root = tmp_path_factory.mktemp("slurm")
    for sub in ("run", "state", "spool", "log"):
        (root / sub).mkdir()
    conf = root / "slurm.conf"
    conf.write_text(_slurm_conf(root, socket.gethostname().split(".")[0], os.cpu_count() or 1))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    subprocess.run(
        ["munged", "--force", f"--socket={root}/run/munge.socket", f"--pid-file={root}/run/munged.pid",
         f"--log-file={root}/log/munged.log", f"--seed-file={root}/run/munge.seed"],
        check=True, env=env,
    )  # fmt: skip
    subprocess.run(["slurmctld", "-f", str(conf)], check=True, env=env)
    subprocess.run(["slurmd", "-f", str(conf)], check=True, env=env)
    try:
        deadline = time.time() + 60
        while True:
            info = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=env)
            if info.returncode == 0 and info.stdout.strip() in ("idle", "mixed", "allocated"):
                break
            if time.time() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in (root / "log").iterdir())
                pytest.fail(f"the local SLURM cluster did not come up: {info.stdout} {info.stderr}\n{logs}")
            time.sleep(1)
        old = os.environ.get("SLURM_CONF")
        os.environ["SLURM_CONF"] = str(conf)  # sbatch, squeue and scancel (called by submitit and razorbench) read it
        yield conf
    finally:
        # Jobs first: slurmd ends their processes on scancel; stopping the daemons would leave them running.
        subprocess.run(["scancel", "--me"], env=env, capture_output=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            queue = subprocess.run(["squeue", "--me", "-h"], env=env, capture_output=True, text=True)
            if queue.returncode != 0 or not queue.stdout.strip():
                break
            time.sleep(1)
        for daemon in reversed(DAEMONS):
            pid_file = root / "run" / f"{daemon}.pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass
        if "old" in locals():
            if old is None:
                os.environ.pop("SLURM_CONF", None)
            else:
                os.environ["SLURM_CONF"] = old

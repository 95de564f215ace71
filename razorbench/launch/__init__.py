"""Sweeps: a grid of runs (`sweep`) and where they execute: one after another in this process, several at once on
this machine (`local`), a SLURM job array through submitit (`slurm`) or Ray tasks (`ray_tasks`), each run one call
of `worker`. A launcher only starts runs; the sweep folder (`state`) says which are done, running, failed or
pending, so a rerun collects what any launcher started and never duplicates a run. This layer sits above the run
(`razorbench.runner`), which knows nothing of sweeps."""

"""Where a sweep's runs execute: one after another here, several at once on this machine, as a SLURM job array
(submitit) or as Ray tasks. A launcher only starts runs; the sweep folder (`razorbench.launch.state`) says which
are done, running, failed or pending, so any launcher can collect what another one started."""

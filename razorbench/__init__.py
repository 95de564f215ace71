"""razorbench: the open benchmark for forgetting in LLM post-training.

The core, by layer, bottom up (a module imports from its own layer or the ones below, never above; the layers of
docs/contributing/layout.md, checked by tests/test_architecture.py):

1. `razorbench.util`: leaf helpers (atomic writes, fault points, the one-line errors, a process pool with a
   deadline per call, full weights from DDP/FSDP);
2. `razorbench.api`: what contributors subclass or call: `Task`, `Policy`, `Track`, the `Sampler` interface,
   `RazorModule` (the method base), the registries of tracks, tasks and methods; and the tracks' task and prior
   modules (`razorbench.tasks.<track>`), which import only this layer and `razorbench.util`;
3. `razorbench.metrics`, `razorbench.sampling`: every divergence, estimator, predictor, fit form and statistic;
   the samplers;
4. `razorbench.monitor`: the forward-KL monitor (a Lightning and a transformers callback); it knows no run;
5. `razorbench.runner` and the methods (`razorbench.methods`): one run (config -> Lightning Trainer -> measure ->
   record), `razorbench eval`, sequences, and the hook that starts the monitor;
6. `razorbench.launch`: sweeps and where their runs execute (local processes, SLURM, Ray), and a plan of sweeps
   (`razorbench.launch.plan`, what `razorbench reproduce` and `razorbench leaderboard make` run);
7. `razorbench.analysis`: frontiers, forgetting-law fits, comparisons, verdicts, reports; it runs no sweep itself;
8. `razorbench.leaderboard`;
9. `razorbench.cli`: the `razorbench` command.

The repository's experiments (`experiments/<track>/`, not installed) stand above all of these; nothing here imports
them.

Tracks (`razorbench.tasks.<track>`, the repository's `tasks/<track>/`) and methods (`razorbench.methods`, the
repository's `methods/`) are plug-ins: the core names none of them.
"""

from razorbench.api.registry import register_method, register_task, register_track
from razorbench.api.track import Track

__version__ = "0.1.0"
__all__ = ["Track", "__version__", "register_method", "register_task", "register_track"]

"""razorbench: the open benchmark for forgetting in LLM post-training.

The core, by layer (a module imports from its own layer or the ones below; see docs/contributing/layout.md):

- `razorbench.util`: leaf helpers (atomic writes, fault points, the one-line errors, full weights from DDP/FSDP);
- `razorbench.api`: what contributors subclass or call: `Task`, `Policy`, `Track`, the `Sampler` interface,
  `RazorModule` (the method base), the registries of tracks, tasks and methods;
- `razorbench.sampling`, `razorbench.metrics`: samplers; the exact KL, the other predictors, stats;
- `razorbench.runner`: one run (config -> Lightning Trainer -> evaluate -> record) and sweeps of runs;
- `razorbench.analysis`, `razorbench.leaderboard`: frontiers, forgetting-law fits, comparisons; submissions, ranking
  and pages;
- `razorbench.cli`: the `razorbench` command.

Tracks (`razorbench.tasks.<track>`, the repository's `tasks/<track>/`) and methods (`razorbench.methods`, the
repository's `methods/`) are plug-ins: the core names none of them.
"""

from razorbench.api.registry import register_method, register_task, register_track
from razorbench.api.track import Track

__version__ = "0.1.0"
__all__ = ["Track", "__version__", "register_method", "register_task", "register_track"]

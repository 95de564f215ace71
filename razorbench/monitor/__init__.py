"""The forward-KL monitor: the exact E_x KL(π0 ‖ π) on a fixed held-out set, logged as training goes, with the
forgetting a fitted law forecasts from it and budgets that warn or stop (`monitor.py`). Callbacks: `lightning.py`
(Lightning, used by `razorbench run`) and `transformers.py` (transformers' Trainer and TRL's trainers). It knows
no run: `razorbench.runner.monitor_hook` builds it for `razorbench run`."""

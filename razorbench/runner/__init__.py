"""One run and many: `config` composes the typed run config, `run` loads the track's policy, evaluates the base
(cached), trains the method with a Lightning Trainer and evaluates the result (`evaluate`) into a record
(`records`); `lifecycle` and `progress` are the run's folder and callbacks, `curve` its optional learning curve.
Grids of runs (sweeps) are `razorbench.launch`'s."""

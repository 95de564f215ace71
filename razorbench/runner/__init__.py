"""One run and many: `config` composes the typed run config, `run` loads the track's policy, evaluates the base
(cached; `evaluate`), trains the method with a Lightning Trainer and measures the result against the base
(`measure`) into a record (`record_builder`, in the schema of `record_schema`); `run_directory` is the run's folder,
`callbacks` and `progress` its Lightning callbacks, `monitor_hook` starts the forward-KL monitor and `curve` is its
optional learning curve. `checkpoint_eval` is `razorbench eval` (checkpoint folders trained anywhere,
`checkpoint_folders`); `sequence` and `stage_eval` run and score sequences of new tasks.
Grids of runs (sweeps) are `razorbench.launch`'s."""

"""The tiny track's experiments, apart from its tasks: the reproduction (`reproduce`, its `report`, the sweep's
`sweep_design` and pre-registered `conditions`), the learning-curve `diagnose` and the `lifelong` sequences. They are
clients of the whole library (launch, analysis); the task and prior modules beside this folder import the api layer
only, so that the tasks stay beneath the layers that run and analyse experiments."""

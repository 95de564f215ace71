"""The tiny track's experiments: the reproduction (`reproduce`, its `report`, the sweep's `sweep_design` and the
pre-registered `conditions`), the learning-curve `diagnose`, the `lifelong` sequences and `ship_law` (the forgetting
law the monitor ships, fitted on the reproduction's records). Run from the repository's root:
`python -m experiments.tiny.<experiment>`; `razorbench reproduce tiny` runs `reproduce`."""

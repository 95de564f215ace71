"""What is measured on policies and runs: the exact forward/reverse KL and total variation in chunks (`kl`), all of
them over a set of sampled responses (`divergences`), the forms a forgetting law is fitted in (`fit_forms`), the
other forgetting predictors (`predictors`: weight change, update rank, representation drift), the KL penalties
of the losses (`penalties`), the entropy of a policy's own responses (`entropy`), and the statistics of a record
(`stats`: intervals and paired tests; `intervals`: a record's own intervals). Sums accumulate as torchmetrics
Metrics, so they add up over batches and sync across ranks. Import the module you need: this package imports
nothing, so that `stats` costs no torch import."""

"""What many records say together: `analyze` (configurations over seeds, Pareto frontiers, matched-accuracy
comparisons, plots), `fit` (the forgetting law: forgetting against each predictor, with bootstrap intervals),
`compare` (two runs, paired example by example), `reproduction` (the steps and report pieces a track's
reproduction plan is made of)."""

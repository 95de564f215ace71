"""The smol track's experiments: which tasks and priors are viable (`viability` measures, `viability_rules` holds
the pre-registered rules, `viability_report` renders part 2 of docs/SMOL-VIABILITY.md from the records kept in
`viability/records/`)."""

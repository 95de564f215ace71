"""Leaf helpers every layer may use (they import nothing else of razorbench but each other): atomic writes, fault
points, the one-line errors, full weights gathered from DDP/FSDP, calls with a time bound in worker processes."""

"""Leaf helpers every layer may use (they import nothing else of razorbench): atomic writes, fault points."""

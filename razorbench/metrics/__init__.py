"""Metrics as torchmetrics Metrics, so they accumulate over batches and sync across ranks."""

from razorbench.metrics.kl import SequenceDivergence, sequence_divergences, sequence_forward_kl

__all__ = ["SequenceDivergence", "sequence_divergences", "sequence_forward_kl"]

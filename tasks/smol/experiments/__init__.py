"""Experiments on the smol track (layer 8: they plan and run runs; the track's task modules import none of this)."""

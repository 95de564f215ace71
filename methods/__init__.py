"""Built-in post-training methods; each module registers itself."""

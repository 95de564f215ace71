"""Built-in tasks; each module registers itself."""

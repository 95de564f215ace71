"""Built-in tracks: one subpackage per track (`tiny`, `paper`, `toy`), each registering its `Track` in its
`__init__.py` and its tasks in one module each. `DEFAULT_TRACK` is what a command runs when no `--track` is given."""

DEFAULT_TRACK = "tiny"

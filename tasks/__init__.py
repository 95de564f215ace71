"""Built-in tracks: one subpackage per track (`tiny`, `toy`, `paper`, `smol`), each registering its `Track` in its
`__init__.py` and its tasks in one module each. A track's modules import only `razorbench.api` and `razorbench.util`;
its experiments live in the repository's `experiments/<track>/`. `DEFAULT_TRACK` is what a command runs when no
`--track` is given."""

DEFAULT_TRACK = "tiny"

"""The repository's experiments: what was run with razorbench, and how to run it again. Not part of the library and
not installed with it: run from the repository's root, `python -m experiments.<track>.<experiment>`.

- `experiments/<track>/<experiment>.py`: an experiment's code (its plan, its measurement, its report writer). It may
  import any layer of razorbench; nothing in razorbench/, tasks/ or methods/ imports it.
- `experiments/<track>/<experiment>/records/`: the records an experiment keeps in the repository (compact JSON its
  report is regenerated from), where it keeps any; the runs themselves go under runs/, outside git.
- Its report is a page of the documentation (docs/, an UPPERCASE name), written by the experiment's command.

docs/contributing/layout.md gives the whole layout.
"""

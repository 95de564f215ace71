"""Run the doctests of every razorbench, task, method and experiment module (checkers show their cases as
doctests)."""

import doctest
import importlib
import pkgutil

import pytest

import experiments
import razorbench
import razorbench.methods
import razorbench.tasks

# razorbench.tasks / .methods live in the repo's top-level folders, so each package is walked on its own path; the
# experiments (experiments/, not installed) are imported from the repository's root (pytest's pythonpath).
MODULES = sorted(
    m.name
    for package in (razorbench, razorbench.tasks, razorbench.methods, experiments)
    for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    if not m.name.startswith("razorbench.sampling.vllm") and not m.name.endswith(".__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

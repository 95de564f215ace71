"""The run config's monitor section reaches the monitor's budget."""

import pytest


def test_a_run_config_chooses_the_forgetting_budgets_bound():
    from razorbench.runner.run import resolve
    from razorbench.util.errors import ConfigError

    assert resolve("sft", "science", "tiny", None, [])[2].monitor.forgetting_bound == "upper"
    cfg = resolve("sft", "science", "tiny", None, ["monitor.forgetting_bound=forecast"])[2]
    assert cfg.monitor.forgetting_bound == "forecast"
    with pytest.raises(ConfigError, match="forgetting_bound"):
        resolve("sft", "science", "tiny", None, ["monitor.forgetting_bound=median"])

"""The launcher config: typed keys from a config file's `launcher:` section and `launcher.key=value` overrides, one-line
errors for bad ones, and run configs that ignore the sweep's launcher section."""

import pytest

from razorbench.api.registry import METHODS, get_task
from razorbench.api.task import yaml_beside
from razorbench.cli import main
from razorbench.launch.config import config_file_launcher, launcher_config, split_launcher_overrides
from razorbench.runner.config import compose
from razorbench.util.errors import ConfigError


def test_layers_merge_in_order():
    section = {"name": "slurm", "slurm": {"partition": "gpu", "time_min": 30, "sbatch": {"qos": "high"}}}
    cfg = launcher_config(None, section, ["launcher.slurm.time_min=90", "launcher.parallel=3"])
    assert (cfg.name, cfg.slurm.partition, cfg.slurm.time_min, cfg.parallel) == ("slurm", "gpu", 90, 3)
    assert cfg.slurm.sbatch == {"qos": "high"}
    assert launcher_config("ray", section, []).name == "ray"  # the --launcher flag wins
    assert launcher_config().name == "local" and launcher_config().parallel == 1


@pytest.mark.parametrize(
    "override, message",
    [
        ("launcher.parallel=0", "'launcher.parallel' must be > 0"),
        ("launcher.parallel=two", "launcher.parallel"),
        ("launcher.slurm.partion=gpu", "partion"),
        ("launcher.name=k8s", "launcher 'k8s' is unknown; valid: local, slurm, ray"),
        ("launcher.ray.num_gpus=-1", "'launcher.ray.num_gpus' must be >= 0"),
    ],
)
def test_bad_launcher_keys_are_one_line(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")) as error:
        launcher_config(None, None, [override])
    assert "\n" not in str(error.value)


def test_split_and_file_section(tmp_path):
    assert split_launcher_overrides(["optim.lr=1e-4", "launcher.parallel=2"]) == (
        ["optim.lr=1e-4"],
        ["launcher.parallel=2"],
    )
    config = tmp_path / "sweep.yaml"
    config.write_text("optim:\n  lr: 0.0003\nlauncher:\n  name: ray\n  ray:\n    num_cpus: 2\n")
    assert config_file_launcher(str(config)) == {"name": "ray", "ray": {"num_cpus": 2}}
    # The run reads the same file and ignores its launcher section.
    method, task = METHODS.get("sft"), get_task("science", "tiny")
    cfg = compose(method.Config, task.Config, yaml_beside(task), yaml_beside(method), str(config), ["track=tiny"])
    assert cfg.optim.lr == pytest.approx(3e-4) and "launcher" not in cfg


def test_cli_bad_launcher_input_is_one_line(capsys, tmp_path):
    argv = ["sweep", "--method", "sft", "--task", "science", "--output-dir", str(tmp_path), "launcher.parallel=0"]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == "razorbench: error: config key 'launcher.parallel' must be > 0, got 0"
    assert main(["sweep", "--grid", "optim.lr=1e-4"]) == 2
    assert "needs --method and --task (or --status DIR)" in capsys.readouterr().err
    assert main(["reproduce", "tiny", "--launcher", "local", "--set", "launcher.paralel=2"]) == 2
    assert "paralel" in capsys.readouterr().err

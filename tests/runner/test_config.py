import pytest

from razorbench.api.task import TaskConfig, yaml_beside
from razorbench.methods.rl import GRPO
from razorbench.runner.config import compose
from razorbench.runner.run import resolve
from razorbench.util.errors import ConfigError


def _compose(overrides=(), config_file=None):
    return compose(GRPO.Config, TaskConfig, None, yaml_beside(GRPO), config_file, ["track=tiny", *overrides])


def test_merge_order_defaults_task_method_file_overrides(tmp_path):
    task_yaml = tmp_path / "task.yaml"
    task_yaml.write_text("optim:\n  lr: 0.5\n  weight_decay: 0.25\ntrainer:\n  max_steps: 7\n")
    method_yaml = tmp_path / "method.yaml"
    method_yaml.write_text("optim:\n  lr: 0.1\n")
    user = tmp_path / "user.yaml"
    user.write_text("trainer:\n  max_steps: 9\n")
    cfg = compose(
        GRPO.Config, TaskConfig, task_yaml, method_yaml, str(user), ["track=tiny", "seed=3", "trainer.max_steps=11"]
    )
    assert cfg.optim.lr == 0.1  # method YAML beats task YAML
    assert cfg.optim.weight_decay == 0.25  # task YAML beats defaults
    assert cfg.trainer.max_steps == 11  # overrides beat --config beats task YAML
    assert cfg.seed == 3
    assert cfg.trainer.gradient_clip_val == 1.0  # untouched default


def test_method_section_is_typed():
    cfg = _compose(["method.group_size=4", "optim.lr=2e-5"])
    assert cfg.method.group_size == 4 and cfg.optim.lr == 2e-5


@pytest.mark.parametrize(
    "override, needle",
    [
        ("optim.lrr=1", "optim.lrr"),
        ("method.group_size=abc", "method.group_size"),
        ("trainer.max_steps=1.5", "trainer.max_steps"),
        ("nonsense=1", "nonsense"),
        ("data.batch_size=0", "data.batch_size"),
        ("optim.lr=nan", "optim.lr"),
        ("optim.lr=-1e-3", "optim.lr"),
        ("sampling.backend=tpu", "sampling.backend"),
        ("no_equals_sign", "no_equals_sign"),
    ],
)
def test_bad_key_or_value_is_one_line_naming_it(override, needle):
    with pytest.raises(ConfigError) as info:
        _compose([override])
    message = str(info.value)
    assert needle in message and "\n" not in message


def test_bad_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        _compose(config_file=str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("optim: [1, 2\n")
    with pytest.raises(ConfigError, match="bad.yaml"):
        _compose(config_file=str(bad))


def test_resolve_uses_task_and_method_yaml():
    _, _, cfg = resolve("rl", "science", "tiny", None, [])
    assert cfg.task.priors  # from tasks/science.yaml
    assert cfg.method.group_size == 8  # from methods/rl.yaml

"""Property-based: any override of any key, and any task/method name, gives a valid config or one clear line."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from razorbench.api.registry import METHODS, UnknownNameError, get_task
from razorbench.runner.run import resolve
from razorbench.util.errors import ConfigError

KEYS = [
    "seed",
    "optim.lr",
    "optim.weight_decay",
    "optim.warmup_steps",
    "trainer.max_steps",
    "data.batch_size",
    "sampling.max_new_tokens",
    "sampling.temperature",
    "sampling.backend",
    "eval.new_task_prompts",
    "eval.kl_prompts",
    "eval.prior_limit",
    "method.group_size",
    "method.epsilon",
    "method.kl_coef",
    "trainer.checkpoint_every",
    "optim.nope",
    "nope",
    "method.nope",
]
VALUES = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "", "abc", "[1,2]", "{a: 1}", "true", "null", "1e-4", "-0.0"]),
    st.text(alphabet=st.characters(codec="ascii", exclude_characters="\n\r"), max_size=8),
)


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(KEYS), value=VALUES)
def test_any_override_is_valid_or_one_line_naming_the_key(key, value):
    try:
        _, _, cfg = resolve("rl", "science", "tiny", None, [f"{key}={value}"])
    except ConfigError as e:
        message = str(e)
        assert "\n" not in message and key.split(".")[-1] in message, message
        return
    # Accepted: every number the run will use is in range.
    assert cfg.optim.lr > 0 and math.isfinite(cfg.optim.lr)
    assert cfg.trainer.max_steps > 0 and cfg.data.batch_size > 0 and cfg.sampling.max_new_tokens > 0
    assert cfg.sampling.temperature >= 0 and math.isfinite(cfg.sampling.temperature)


@settings(max_examples=60, deadline=None)
@given(name=st.text(max_size=12))
def test_any_unknown_name_is_one_line_with_the_valid_choices(name):
    for lookup in (METHODS.get, lambda n: get_task(n, "tiny"), lambda n: get_task("science", n)):
        try:
            lookup(name)
        except UnknownNameError as e:
            assert "\n" not in str(e).replace(repr(name), "") and "valid:" in str(e)


SMALL = [
    "trainer.max_steps=1",
    "eval.new_task_prompts=4",
    "eval.samples_per_prompt=1",
    "eval.kl_prompts=4",
    "eval.prior_limit=4",
    "data.batch_size=4",
]


def _cli(argv, capsys):
    from razorbench.cli import main

    code = main(["run", "--method", "sft", "--task", "science", "--no-progress", *argv, *SMALL])
    return code, capsys.readouterr().err.strip().splitlines()


def test_a_folder_that_is_not_a_model_is_one_line_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, err = _cli(["--model", str(tmp_path / "empty"), "--output-dir", str(tmp_path / "runs")], capsys)
    assert code == 2 and len(err) == 1 and "is not a model folder" in err[0]
    assert not (tmp_path / "runs").exists()


def test_an_embedded_model_whose_sha256_differs_is_refused(tmp_path, monkeypatch):
    import dataclasses
    import shutil

    import pytest

    import razorbench.runner.run as run
    from razorbench.api.registry import TRACKS
    from razorbench.tasks.tiny import TRACK

    copy = tmp_path / "tiny-lm"
    shutil.copytree(TRACK.model, copy)
    (copy / "SHA256").write_text("0" * 64 + "\n")  # as if the weights had been altered after packaging
    monkeypatch.setattr(TRACKS._entries["tiny"], "obj", dataclasses.replace(TRACK, model=str(copy)))
    with pytest.raises(run.UsageError, match="not its recorded"):
        run.train_and_evaluate("sft", "science", overrides=[f"model={copy}", f"output_dir={tmp_path}"], progress=False)


def test_an_output_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, err = _cli(["--output-dir", str(blocker / "runs")], capsys)
    assert code == 2 and len(err) == 1 and "cannot write the run folder" in err[0]


def test_a_failed_record_write_is_one_line_and_leaves_the_previous_files(tmp_path, monkeypatch, capsys):
    import errno
    import os

    import razorbench.util.atomic as records

    real_replace = os.replace

    def disk_full(src, dst):
        if str(dst).endswith("record.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(records.os, "replace", disk_full)
    out = tmp_path / "runs"
    code, err = _cli(["--output-dir", str(out), "--run-id", "r", f"cache_dir={tmp_path / 'cache'}"], capsys)
    assert code == 1 and len(err) == 1 and "No space left on device" in err[0]
    run_dir = out / "r"
    assert not (run_dir / "record.json").exists() and not list(run_dir.glob(".*.tmp"))
    assert (run_dir / "config.yaml").exists() and (run_dir / "checkpoints" / "last.ckpt").exists()


@pytest.mark.parametrize("strategy", ["fsdp", "deepspeed_stage_2"])
def test_a_gpu_only_strategy_on_cpu_is_one_line_before_any_work(strategy, tmp_path, capsys):
    code, err = _cli(
        ["--output-dir", str(tmp_path / "runs"), "trainer.accelerator=cpu", f"trainer.strategy={strategy}"], capsys
    )
    assert code == 2 and err == [
        f"razorbench: error: trainer.strategy={strategy} needs a GPU (Lightning refuses it on CPU); on CPU use one of:"
        " auto, ddp, fsdp2"
    ]
    assert not (tmp_path / "runs").exists()

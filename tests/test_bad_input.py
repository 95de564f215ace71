"""Property-based: any override of any key, and any task/method name, gives a valid config or one clear line."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from razorbench.config import ConfigError
from razorbench.registry import METHODS, UnknownNameError, get_task
from razorbench.run import resolve

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

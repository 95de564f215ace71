"""LoRA for every method through peft (`pip install 'razorbench[peft]'`): `peft.lora.r > 0` trains low-rank adapters
W + (α/r)·B·A on `peft.lora.target_modules` instead of all weights.

The adapters are injected into the policy's own model object (`get_peft_model` replaces the target Linear layers in
place), so everything that holds the policy (the method, the sampler, the learning curve) trains and samples the
adapted model unchanged; the frozen reference π0 is copied before injection. After training the adapter is saved
(`save_model=true`: a PEFT adapter folder) and then merged into the weights, so the final evaluation, the KL and the
weight-space predictors all see the merged model W + (α/r)·B·A.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

from razorbench.api.policy import Policy
from razorbench.util.errors import ConfigError


def check_lora(cfg: DictConfig) -> None:
    """Refuse, before any work, what LoRA does not run with here."""
    lora = cfg.peft.lora
    if lora.r < 0 or lora.alpha <= 0 or not 0 <= lora.dropout < 1:
        raise ConfigError(
            f"peft.lora: r must be >= 0 (0: no LoRA), alpha > 0, dropout in [0, 1); got r={lora.r}, "
            f"alpha={lora.alpha}, dropout={lora.dropout}"
        )
    if not lora.r:
        return
    if cfg.sampling.backend != "hf":
        raise ConfigError(f"peft.lora.r > 0 runs with sampling.backend=hf only, not {cfg.sampling.backend!r}")
    if str(cfg.trainer.strategy).startswith(("fsdp", "deepspeed")):
        raise ConfigError(f"peft.lora.r > 0 runs with trainer.strategy auto or ddp, not {cfg.trainer.strategy!r}")


def apply_lora(policy: Policy, lora: DictConfig) -> Any:
    """Inject LoRA adapters into `policy.model` in place (only they are trainable); returns the peft model that
    wraps it (for saving the adapter and merging it)."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ConfigError("peft.lora.r > 0 needs peft: pip install 'razorbench[peft]'") from None
    targets = OmegaConf.to_container(lora.target_modules) if lora.target_modules is not None else None
    config = LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=targets,
        bias="none",
        task_type="CAUSAL_LM",
    )
    try:
        wrapped = get_peft_model(policy.model, config)
    except Exception as e:  # peft's own errors: no module matches, an architecture it has no default targets for
        raise ConfigError(f"peft.lora.target_modules={targets}: {str(e).splitlines()[0]}") from None
    return wrapped


def lora_summary(wrapped: Any) -> dict[str, Any]:
    """What the record states: the adapter's settings as peft resolved them, and the parameter counts."""
    config = wrapped.peft_config["default"]
    trainable, total = wrapped.get_nb_trainable_parameters()
    return {
        "lora": {
            "r": config.r,
            "alpha": config.lora_alpha,
            "dropout": config.lora_dropout,
            "target_modules": sorted(config.target_modules),
            "trainable_parameters": trainable,
            "total_parameters": total,
            "merged_for_evaluation": True,
        },
        "peft_version": _peft_version(),
    }


def merge_lora(policy: Policy, wrapped: Any) -> None:
    """Merge the trained adapters into `policy.model`'s weights and remove the LoRA layers (in place)."""
    merged = wrapped.merge_and_unload()
    if merged is not policy.model:  # peft hands back the model it was given; anything else would leave a stale policy
        policy.model = merged


def _peft_version() -> str | None:
    from importlib.metadata import version

    return version("peft")

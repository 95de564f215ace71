"""Full weights of a model whatever wraps or shards it (plain module, DDP, FSDP1, FSDP2), for consumers outside
the training graph such as an inference engine that must sample the current policy.

Under FSDP each rank holds only a shard of every weight (FSDP2: `DTensor` parameters; FSDP1: flat parameters whose
original parameters are views into the local shard), so `named_parameters()` is not the model. `full_weights`
gathers the whole model on every rank with `torch.distributed.checkpoint.state_dict.get_model_state_dict`, whose keys
are the unwrapped model's own names (HF names for an HF model).

What runs where (torch 2.13, Lightning 2.6, measured on CPU with gloo): FSDP2 (`fully_shard`) shards and trains on
CPU; FSDP1 (`FullyShardedDataParallel`) refuses CPU-only execution ("FSDP needs a non-CPU accelerator device"), and
Lightning's `strategy="fsdp"` refuses `accelerator="cpu"` before that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

if TYPE_CHECKING:
    from torch.distributed.device_mesh import DeviceMesh


def full_weights(module: nn.Module, *, root: nn.Module | None = None) -> dict[str, Tensor]:
    """The full, unsharded state dict of `module`, named as the unwrapped module names it, on every rank.

    Args:
        module: the model whose weights are wanted (e.g. `policy.model`), or a wrapper around it (DDP, FSDP).
        root: the outermost module that wraps `module`, when that is where the sharding lives: FSDP1 wraps from
            above (Lightning's `strategy="fsdp"` wraps the whole LightningModule: pass `trainer.strategy.model`).
            Ignored unless it holds an FSDP1 wrapper: FSDP2 shards in place and DDP does not shard.

    Returns:
        name -> tensor for every parameter and persistent buffer, as `module.state_dict()` of the unwrapped, unsharded
        module would give (tied weights under each of their names). Unsharded models give their own tensors, detached
        (no copy); sharded ones give gathered copies on the parameters' device.

    Raises:
        ValueError: `module` is not inside an FSDP1 `root`, or its parameters are FSDP1-flattened and no FSDP1 `root`
            was given.

    When the model is sharded this is a collective: every rank of the process group must call it, at the same point.
    """
    if root is not None and _has_fsdp1(root):
        prefix = _state_dict_prefix(root, module)
    else:
        # Only FSDP1 shards from above; anything else is read from `module` alone (gathering all of `root` would
        # also gather modules nobody asked for).
        if any(_fsdp1_flattened(p) for p in module.parameters()):
            raise ValueError(
                "full_weights: the parameters are sharded by an FSDP wrapper outside the given module; pass that "
                "wrapper as root= (under Lightning: trainer.strategy.model)"
            )
        root, prefix = module, ""
    sharded = is_sharded(root)
    # Without sharding no option gathers anything: the call only strips wrapper prefixes (DDP's `module.`, ...).
    # cpu_offload stays False: with it, full state dicts go to rank 0 only, and every rank's engine needs them.
    state = get_model_state_dict(root, options=StateDictOptions(full_state_dict=sharded))
    return {name[len(prefix) :]: t.detach() for name, t in state.items() if name.startswith(prefix)}


def shard_fsdp2(model: nn.Module, mesh: DeviceMesh) -> None:
    """Shard `model` in place with FSDP2 (`fully_shard`) over `mesh`; a no-op when it is sharded already.

    Units: each decoder layer (the classes HF's `_no_split_modules` names), the base model (embeddings and final
    norm, so that calling `model.base_model` alone, as the drift metric does, gathers them), then the whole model.
    A model that names no layers (not an HF model) is one unit.
    """
    from torch.distributed.fsdp import FSDPModule, fully_shard

    if isinstance(model, FSDPModule):  # e.g. a second fit on the same module
        return
    layer_classes = set(getattr(model, "_no_split_modules", None) or ())
    for module in list(model.modules()):
        if type(module).__name__ in layer_classes:
            fully_shard(module, mesh=mesh)
    base = getattr(model, "base_model", model)
    if base is not model:
        fully_shard(base, mesh=mesh)
    fully_shard(model, mesh=mesh)


def is_sharded(module: nn.Module) -> bool:
    """Whether any of `module`'s weights are sharded: DTensor parameters (FSDP2, TP), an FSDP1 wrapper inside it, or
    parameters flattened by an FSDP1 wrapper above it."""
    from torch.distributed.tensor import DTensor

    return _has_fsdp1(module) or any(isinstance(p, DTensor) or _fsdp1_flattened(p) for p in module.parameters())


def _has_fsdp1(module: nn.Module) -> bool:
    from torch.distributed.fsdp import FullyShardedDataParallel

    return any(isinstance(m, FullyShardedDataParallel) for m in module.modules())


def weights_version(module: nn.Module) -> tuple:
    """A key that changes whenever any of `module`'s weights is changed in place (optimizer steps, `copy_`, loading).

    FSDP2 registers its persistent sharded parameters between passes, but a forward leaves the root module's
    parameters unsharded: new tensors per all-gather, whose identity and version would say "changed" when nothing
    was. Resharding first (not a collective; the next forward gathers again) makes the key read the sharded ones.
    FSDP1 keeps its original parameter objects (`use_orig_params=True`, Lightning's default) and its optimizer
    updates them in place, so their versions should track steps as plain parameters do (untested: FSDP1 needs an
    accelerator).
    """
    from torch.distributed.fsdp import FSDPModule

    for m in module.modules():
        if isinstance(m, FSDPModule):
            m.reshard()
    # Every in-place update bumps a tensor's version counter; a new tensor has a new identity.
    return tuple((id(p), p._version) for p in module.parameters())


def _fsdp1_flattened(param: Tensor) -> bool:
    # FSDP1 marks the parameters it flattens (torch.distributed.fsdp._common_utils.FSDP_FLATTENED).
    return bool(getattr(param, "_fsdp_flattened", False))


def _state_dict_prefix(root: nn.Module, module: nn.Module) -> str:
    """The prefix of `module`'s entries in `get_model_state_dict(root)`: its path in `root`, wrapper levels left out."""
    from torch._dynamo.eval_frame import OptimizedModule
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import ActivationWrapper
    from torch.distributed.fsdp import FullyShardedDataParallel
    from torch.nn.parallel import DistributedDataParallel

    # (wrapper type, attribute of the wrapped module): state dict keys skip these levels, as get_model_state_dict does.
    transparent = (
        (DistributedDataParallel, "module"),
        (FullyShardedDataParallel, "_fsdp_wrapped_module"),
        (ActivationWrapper, "_checkpoint_wrapped_module"),
        (OptimizedModule, "_orig_mod"),
    )
    stack = [(root, "")]
    while stack:
        current, prefix = stack.pop()
        if current is module:
            return prefix
        for name, child in current.named_children():
            skip = any(isinstance(current, kind) and name == attr for kind, attr in transparent)
            stack.append((child, prefix if skip else f"{prefix}{name}."))
    raise ValueError(f"full_weights: the {type(module).__name__} is not a submodule of root {type(root).__name__}")

"""`razorbench.util.distributed.full_weights`: the whole model with HF names, whatever wraps or shards it.

The sharded case runs 2 processes on CPU (gloo) with FSDP2 (`fully_shard`, applied by `shard_fsdp2` as
`trainer.strategy=fsdp2` applies it), the FSDP that runs on CPU here; FSDP1 and Lightning's `strategy="fsdp"`
refuse CPU-only execution (the last test records that, so a release that lifts the limit is noticed).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from razorbench.tasks.tiny import MODEL_DIR as TINY_MODEL_DIR
from razorbench.util.distributed import _state_dict_prefix, full_weights, is_sharded, shard_fsdp2, weights_version

WORLD = 2


def tiny_model() -> nn.Module:
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(TINY_MODEL_DIR)


def test_a_plain_module_gives_its_own_state_dict_uncopied():
    model = tiny_model()
    weights = full_weights(model)
    expected = model.state_dict()
    assert list(weights) == list(expected) and "lm_head.weight" in weights
    for name, tensor in expected.items():
        assert weights[name].data_ptr() == tensor.data_ptr(), name  # the model's own tensors, no copy
        assert not weights[name].requires_grad
    assert not is_sharded(model)


def test_parameters_flattened_by_an_fsdp1_wrapper_above_need_that_wrapper_as_root():
    from torch.distributed.fsdp._common_utils import _set_fsdp_flattened

    model = nn.Linear(3, 2)
    _set_fsdp_flattened(model.weight)  # FSDP1's own mark on the original parameters it flattens
    assert is_sharded(model)
    with pytest.raises(ValueError, match=r"outside the given module; pass that wrapper as root="):
        full_weights(model)


def _worker(rank: int, store: str) -> None:
    """One rank: shard the tiny model as `trainer.strategy=fsdp2` does, gather it, train a step, check every rank."""
    torch.set_num_threads(1)  # one thread per rank on a shared machine; also keeps OpenMP out of the forked child
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD, timeout=timedelta(60))
    try:
        from torch.distributed.checkpoint.state_dict import get_model_state_dict
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import FSDPModule
        from torch.nn.parallel import DistributedDataParallel

        expected = {name: t.clone() for name, t in tiny_model().state_dict().items()}

        # DDP replicates: the weights are the inner module's own, and the prefix that full_weights would strip under
        # an FSDP1 root is the one torch's own state dict gives (wrapper levels left out).
        holder = nn.Module()
        holder.policy = nn.Module()
        holder.policy.model = tiny_model()
        ddp = DistributedDataParallel(holder)
        assert _state_dict_prefix(ddp, holder.policy.model) == "policy.model."
        assert {k.removeprefix("policy.model.") for k in get_model_state_dict(ddp)} == set(expected)
        assert full_weights(holder.policy.model, root=ddp).keys() == expected.keys()

        # As RazorModule.configure_model shards under trainer.strategy=fsdp2, on the mesh Lightning hands it.
        mesh = init_device_mesh("cpu", (WORLD, 1), mesh_dim_names=("data_parallel", "tensor_parallel"))
        model = tiny_model()
        shard_fsdp2(model, mesh["data_parallel"])
        units = [model, model.model, *model.model.layers]  # each decoder layer, the base model, the whole model
        assert all(isinstance(unit, FSDPModule) for unit in units)
        local = sum(p.to_local().numel() for p in model.parameters())
        assert is_sharded(model) and local < sum(t.numel() for t in expected.values())  # really sharded
        gathered = full_weights(model)
        assert list(gathered) == list(expected)  # HF names, no wrapper prefixes
        for name, tensor in expected.items():
            assert type(gathered[name]) is torch.Tensor and torch.equal(gathered[name], tensor), name

        # A training step on rank-specific data: every rank then gathers the same, new weights.
        version = weights_version(model)
        ids = torch.randint(2, 100, (2, 8), generator=torch.Generator().manual_seed(rank))
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
        model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
        assert weights_version(model) != version
        version = weights_version(model)
        with torch.no_grad():
            model(input_ids=ids)  # leaves the root's parameters unsharded (new tensors), weights unchanged
            model.base_model(input_ids=ids)  # a unit of its own: callable alone, as the drift metric calls it
        assert weights_version(model) == version
        after = full_weights(model)
        assert all(not torch.equal(after[name], expected[name]) for name in expected)
        flat = torch.cat([t.flatten() for t in after.values()])
        copies = [torch.empty_like(flat) for _ in range(WORLD)]
        dist.all_gather(copies, flat)
        assert all(torch.equal(copy, copies[0]) for copy in copies)
    finally:
        dist.destroy_process_group()


def test_fsdp2_shards_gather_to_the_whole_hf_named_model_on_every_rank(tmp_path: Path):
    tiny_model()  # transformers imported here: forked ranks inherit it (spawned ones took ~10 s each to import it)
    # A failing rank's traceback fails the test; the others are terminated.
    mp.start_processes(_worker, args=(str(tmp_path / "store"),), nprocs=WORLD, start_method="fork")


def test_fsdp1_and_lightnings_fsdp_strategy_still_refuse_cpu_only_execution():
    import lightning as L
    from torch.distributed.fsdp import FullyShardedDataParallel

    if torch.accelerator.is_available():
        pytest.skip("an accelerator is present: the CPU-only refusal does not apply")
    with pytest.raises(RuntimeError, match="FSDP needs a non-CPU accelerator device"):
        FullyShardedDataParallel(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="strategy `fsdp` requires a GPU accelerator"):
        L.Trainer(accelerator="cpu", devices=2, strategy="fsdp")

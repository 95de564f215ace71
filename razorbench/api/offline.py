"""Offline training data built once from the base policy π0: preference pairs and rejection samples.

Every offline method that needs π0's own responses starts from the same thing: k responses of π0 per
training prompt, each checked by the task. From them,

- `preference_pairs` (DPO, SimPO): chosen = the task's reference answer, rejected = the first
  checked-incorrect response of π0; a prompt whose k responses are all correct gives no pair (skipped);
- `accepted_responses` (oracle SFT): the checked-correct responses, i.e. rejection samples of
  π*(y|x) ∝ π0(y|x)·1[y correct]; a prompt with none accepted is skipped.

The samples are drawn before the first optimizer step (the policy is still π0) and cached on disk under
`cache_dir/offline/`, keyed by the model's sha256, the task's name and version and the sampling settings,
so every method and every run of a sweep with the same settings shares one draw. A file lock makes
concurrent runs (or DDP ranks) draw it once; the write is atomic.

Two method base classes hold the plumbing, so a method file keeps its config, loss and step:
`OfflineModule.base_samples()` (called from a method's `on_fit_start`) and `PreferenceModule` (pairs drawn
at fit start, batched, packed into one (2B, T) batch).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock
from torch.utils.data import DataLoader

from razorbench.api.method import MethodConfig, RazorModule
from razorbench.api.policy import SequenceBatch
from razorbench.api.sampler import Sampler
from razorbench.api.task import Example, Task
from razorbench.util.atomic import write_json_atomic
from razorbench.util.rng import streams_untouched

CACHE_FORMAT = 1
PROMPTS_PER_CALL = 64  # prompts per `generate` call while drawing (x k responses each)


@dataclass
class OfflineDataConfig(MethodConfig):
    """Keys of the methods whose data is drawn once from π0 (dpo, simpo, oracle-sft), declared here only: each
    such method's Config subclasses this one."""

    samples_per_prompt: int = 8
    """k: responses drawn from π0 per training prompt (temperature and length: the run's `sampling.*`)."""
    sample_seed: int = 0
    """Seed of that draw, apart from the run's seed: the runs of a seed sweep share one cached draw."""


@dataclass(frozen=True)
class PromptSamples:
    """π0's k responses to one training prompt, with the checker's verdict on each."""

    example: Example
    response_ids: list[list[int]]  # as sampled, up to and including EOS when the response ended
    correct: list[bool]


@dataclass(frozen=True)
class Pair:
    """A preference pair: the reference answer of `example` is chosen over `rejected_ids`."""

    example: Example
    rejected_ids: list[int]


@dataclass(frozen=True)
class Accepted:
    """The accepted (checked-correct) responses of π0 to one prompt: samples of π*(·|x), or, with `weights`,
    every correct response and its exact probability under π*(·|x) (where the policy gives π* in closed form)."""

    example: Example
    response_ids: list[list[int]]
    weights: list[float] | None = None


def cache_key(model_sha256: str, task: Task, settings: dict[str, Any]) -> str:
    spec = {"model": model_sha256, "task": [task.name, task.version], "settings": settings, "format": CACHE_FORMAT}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def draw(
    sampler: Sampler, task: Task, *, n: int, max_new_tokens: int, temperature: float, seed: int
) -> list[PromptSamples]:
    """Sample `n` responses per training prompt from the sampler's (base) policy and check each."""
    examples = task.examples("train")
    out = []
    for start in range(0, len(examples), PROMPTS_PER_CALL):
        batch = examples[start : start + PROMPTS_PER_CALL]
        samples = sampler.generate(
            [e.prompt for e in batch], n=n, max_new_tokens=max_new_tokens, temperature=temperature, seed=seed + start
        )
        correct = task.check_all(samples.texts, [batch[samples.prompt_index(i)] for i in range(len(samples.texts))])
        for j, example in enumerate(batch):
            group = range(j * n, (j + 1) * n)
            out.append(PromptSamples(example, [samples.response_ids[i] for i in group], [correct[i] for i in group]))
    return out


def load_or_draw(
    sampler: Sampler,
    task: Task,
    model_sha256: str,
    cache_dir: str | Path | None,
    *,
    n: int,
    max_new_tokens: int,
    temperature: float,
    seed: int,
) -> list[PromptSamples]:
    """`draw`, read from the cache when present (no cache when `cache_dir` is None). A draw leaves the global random
    streams as it found them (`razorbench.util.rng`), so a run trains the same whether the cache was warm."""
    settings = {"split": "train", "n": n, "max_new_tokens": max_new_tokens, "temperature": temperature, "seed": seed}
    if cache_dir is None:
        with streams_untouched():
            return draw(sampler, task, n=n, max_new_tokens=max_new_tokens, temperature=temperature, seed=seed)
    path = Path(cache_dir) / "offline" / f"{cache_key(model_sha256, task, settings)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    by_id = {e.id: e for e in task.examples("train")}
    with FileLock(str(path) + ".lock"):
        if path.exists():
            try:
                rows = json.loads(path.read_text())["prompts"]
                return [PromptSamples(by_id[r["id"]], r["response_ids"], r["correct"]) for r in rows]
            except (json.JSONDecodeError, KeyError):
                pass  # a corrupt or stale entry is drawn again and replaced
        with streams_untouched():
            drawn = draw(sampler, task, n=n, max_new_tokens=max_new_tokens, temperature=temperature, seed=seed)
        rows = [{"id": s.example.id, "response_ids": s.response_ids, "correct": s.correct} for s in drawn]
        write_json_atomic(path, {"format": CACHE_FORMAT, "model": model_sha256, "settings": settings, "prompts": rows})
    return drawn


def preference_pairs(samples: list[PromptSamples]) -> tuple[list[Pair], int]:
    """(pairs, prompts skipped): the reference answer over the first incorrect response of π0."""
    pairs = []
    for s in samples:
        rejected = next((ids for ids, ok in zip(s.response_ids, s.correct, strict=True) if not ok), None)
        if rejected is not None:
            pairs.append(Pair(s.example, rejected))
    return pairs, len(samples) - len(pairs)


def accepted_responses(samples: list[PromptSamples]) -> tuple[list[Accepted], dict[str, Any]]:
    """(accepted per prompt, stats): rejection samples of π*, with the acceptance rate and prompts skipped."""
    accepted = []
    for s in samples:
        kept = [ids for ids, ok in zip(s.response_ids, s.correct, strict=True) if ok]
        if kept:
            accepted.append(Accepted(s.example, kept))
    drawn = sum(len(s.correct) for s in samples)
    stats = {
        "acceptance_rate": sum(sum(s.correct) for s in samples) / max(drawn, 1),
        "prompts_skipped": len(samples) - len(accepted),
        "prompts": len(samples),
    }
    return accepted, stats


class OfflineModule(RazorModule):
    """Base of the methods trained on data drawn once from π0; their Config subclasses `OfflineDataConfig`."""

    Config = OfflineDataConfig
    config: OfflineDataConfig

    def base_samples(self) -> list[PromptSamples]:
        """π0's checked samples of every training prompt. Call before the first optimizer step."""
        return load_or_draw(
            self.sampler,
            self.task,
            self.policy.sha256,
            self.settings.cache_dir,
            n=self.config.samples_per_prompt,
            max_new_tokens=self.settings.max_new_tokens,
            temperature=self.settings.temperature,
            seed=self.config.sample_seed,
        )


class PreferenceModule(OfflineModule):
    """Base of the preference methods (dpo, simpo): batches of `Pair`s drawn at fit start."""

    def on_fit_start(self) -> None:
        # Here, not in __init__ or setup: the policy is on its device and still π0 (no step taken yet).
        self.pairs, self.prompts_skipped = preference_pairs(self.base_samples())
        if not self.pairs:
            raise RuntimeError(f"no preference pairs: π0 answered every {self.task.name} training prompt correctly")

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.pairs, batch_size=self.settings.batch_size, shuffle=True, collate_fn=list)

    def method_stats(self) -> dict[str, Any]:
        return {"pairs": len(self.pairs), "prompts_skipped": self.prompts_skipped}

    def pack_pairs(self, pairs: list[Pair]) -> SequenceBatch:
        """One (2B, T) batch, chosen rows first, then rejected rows: one forward pass serves both."""
        policy = self.policy
        prompts = [policy.prompt_ids(p.example.prompt) for p in pairs]
        chosen = [policy.response_ids(p.example.answer) for p in pairs]
        return policy.pack(prompts + prompts, chosen + [p.rejected_ids for p in pairs]).to(self.device)

"""The sampler interface: turn prompts into sampled responses of a policy. Implementations live in
`razorbench.sampling` (transformers `generate`, vLLM); a track whose policy samples itself (the toy MLP) gives its
own through `policy.sampler()`."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Samples:
    """`n` responses per prompt, grouped: sample k of prompt i is at index i * n + k."""

    prompts: list[str]
    n: int
    prompt_ids: list[list[int]]  # one per sample (repeated within a group)
    response_ids: list[list[int]]  # up to and including EOS when the response ended
    texts: list[str]  # decoded responses, special tokens removed
    logprobs: list[list[float]] | None = None  # log π(token) of each response token, when the sampler gives them

    def prompt_index(self, sample: int) -> int:
        return sample // self.n


class Sampler:
    """Interface: `generate(prompts, n, max_new_tokens, greedy, temperature, seed)` -> `Samples`.

    `seconds` accumulates the wall time spent generating, for the record's timings.
    """

    seconds: float = 0.0
    sync_seconds: float = 0.0  # wall time spent pushing new weights into the sampler (0 when it shares them)

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
        raise NotImplementedError

    def sync_weights(self, model: torch.nn.Module) -> None:
        """Make the sampler sample from `model`'s current weights (a no-op when it shares them)."""

    def callbacks(self) -> list:
        """Lightning callbacks a training run needs with this sampler (e.g. a weight sync after each step)."""
        return []

    def close(self) -> None:
        """Release what the sampler holds (an inference engine); a no-op when it holds nothing."""

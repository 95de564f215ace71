"""The toy track's policy: RL's Razor's small MLP classifier behind razorbench's policy interface, so that every
method file runs on it unchanged.

The paper's controlled experiment (arXiv 2509.04259, "ParityMNIST"): an MLP 785 → 512 → 256 → 10 reads an image
(784 pixels in [0, 1]) and a task bit (+1: the parity of an MNIST digit, −1: the class of a Fashion-MNIST image)
and outputs a distribution over 10 labels. razorbench casts it as a one-token language model:

- a prompt is an image id (`mnist-00042`); its one "token" is the image's row in the data table
  (`razorbench.tasks.toy.data.ToyData`), which the model holds as a buffer and looks the pixels up in;
- a response is one label token: the vocabulary is the 10 labels, "7" -> [7], and there is no EOS;
- `model(input_ids, attention_mask).logits` is (B, T, 10), the MLP's logits for the prompt's image at every
  position (one decision: nothing after the image changes it), so position 0 predicts the response token as in
  an LM and `Policy.token_logprobs` works as it is;
- `model.base_model(...).last_hidden_state` is the penultimate layer (B, T, 256) and `get_output_embeddings()` the
  last Linear: the exact KL (`razorbench.metrics.kl`), weight change and CKA (`razorbench.metrics.predictors`)
  use them as they use an LM's final hidden states and head.

`ToySampler` samples labels from the softmax; `ToyPolicy.oracle_distribution` gives the paper's oracle
π*(y|x) ∝ π0(y|x)·1[y correct] in closed form. `pretrain_toy` builds the base model from seed in seconds; the
package ships the result (`tasks/toy/assets/toy-mlp`, with its sha256), pretrained on the shared IDX copies.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from razorbench.api.policy import Policy, SequenceBatch, model_sha256
from razorbench.api.sampler import Sampler, Samples
from razorbench.api.task import Example
from razorbench.tasks.toy.data import ToyData, load_toy_data

LABELS = 10
SIZES = (785, 512, 256, LABELS)  # 784 pixels + the task bit -> ... -> 10 labels (the paper's)
CONFIG = {
    "model_type": "razorbench-toy-mlp",
    "sizes": list(SIZES),
    "pixel_scale": 255,
    "task_bit": "+1 MNIST, -1 Fashion",
}


@dataclass
class ToyOutput:
    """What the toy model returns: the fields of an HF model output that razorbench reads."""

    logits: Tensor | None = None  # (B, T, 10)
    last_hidden_state: Tensor | None = None  # (B, T, 256)


class ImageTrunk(nn.Module):
    """Image rows -> penultimate features. Holds the image table as buffers (not saved with the weights)."""

    def __init__(self, images: Tensor, task_bits: Tensor) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]), nn.ReLU())
        self.register_buffer("images", images, persistent=False)  # (N, 784) uint8
        self.register_buffer("task_bits", task_bits, persistent=False)  # (N,) float32

    def features(self, rows: Tensor) -> Tensor:
        """(B,) image rows -> (B, 256)."""
        x = torch.cat([self.images[rows].float() / 255.0, self.task_bits[rows].unsqueeze(-1)], dim=-1)  # (B, 785)
        return self.layers(x)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, **_) -> ToyOutput:
        hidden = self.features(input_ids[:, 0])  # position 0 is the image
        return ToyOutput(last_hidden_state=hidden.unsqueeze(1).expand(-1, input_ids.shape[1], -1))


class ToyMLP(nn.Module):
    """The paper's MLP as a one-token LM over the 10 labels (see the module docstring)."""

    def __init__(self, images: Tensor, task_bits: Tensor) -> None:
        super().__init__()
        self.base_model = ImageTrunk(images, task_bits)
        self.head = nn.Linear(SIZES[2], SIZES[3])

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, **_) -> ToyOutput:
        return ToyOutput(logits=self.head(self.base_model(input_ids).last_hidden_state))

    def get_output_embeddings(self) -> nn.Linear:
        return self.head

    def classify(self, rows: Tensor) -> Tensor:
        """(B,) image rows -> (B, 10) logits."""
        return self.head(self.base_model.features(rows))


def label_token(response: str) -> int:
    """The token of a label response ("7" -> 7).

    >>> label_token(" 7\\n")
    7
    >>> label_token("seven")
    Traceback (most recent call last):
    ...
    ValueError: a toy response is one label 0-9, got 'seven'
    """
    text = response.strip()
    if len(text) != 1 or not text.isdigit():
        raise ValueError(f"a toy response is one label 0-9, got {response!r}")
    return int(text)


class ToyPolicy(Policy):
    """The toy MLP with its image table; a `Policy` whose prompts are image ids and responses single labels."""

    def __init__(self, model: ToyMLP, data: ToyData, name: str = "", sha256: str = "") -> None:
        super().__init__(model, tokenizer=None, name=name, sha256=sha256)
        self.data = data

    @classmethod
    def load(cls, path: str | Path, data_dir: str | Path | None = None) -> ToyPolicy:
        """The MLP saved at `path` (config.json + model.safetensors), on the images of `data_dir` (None: the hub)."""
        from safetensors.torch import load_file

        path = Path(path)
        config = json.loads((path / "config.json").read_text())
        if config.get("model_type") != CONFIG["model_type"] or tuple(config.get("sizes", ())) != SIZES:
            raise ValueError(f"{path} does not hold a razorbench toy MLP {SIZES}")
        data = load_toy_data(data_dir)
        model = build_toy_model(data)
        model.load_state_dict(load_file(path / "model.safetensors"))
        return cls(model.eval(), data, name=str(path), sha256=model_sha256(path))

    def frozen_copy(self) -> ToyPolicy:
        ref = ToyPolicy(copy.deepcopy(self.model), self.data, self.name, self.sha256)
        ref.model.requires_grad_(False).eval()
        return ref

    @property
    def eos_token_id(self) -> None:
        return None  # a response is exactly one label

    @property
    def pad_token_id(self) -> int:
        return 0

    def prompt_ids(self, prompt: str) -> list[int]:
        return [self.data.row(prompt)]

    def response_ids(self, response: str) -> list[int]:
        return [label_token(response)]

    def pack(self, prompt_ids: list[list[int]], response_ids: list[list[int]]) -> SequenceBatch:
        """`Policy.pack`, in one tensor op when every row has the same prompt and response lengths (a toy batch
        always has: one image, one label), which on-policy steps of hundreds of samples notice."""
        shapes = {(len(p), len(r)) for p, r in zip(prompt_ids, response_ids, strict=True)}
        if len(shapes) != 1:
            return super().pack(prompt_ids, response_ids)
        ((prompt_len, response_len),) = shapes
        input_ids = torch.tensor([p + r for p, r in zip(prompt_ids, response_ids, strict=True)], dtype=torch.long)
        input_ids = input_ids.view(len(prompt_ids), prompt_len + response_len)
        response_mask = torch.zeros_like(input_ids)
        response_mask[:, prompt_len:] = 1
        return SequenceBatch(input_ids, torch.ones_like(input_ids), response_mask)

    def sampler(self) -> ToySampler:
        """This policy's own sampler (`razorbench.sampling.build_sampler` asks for it)."""
        return ToySampler(self)

    @torch.no_grad()
    def oracle_distribution(self, examples: Sequence[Example], check: Callable[[str, Example], bool]) -> Tensor:
        """π*(y|x) ∝ π(y|x)·1[check(y, x)] over the 10 labels, exactly, in float64: (B, 10).

        Taken at the policy's current weights: before training that is π0, the paper's oracle. A prompt with no
        correct label raises (π* is undefined there).
        """
        device = next(self.model.parameters()).device
        rows = torch.tensor([self.data.row(e.prompt) for e in examples], device=device)
        probs = torch.softmax(self.model.classify(rows).double(), dim=-1)
        correct = torch.tensor(
            [[check(str(y), e) for y in range(LABELS)] for e in examples], dtype=torch.float64, device=device
        )
        mass = (probs * correct).sum(-1, keepdim=True)
        if (mass == 0).any():
            raise ValueError("π* is undefined for a prompt with no correct label")
        return probs * correct / mass

    def oracle_responses(
        self, examples: Sequence[Example], check: Callable[[str, Example], bool]
    ) -> list[tuple[list[list[int]], list[float]]]:
        """π* of each example as (correct responses' token ids, their probabilities): the model-agnostic form a
        method can train on (see `oracle_distribution`)."""
        oracle = self.oracle_distribution(examples, check)
        out = []
        for i, example in enumerate(examples):
            labels = [y for y in range(LABELS) if check(str(y), example)]
            out.append(([[y] for y in labels], [float(oracle[i, y]) for y in labels]))
        return out


class ToySampler(Sampler):
    """Samples labels from the policy's softmax (at its current weights: no sync needed)."""

    def __init__(self, policy: ToyPolicy) -> None:
        self.policy = policy

    @torch.no_grad()
    def generate(
        self,
        prompts: list[str],
        *,
        n: int = 1,
        max_new_tokens: int = 1,
        greedy: bool = False,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> Samples:
        began = time.perf_counter()
        model = self.policy.model
        device = next(model.parameters()).device
        rows = [self.policy.prompt_ids(p)[0] for p in prompts]
        logits = model.classify(torch.tensor(rows, device=device)).float()  # (P, 10)
        if greedy or temperature == 0:
            labels = logits.argmax(-1, keepdim=True).expand(-1, n)
        else:
            generator = torch.Generator(device).manual_seed(seed) if seed is not None else None
            probs = torch.softmax(logits / temperature, dim=-1)
            labels = torch.multinomial(probs, n, replacement=True, generator=generator)  # (P, n)
        logp = torch.log_softmax(logits, dim=-1).gather(-1, labels)  # log π before temperature, as vLLM's
        labels, logp = labels.reshape(-1).tolist(), logp.reshape(-1).tolist()  # sample k of prompt i at i * n + k
        self.seconds += time.perf_counter() - began
        return Samples(
            list(prompts),
            n,
            [[r] for r in rows for _ in range(n)],
            [[y] for y in labels],
            [str(y) for y in labels],
            [[lp] for lp in logp],
        )


def build_toy_model(data: ToyData, seed: int | None = None) -> ToyMLP:
    """A toy MLP over `data`'s images (freshly initialised from `seed` when given)."""
    if seed is not None:
        torch.manual_seed(seed)
    return ToyMLP(torch.from_numpy(data.images), torch.from_numpy(data.task_bits))


def pretraining_labels(data: ToyData, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fashion rows keep their class; an MNIST row gets a uniformly random label of its digit's parity, drawn
    anew each epoch. π0 then learns parity only, its mass spread over the five labels of the parity: the many
    correct answers a method may keep or collapse (the public replication of the toy pretrains the same way)."""
    labels = data.labels[rows].copy()
    digits = np.array([data.ids[r].startswith("mnist-") for r in rows])
    labels[digits] = labels[digits] % 2 + 2 * rng.integers(0, 5, size=int(digits.sum()))
    return labels


def pretrain_toy(
    out_dir: str | Path,
    *,
    data_dir: str | Path | None,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> Path:
    """Pretrain the toy MLP jointly on both `pretrain` splits (Adam, cross-entropy) and save it with its sha256."""
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    began = time.time()
    data = load_toy_data(data_dir)
    rows = np.array(data.rows("mnist", "pretrain") + data.rows("fashion", "pretrain"))
    model = build_toy_model(data, seed)
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        order = rng.permutation(len(rows))
        labels = torch.from_numpy(pretraining_labels(data, rows, rng))
        total = 0.0
        for start in range(0, len(rows), batch_size):
            batch = order[start : start + batch_size]
            loss = nn.functional.cross_entropy(model.classify(torch.from_numpy(rows[batch])), labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        if (epoch + 1) % max(1, epochs // 5) == 0 or epoch + 1 == epochs:
            log(f"epoch {epoch + 1}/{epochs}  loss {total / len(rows):.4f}")
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out_dir / "model.safetensors")
    (out_dir / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    meta = {
        "seed": seed,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "data": {"source": data.source, "fingerprint": data.fingerprint, "images": len(data.ids)},
        "pretrain_images": {
            "mnist": len(data.rows("mnist", "pretrain")),
            "fashion": len(data.rows("fashion", "pretrain")),
        },
        "eval": base_scores(model, data),
        "seconds": round(time.time() - began, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    (out_dir / "pretrain.json").write_text(json.dumps(meta, indent=2) + "\n")
    (out_dir / "SHA256").write_text(model_sha256(out_dir) + "\n")
    return out_dir


@torch.no_grad()
def base_scores(model: ToyMLP, data: ToyData) -> dict[str, float]:
    """On the `eval` splits: the parity mass Σ_{y of the digit's parity} π(y|x), and Fashion argmax accuracy."""
    mnist, fashion = data.rows("mnist", "eval"), data.rows("fashion", "eval")
    probs = torch.softmax(model.classify(torch.tensor(mnist)), dim=-1)
    same_parity = torch.arange(LABELS) % 2 == torch.from_numpy(data.labels[mnist] % 2).unsqueeze(-1)
    fashion_pred = model.classify(torch.tensor(fashion)).argmax(-1).numpy()
    return {
        "parity_accuracy": round(float((probs * same_parity).sum(-1).mean()), 4),
        "fashion_accuracy": round(float((fashion_pred == data.labels[fashion]).mean()), 4),
    }

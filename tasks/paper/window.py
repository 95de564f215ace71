"""Prior documents that do not fit the model's context window: left-truncated where that is sound, else skipped
and counted, never a crash.

lm-eval scores a multiple-choice document by the log-likelihood of each choice (the continuation) after the
document's context, and a generative one by what the model writes after the context. When the two do not fit
the model's window, lm-eval's HFLM keeps the end of the context (left truncation): sound, since what is scored
is whole and the model sees the text nearest to it, and kept here, counted per document (`truncated`). What it
cannot do is score a continuation longer than the window itself: HFLM asserts, and the whole benchmark crashed
(HellaSwag documents 8 and 15 on the tiny model's 128 tokens). `WindowedLM` leaves such a document out of the
benchmark (`skipped`, with the reason): its requests are not run, and `LMEvalTask.to_prior_score` scores the
benchmark on the other documents. A generation budget that is not below the window fits no document at all:
that is a configuration error, refused in one line.

Base and fine-tuned models share the tokenizer and the window, so both are scored on the same documents and
their per-document results still pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from razorbench.util.errors import ConfigError


@dataclass
class Fit:
    """Which documents of a benchmark did not fit the window, by razorbench's document key."""

    window: int
    skipped: dict[str, str] = field(default_factory=dict)  # document -> why
    truncated: set[str] = field(default_factory=set)  # documents whose context was left-truncated

    def summary(self, name: str, scored: int) -> str | None:
        """The one console line for benchmark `name` (None when every document fitted)."""
        if not self.skipped and not self.truncated:
            return None
        parts = []
        if self.skipped:
            documents = sorted(self.skipped, key=lambda k: [int(t) if t.isdigit() else t for t in k.split("/")])
            shown = ", ".join(documents[:10]) + (", ..." if len(documents) > 10 else "")
            parts.append(
                f"{len(self.skipped)} of {scored + len(self.skipped)} documents skipped, their scored text longer "
                f"than the model's {self.window}-token context ({shown})"
            )
        if self.truncated:
            parts.append(f"{len(self.truncated)} scored with the start of their context cut (lm-eval's truncation)")
        return f"prior {name}: " + "; ".join(parts)


def windowed_lm(
    model: Any, tokenizer: Any, batch_size: int, key: Callable[[str, int], str], *, share_contexts: bool = False
) -> Any:
    """An lm-eval HFLM on `model` that leaves out, and records in `.fit`, the documents that do not fit its
    window. `key(task_name, doc_id)` names a document as razorbench's per-example results do. With
    `share_contexts` (a transformers decoder that takes a KV cache), log-likelihoods run each shared context once
    and the LM head on continuations only (`shared_context.py`): lm-eval's numbers to float rounding."""
    from lm_eval.models.huggingface import HFLM

    from .shared_context import loglikelihoods

    class WindowedLM(HFLM):
        def __init__(self) -> None:
            super().__init__(pretrained=model, tokenizer=tokenizer, batch_size=batch_size)
            self.fit = Fit(self.max_length)

        def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
            window = self.max_length
            unfit = set()
            for request in requests:
                context_tokens, continuation_tokens = self._lengths(*request.args)
                document = key(request.task_name, request.doc_id)
                if continuation_tokens > window:
                    unfit.add(document)
                    self.fit.skipped[document] = f"a continuation of {continuation_tokens} tokens"
                elif context_tokens + continuation_tokens > window + 1:
                    self.fit.truncated.add(document)
            self.fit.truncated -= unfit
            kept = [r for r in requests if key(r.task_name, r.doc_id) not in unfit]
            results = iter(super().loglikelihood(kept, disable_tqdm=disable_tqdm) if kept else [])
            # A skipped document's requests get a placeholder its scorer can read; its result is dropped after.
            return [(0.0, False) if key(r.task_name, r.doc_id) in unfit else next(results) for r in requests]

        def _loglikelihood_tokens(
            self, requests: list[Any], disable_tqdm: bool = False, override_bs: int | None = None
        ) -> list[tuple[float, bool]]:
            if not share_contexts:
                return super()._loglikelihood_tokens(requests, disable_tqdm=disable_tqdm, override_bs=override_bs)
            pairs = [(context, continuation) for _, context, continuation in requests]
            window, pad = self.max_length, self.tokenizer.pad_token_id
            pad = pad if pad is not None else self.tokenizer.eos_token_id
            results = loglikelihoods(self.model, pairs, window=window, batch_size=batch_size, pad_token_id=pad)
            for (request, _, _), result in zip(requests, results, strict=True):
                self.cache_hook.add_partial("loglikelihood", request, result)
            return results

        def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
            for request in requests:
                context, generation = request.args
                budget = int((generation or {}).get("max_gen_toks", self.max_gen_toks))
                if budget >= self.max_length:
                    raise ConfigError(
                        f"{request.task_name.split('_razorbench')[0]} generates up to {budget} tokens, which leaves "
                        f"no room for its prompt in the model's {self.max_length}-token context: set "
                        f"task.prior_max_gen_toks below {self.max_length}"
                    )
                if len(self.tok_encode(context)) > self.max_length - budget:
                    self.fit.truncated.add(key(request.task_name, request.doc_id))
            return super().generate_until(requests, disable_tqdm=disable_tqdm)

        def _lengths(self, context: str, continuation: str) -> tuple[int, int]:
            """Token counts of the pair as lm-eval's TemplateLM.loglikelihood encodes it."""
            if context == "":
                return 1, len(self.tok_encode(continuation, add_special_tokens=False))
            context_tokens, continuation_tokens = self._encode_pair(context, continuation)
            return len(context_tokens), len(continuation_tokens)

    return WindowedLM()

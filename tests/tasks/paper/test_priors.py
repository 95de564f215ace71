"""The paper track's prior benchmarks, scored by lm-eval on the real data copies (offline).

A scripted lm-eval `LM` that answers every even document right and every odd one wrong shows that each
benchmark's harness scorer and razorbench's reading of it agree, document by document; then the whole prior
suite runs end to end on a small model through `razorbench.runner.evaluate.prior_scores`, the path a run takes.
"""

from __future__ import annotations

import math

import pytest

from razorbench.api.registry import get_task
from razorbench.runner.evaluate import EvalSettings, prior_scores
from razorbench.sampling.hf import HFSampler
from razorbench.tasks.paper.config import PaperTaskConfig

lm_eval = pytest.importorskip("lm_eval")
from lm_eval.api.model import LM  # noqa: E402

PRIORS = ["hellaswag", "truthfulqa_mc2", "mmlu", "ifeval", "winogrande", "humaneval"]

# The choice indices that are correct for a document, per benchmark (the harness's own doc fields).
GOLD = {
    "hellaswag": lambda doc: {int(doc["label"])},
    "winogrande": lambda doc: {int(doc["answer"]) - 1},
    "mmlu": lambda doc: {int(doc["answer"])},
    "truthfulqa_mc2": lambda doc: {i for i, label in enumerate(doc["mc2_targets"]["labels"]) if label == 1},
}


class EvenRightLM(LM):
    """Answers documents with an even id correctly and odd ones wrongly, without any model."""

    def __init__(self, benchmark: str) -> None:
        super().__init__()
        self.benchmark = benchmark

    def right(self, request) -> bool:
        return request.doc_id % 2 == 0

    def loglikelihood(self, requests):
        gold = GOLD[self.benchmark]
        return [(0.0 if (r.idx in gold(r.doc)) == self.right(r) else -20.0, True) for r in requests]

    def loglikelihood_rolling(self, requests):
        raise NotImplementedError

    def generate_until(self, requests):  # HumanEval: the reference body, or a wrong one
        return [r.doc["canonical_solution"] if self.right(r) else "    return None\n" for r in requests]


def prior(name, shared_data, **config):
    return get_task(name, "paper")(PaperTaskConfig(data_dir=str(shared_data), **config))


@pytest.mark.parametrize("name", ["hellaswag", "winogrande", "truthfulqa_mc2", "mmlu", "humaneval"])
def test_harness_scorer_matches_known_answers(name, shared_data):
    task = prior(name, shared_data, prior_chat_template=False)
    limit = 2 * 57 if name == "mmlu" else 4  # MMLU: 2 documents of each subject (ids 0 and 1)
    result = task.evaluate(EvenRightLM(name), limit)
    assert len(result.per_example) == limit
    for key, value in result.per_example.items():
        doc_id = int(key.rsplit("/", 1)[-1])
        assert value == pytest.approx(1.0 if doc_id % 2 == 0 else 0.0, abs=1e-6), (key, value)
    assert result.score == pytest.approx(0.5, abs=1e-6)
    if name == "mmlu":
        assert {k.split("/")[0] for k in result.per_example} >= {"anatomy", "world_religions"}
    # The same documents as prompts (representation drift reads them), keyed alike.
    task.max_examples = limit
    examples = task.examples("eval")
    assert [e.id for e in examples] == list(result.per_example) if name != "mmlu" else len(examples) == limit
    assert {e.id for e in examples} == set(result.per_example)
    assert all(e.prompt.strip() for e in examples)


def test_mc2_hook_equals_the_stock_scorer_and_stays_finite():
    import random

    from lm_eval.tasks.truthfulqa.utils import process_results_mc2 as stock

    from razorbench.tasks.paper.truthfulqa_mc2 import process_results_mc2

    rng = random.Random(0)
    for _ in range(50):
        labels = [1] * rng.randint(1, 4) + [0] * rng.randint(1, 5)
        results = [(rng.uniform(-60, -1), False) for _ in labels]
        doc = {"mc2_targets": {"labels": labels}}
        assert process_results_mc2(doc, results)["acc"] == pytest.approx(stock(doc, results)["acc"], rel=1e-9)
    underflow = {"mc2_targets": {"labels": [1, 0]}}, [(-900.0, False), (-901.0, False)]
    assert process_results_mc2(*underflow)["acc"] == pytest.approx(1 / (1 + math.exp(-1)))


def test_ifeval_scorer_known_answers(shared_data):
    prior("ifeval", shared_data).prepare(shared_data)  # NLTK from the local copy, before lm-eval imports it
    from lm_eval.tasks.ifeval.utils import process_results

    doc = {
        "key": 0,
        "prompt": "Describe a cat in two sentences without commas.",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_sentences"],
        "kwargs": [{}, {"relation": "less than", "num_sentences": 3}],
    }
    right = process_results(doc, ["A cat is small. It purrs when it is happy."])
    wrong = process_results(doc, ["A cat is small, soft, and warm. It purrs. It sleeps. It eats."])
    assert right["prompt_level_strict_acc"] and not wrong["prompt_level_strict_acc"]


def test_whole_prior_suite_end_to_end(shared_data, small_policy):
    """All six priors on a few documents each, through the evaluation path of a run: scores near chance."""
    config = PaperTaskConfig(data_dir=str(shared_data), prior_max_gen_toks=16)
    priors = [get_task(name, "paper")(config) for name in PRIORS]
    settings = EvalSettings(1, 1, 1, prior_limit=3, batch_size=8, kl_chunk_size=64, max_new_tokens=8,
                            temperature=1.0, seed=0)  # fmt: skip
    small_policy.model.train()
    scores = prior_scores(small_policy, HFSampler(small_policy), priors, settings)
    assert small_policy.model.training  # scoring leaves the training mode as it found it
    assert list(scores) == PRIORS
    for name, result in scores.items():
        assert 0.0 <= result["score"] <= 1.0, name
        expected = 57 if name == "mmlu" else 3  # MMLU spreads the limit: ceil(3 / 57) = 1 of each subject
        assert len(result["per_example"]) == expected, name
        assert all(0.0 <= v <= 1.0 for v in result["per_example"].values()), name


def test_prior_suite_on_the_tiny_model_skips_and_counts_the_documents_that_do_not_fit(
    shared_data, small_policy, caplog
):
    """prior_limit=20 reaches HellaSwag's documents 8 and 15, whose endings are longer than the tiny model's 128-token
    context (lm-eval itself asserts on them): they are skipped, named, and counted on one console line per prior;
    the documents whose context is cut are counted; the suite completes."""
    if small_policy.name == "random-0":
        pytest.skip("the embedded tiny model is not built here")
    config = PaperTaskConfig(data_dir=str(shared_data), prior_max_gen_toks=32)
    priors = [get_task(name, "paper")(config) for name in PRIORS]
    settings = EvalSettings(1, 1, 1, prior_limit=20, batch_size=8, kl_chunk_size=64, max_new_tokens=8,
                            temperature=1.0, seed=0)  # fmt: skip
    with caplog.at_level("WARNING"):
        scores = prior_scores(small_policy, HFSampler(small_policy), priors, settings)
    hellaswag = scores["hellaswag"]
    assert set(hellaswag["skipped"]) == {"8", "15"} and "continuation" in hellaswag["skipped"]["8"]
    assert len(hellaswag["per_example"]) == 18 and not {"8", "15"} & set(hellaswag["per_example"])
    assert hellaswag["score"] == pytest.approx(sum(hellaswag["per_example"].values()) / 18)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("prior hellaswag:")]
    assert len(lines) == 1 and "2 of 20 documents skipped" in lines[0] and "(8, 15)" in lines[0], lines
    for name, result in scores.items():
        assert 0.0 <= result["score"] <= 1.0 and result["per_example"], name
        assert set(result.get("truncated", [])) <= set(result["per_example"]), name
    assert scores["truthfulqa_mc2"]["truncated"]  # long contexts are cut as lm-eval cuts them, and counted
    # Scored again (the fine-tuned model), the same documents are skipped and the line is not repeated.
    caplog.clear()
    with caplog.at_level("WARNING"):
        again = prior_scores(small_policy, HFSampler(small_policy), priors[:1], settings)
    assert again["hellaswag"]["skipped"] == hellaswag["skipped"]
    assert not [r for r in caplog.records if r.getMessage().startswith("prior hellaswag:")]


def test_a_generation_budget_the_context_cannot_hold_is_refused_in_one_line(shared_data, small_policy):
    from razorbench.util.errors import ConfigError

    task = get_task("ifeval", "paper")(PaperTaskConfig(data_dir=str(shared_data)))  # lm-eval's 1,280 tokens
    with pytest.raises(ConfigError, match=r"generates up to 1280 tokens.*task.prior_max_gen_toks below"):
        task.score(small_policy, HFSampler(small_policy), limit=2, batch_size=2)


def test_the_record_names_the_skipped_documents_and_counts_the_cut_ones():
    from razorbench.runner.record_builder import left_out

    base = {"score": 0.5, "per_example": {"0": 1.0}, "skipped": {"8": "x", "15": "x"}, "truncated": ["0", "1"]}
    final = {"score": 0.4, "per_example": {"0": 0.0}, "skipped": {"8": "x", "15": "x"}, "truncated": ["1", "2"]}
    assert left_out(base, final) == {"skipped": ["15", "8"], "truncated": 3}
    assert left_out({"score": 1.0, "per_example": {}}, {"score": 1.0, "per_example": {}}) == {}

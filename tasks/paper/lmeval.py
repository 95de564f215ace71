"""Prior benchmarks of the paper track, scored by EleutherAI's lm-evaluation-harness (`lm-eval`).

RL's Razor (arXiv 2509.04259) measures retention on HellaSwag, TruthfulQA (MC2), MMLU, IFEval, WinoGrande
and HumanEval with the harness; razorbench does the same rather than re-implementing their scorers. A
paper-track prior is an `LMEvalTask` naming a stock lm-eval task, the metric it reports, and the files of
its local copy. `LMEvalTask.score`:

1. wraps the policy's own model and tokenizer in lm-eval's `HFLM` (`pretrained=<model object>`): the weights
   scored are the ones in memory, trained a moment ago, formatted with the policy's chat template. No LM
   adapter class is needed: HFLM takes an initialised model and tokenizer and does the batching, truncation,
   chat formatting, log-likelihoods and generation itself. razorbench only restores the model's train/eval
   mode afterwards (HFLM leaves it in eval mode);
2. with `task.data_dir` set, writes one YAML per task into a temporary `include_path`. It `include:`s the
   stock task by absolute path (its `!function` hooks still resolve beside the stock file) and swaps only the
   dataset for the local JSON Lines files. With `data_dir` unset, the stock task reads its hub dataset;
3. runs `lm_eval.simple_evaluate(..., log_samples=True)` and returns the metric, with one result per
   document (`"<doc_id>"`, or `"<subtask>/<doc_id>"` for a group such as MMLU) so that base and fine-tuned
   scores can be paired.

Where the harness's own scorer cannot serve, a task swaps in one hook (`with_hooks`) and says why: HumanEval
runs the model's code in `razorbench.tasks.paper.sandbox` rather than in-process, TruthfulQA MC2 computes its formula in
log space so that it never returns NaN. Nothing here imports lm-eval until a score or a prompt is asked for,
so the rest of razorbench runs without it (pyproject extra `paper`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import logging
import math
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from razorbench.api.task import Example, PriorScore, Task
from razorbench.util.errors import ConfigError

from .config import PaperTaskConfig, config_value
from .window import Fit, windowed_lm

if TYPE_CHECKING:
    from razorbench.api.policy import Policy
    from razorbench.api.sampler import Sampler

LOCAL_SUFFIX = "_razorbench"  # the include-path copy of stock task `x` is `x_razorbench`


def lm_eval_tasks_dir() -> Path:
    """The folder of lm-eval's stock task YAMLs."""
    import lm_eval.tasks

    return Path(lm_eval.tasks.__file__).parent


class _DropExpectedWarnings(logging.Filter):
    """lm-eval warns, at every call, about what razorbench does on purpose: hand HFLM a model object, and
    cap generation lengths with `gen_kwargs`."""

    EXPECTED = (
        "`pretrained` model kwarg is not of type `str`",
        "Passed an already-initialized model",
        "through cli",
        "exceeds model's maximum length",  # one per request; razorbench counts these documents (window.py)
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(text in record.getMessage() for text in self.EXPECTED)


def _quiet_lm_eval() -> None:
    logging.getLogger("lm_eval").setLevel(logging.WARNING)  # its INFO lines would bury the run's own output
    for name in ("lm_eval.models.huggingface", "lm_eval.evaluator"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropExpectedWarnings) for f in logger.filters):
            logger.addFilter(_DropExpectedWarnings())


class LMEvalTask(Task):
    """A prior benchmark scored by lm-eval. Subclasses set the class attributes; few override a method."""

    kind = "prior"
    Config = PaperTaskConfig
    SPLITS = ("eval",)
    lm_eval_task: ClassVar[str] = ""
    """The stock lm-eval task (or group) name."""
    metric: ClassVar[str] = "acc"
    """The lm-eval metric that is the score (`higher_is_better` for all six)."""
    stock_yaml: ClassVar[str] = ""
    """Path of the stock task YAML under lm_eval/tasks/, included by the local copy."""
    local_files: ClassVar[dict[str, str]] = {}
    """lm-eval split name -> file under `data_dir` (the layout of ../shared/data)."""
    local_overrides: ClassVar[dict[str, Any]] = {}
    """Further keys of the local copy's YAML (e.g. `training_split: null` where no train file is copied)."""
    overrides: ClassVar[dict[str, Any]] = {}
    """Keys of the stock task changed wherever the data comes from (e.g. `test_split: null` to score the validation
    split, the only one an offline copy has, on the hub too: both paths then score the same documents)."""
    hooks: ClassVar[dict[str, str]] = {}
    """Task keys whose stock `!function` is replaced: key -> "module:function" (see `with_hooks`)."""
    filters: ClassVar[dict[str, str]] = {}
    """At most one lm-eval filter run on all responses at once: name -> "module:function" (`with_hooks`)."""
    max_examples: ClassVar[int] = 500
    """How many documents `examples("eval")` renders as prompts."""

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self._documents_cache: tuple[Example, ...] | None = None
        self._reported: set[str] = set()  # the console lines about documents that did not fit, printed once

    @property
    def data_dir(self) -> Path | None:
        data_dir = config_value(self.config, "data_dir", None)
        return Path(data_dir).expanduser() if data_dir else None

    def _examples(self, split: str) -> tuple[Example, ...]:
        """The benchmark's documents, for what needs prompts rather than scores (representation drift).

        Only `eval`, and only the first `max_examples` documents (rendering all 14,042 of MMLU takes most of
        a minute; a probe needs far fewer). The prompt is lm-eval's zero-shot context of the document (for
        WinoGrande, with the first option filled in), the answer the gold choice of a multiple-choice
        benchmark ("" otherwise), the id the document's key in `score`'s per-example results. A group's
        documents alternate between its tasks, so that the first few span all 57 MMLU subjects.
        """
        if self._documents_cache is None:
            with self._lm_eval_tasks() as (manager, name):
                tasks = sorted(manager.load([name])["tasks"].items())
                each = math.ceil(self.max_examples / len(tasks))
                per_task = [self._documents(task_name, task, each) for task_name, task in tasks]
            self._documents_cache = tuple(e for row in itertools.zip_longest(*per_task) for e in row if e is not None)
        return self._documents_cache

    def _documents(self, task_name: str, task: Any, limit: int) -> list[Example]:
        examples = []
        for doc_id, doc in enumerate(itertools.islice(task.eval_docs, limit)):
            context = task.fewshot_context(doc, 0)
            choices = task.doc_to_choice(doc) if task.config.doc_to_choice else None
            target = task.doc_to_target(doc)
            if choices and isinstance(target, str) and target in choices:  # a lettered target (CommonsenseQA)
                target = choices.index(target)
            answer = choices[target] if choices and isinstance(target, int) else ""
            key = self.doc_key(task_name.removesuffix(LOCAL_SUFFIX), doc_id)
            examples.append(Example(key, context[0] if isinstance(context, list) else context, answer))
        return examples

    def check(self, response: str, example: Example) -> bool:
        raise NotImplementedError(f"{self.name!r} is scored by lm-eval, not by a checker")

    # -- what lm-eval is asked to run --------------------------------------------------------------
    def task_yamls(self, data_dir: Path | None) -> tuple[str, dict[str, dict[str, Any] | str]]:
        """(task or group to evaluate, {file name: config dict or text} for the include path); stock on the hub."""
        if data_dir is None and not self.hooks and not self.overrides:
            return self.lm_eval_task, {}
        name = self.lm_eval_task + LOCAL_SUFFIX
        if data_dir is None:
            config = {"include": str(lm_eval_tasks_dir() / self.stock_yaml), "task": name, "tag": []}
        else:
            config = self.local_yaml(name, self.stock_yaml, self.local_files, data_dir)
        config.update(self.overrides)
        return name, with_hooks(f"{name}.yaml", config, self.hooks)

    def local_yaml(self, name: str, stock_yaml: str, files: dict[str, str], data_dir: Path) -> dict[str, Any]:
        """A copy of a stock task that reads local JSON Lines files (SOURCES-priors.md, "lm-eval override")."""
        missing = [f for f in files.values() if not (data_dir / f).is_file()]
        if missing:
            raise FileNotFoundError(f"task {self.name!r}: {', '.join(missing)} not found under data_dir {data_dir}")
        return {
            "include": str(lm_eval_tasks_dir() / stock_yaml),
            "task": name,
            "tag": [],  # keep the copy out of the stock task's tag groups
            "dataset_path": "json",
            "dataset_name": None,
            "dataset_kwargs": {"data_files": {split: str(data_dir / f) for split, f in files.items()}},
            **self.local_overrides,
        }

    def lm_eval_limit(self, limit: int | None) -> int | None:
        """Documents per lm-eval task for razorbench's `limit` per benchmark (a group spreads it)."""
        return limit

    def prepare(self, data_dir: Path | None) -> None:
        """Set-up before lm-eval loads the task (IFEval points NLTK at local data)."""

    def doc_key(self, task_name: str, doc_id: int) -> str:
        return str(doc_id)

    # -- scoring -----------------------------------------------------------------------------------
    def score(self, policy: Policy, sampler: Sampler, *, limit: int | None, batch_size: int) -> PriorScore:
        """The benchmark's metric for `policy`, from lm-eval, with the per-document results. Documents that do not
        fit the model's context are left-truncated or skipped as `window.py` says, and named in the result."""
        _quiet_lm_eval()
        model = policy.model
        was_training = model.training  # HFLM puts the model in eval mode; training may resume after
        try:
            key = self._document_key
            lm = windowed_lm(model, policy.tokenizer, batch_size, key, share_contexts=policy.shares_prompts)
            return self.evaluate(lm, limit)
        finally:
            model.train(was_training)

    def _document_key(self, task_name: str, doc_id: int) -> str:
        return self.doc_key(task_name.removesuffix(LOCAL_SUFFIX), doc_id)

    def evaluate(self, lm: Any, limit: int | None) -> PriorScore:
        """Run the benchmark with any lm-eval `LM` (tests pass a scripted one)."""
        import lm_eval

        chat = bool(config_value(self.config, "prior_chat_template", True))
        max_gen_toks = config_value(self.config, "prior_max_gen_toks", None)
        with self._lm_eval_tasks() as (manager, name):
            results = lm_eval.simple_evaluate(
                model=lm,
                tasks=[name],
                task_manager=manager,
                limit=self.lm_eval_limit(limit),
                log_samples=True,
                apply_chat_template=chat,
                fewshot_as_multiturn=chat,
                gen_kwargs={"max_gen_toks": int(max_gen_toks)} if max_gen_toks else None,
                # Only HumanEval runs code, and it runs it in razorbench.tasks.paper.sandbox.
                confirm_run_unsafe_code=True,
                bootstrap_iters=0,
                # Greedy scoring needs no randomness; leave the training run's RNG streams alone.
                random_seed=None,
                numpy_random_seed=None,
                torch_random_seed=None,
            )
        return self.to_prior_score(name, results, getattr(lm, "fit", None))

    @contextlib.contextmanager
    def _lm_eval_tasks(self) -> Iterator[tuple[Any, str]]:
        """(lm-eval TaskManager, task or group name) for this benchmark, its YAMLs written for the duration."""
        from lm_eval.tasks import TaskManager

        _quiet_lm_eval()
        data_dir = self.data_dir
        self.prepare(data_dir)
        with tempfile.TemporaryDirectory(prefix="razorbench-lmeval-") as include_dir:
            name, yamls = self.task_yamls(data_dir)
            for file_name, config in yamls.items():
                _write_yaml(Path(include_dir) / file_name, config)
            # Local copies (and HumanEval's own YAML, even on hub data) need only the include path; stock
            # tasks need lm-eval's index of its own, built once per process.
            yield (TaskManager(include_path=include_dir, include_defaults=False) if yamls else _stock_tasks()), name

    def to_prior_score(self, name: str, results: dict[str, Any], fit: Fit | None = None) -> PriorScore:
        """lm-eval's results -> the aggregate metric and one value per document; the documents `fit` skipped are
        left out of both (every paper prior's metric is a mean over documents, MMLU's weighted by subject size,
        which is the mean over its questions)."""
        score = float(results["results"][name][f"{self.metric},{next(iter(self.filters), 'none')}"])
        per_example = {}
        for task_name, samples in results["samples"].items():
            for sample in samples:
                per_example[self._document_key(task_name, sample["doc_id"])] = float(sample[self.metric])
        if fit is None:
            return PriorScore(score, per_example)
        for document in fit.skipped:
            per_example.pop(document, None)
        if not per_example:
            raise ConfigError(
                f"prior {self.name}: none of its {len(fit.skipped)} documents fits the model's {fit.window}-token "
                f"context; leave {self.name} out of task.priors for this model"
            )
        if fit.skipped:
            score = sum(per_example.values()) / len(per_example)
        line = fit.summary(self.name, len(per_example))
        if line and line not in self._reported:  # once per run, not again for the fine-tuned model
            self._reported.add(line)
            logging.getLogger(__name__).warning(line)
        return PriorScore(score, per_example, dict(fit.skipped), sorted(fit.truncated))


def with_hooks(
    file_name: str, config: dict[str, Any], hooks: dict[str, str], filters: dict[str, str] | None = None
) -> dict[str, dict[str, Any] | str]:
    """The include-path files for a task YAML whose keys in `hooks` are razorbench functions, and whose
    `filters` (name -> function, lm-eval's "custom" filter) run razorbench functions on all responses at once.

    lm-eval resolves `!function module.name` to a module file beside the YAML, so the YAML gets a small
    `razorbench_hooks.py` beside it that imports the functions.

    >>> hooks, filters = {"process_results": "razorbench.x:score"}, {"run": "razorbench.x:go"}
    >>> files = with_hooks("t.yaml", {"task": "t"}, hooks, filters)
    >>> print(files["t.yaml"] + files["razorbench_hooks.py"], end="")
    task: t
    process_results: !function razorbench_hooks.process_results
    filter_list:
    - name: run
      filter:
      - function: custom
        filter_fn: !function razorbench_hooks.filter_run
    from razorbench.x import score as process_results  # noqa: F401
    from razorbench.x import go as filter_run  # noqa: F401
    """
    filters = filters or {}
    if not hooks and not filters:
        return {file_name: config}
    import yaml

    text = yaml.safe_dump(config, sort_keys=False)
    text += "".join(f"{key}: !function razorbench_hooks.{key}\n" for key in hooks)
    if filters:
        text += "filter_list:\n" + "".join(
            f"- name: {name}\n  filter:\n  - function: custom\n"
            f"    filter_fn: !function razorbench_hooks.filter_{name}\n"
            for name in filters
        )
    targets = {**hooks, **{f"filter_{name}": target for name, target in filters.items()}}
    imports = "".join(
        f"from {target.split(':')[0]} import {target.split(':')[1]} as {key}  # noqa: F401\n"
        for key, target in targets.items()
    )
    return {file_name: text, "razorbench_hooks.py": imports}


@functools.cache
def _stock_tasks():
    from lm_eval.tasks import TaskManager

    return TaskManager()


def _write_yaml(path: Path, config: dict[str, Any] | str) -> None:
    import yaml

    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False))


def use_local_nltk_data(folder: Path) -> None:
    """Make NLTK (IFEval's sentence splitter) read `folder` instead of downloading into the user's home.

    NLTK reads NLTK_DATA once, at import, and refuses a data folder that is group- or world-writable or owned
    by another non-root account: it gets a private copy, made read-only for others, on both routes.
    """
    global _nltk_copy
    if _nltk_copy is None:
        _nltk_copy = tempfile.mkdtemp(prefix="razorbench-nltk-")
        atexit.register(shutil.rmtree, _nltk_copy, ignore_errors=True)
        shutil.copytree(folder, _nltk_copy, dirs_exist_ok=True)
        for directory, _, files in os.walk(_nltk_copy):
            for entry in [directory, *(os.path.join(directory, f) for f in files)]:
                mode = stat.S_IMODE(os.stat(entry).st_mode)
                os.chmod(entry, (mode | stat.S_IRUSR | stat.S_IWUSR) & ~(stat.S_IWGRP | stat.S_IWOTH))
    paths = [p for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p and p != _nltk_copy]
    os.environ["NLTK_DATA"] = os.pathsep.join([_nltk_copy, *paths])
    if "nltk" in sys.modules:
        import nltk

        if _nltk_copy not in nltk.data.path:
            nltk.data.path.insert(0, _nltk_copy)


_nltk_copy: str | None = None

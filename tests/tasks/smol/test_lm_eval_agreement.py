"""The smol track's log-likelihood priors score the base exactly as lm-eval's own command line does.

razorbench scores these priors through `lm_eval.simple_evaluate` with the policy's model object in memory, its
log-likelihoods computed by the shared-context path (`razorbench.tasks.paper.shared_context`: each context once, the
LM head on the choices' positions only), not by HFLM's own whole-row forward passes; here the
same documents of the same local copies (the include-path YAMLs razorbench writes) are scored by `lm_eval --model hf`
from the converted model folder, with the track's chat-template setting (none: `task.prior_chat_template=false`).
Per document, the metric must agree (to 1e-4: acc_norm is 0 or 1, so exactly).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from razorbench.api.registry import get_task, get_track
from razorbench.tasks.paper.lmeval import LOCAL_SUFFIX, LMEvalTask, _write_yaml

pytest.importorskip("lm_eval")
pytestmark = pytest.mark.slow
DOCUMENTS = 50


# The smol track's default log-likelihood priors (docs/SMOL-PRIORS.md, 3.3); capitals and elements, the generative
# defaults, have no lm-eval task.
LOGLIKELIHOOD_PRIORS = ("hellaswag", "piqa", "sciq", "copa")


def cli_scores(folder: Path, prior: LMEvalTask, data_dir: Path, work: Path) -> dict[str, float]:
    """Per-document metric of `prior` by lm-eval's CLI on the model folder, from its logged samples."""
    include = work / "include"
    include.mkdir()
    name, yamls = prior.task_yamls(data_dir)
    for file_name, config in yamls.items():
        _write_yaml(include / file_name, config)
    out = work / "out"
    command = [
        sys.executable,
        "-m",
        "lm_eval",
        "--model",
        "hf",
        "--model_args",
        f"pretrained={folder},dtype=float32",
        "--tasks",
        name,
        "--include_path",
        str(include),
        "--limit",
        str(DOCUMENTS),
        "--batch_size",
        "16",
        "--log_samples",
        "--output_path",
        str(out),
        "--device",
        "cpu",
    ]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=1200)
    samples = next(out.rglob(f"samples_{name}_*.jsonl"))
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    return {prior.doc_key(name.removesuffix(LOCAL_SUFFIX), r["doc_id"]): float(r[prior.metric]) for r in rows}


@pytest.mark.parametrize("name", LOGLIKELIHOOD_PRIORS)
def test_razorbench_and_the_lm_eval_cli_agree_per_document(name, smol_folder, smol_data, tmp_path):
    from razorbench.runner.run import resolve
    from razorbench.sampling import build_sampler

    cfg = resolve("sft", "arith2", "smol", None, [f"task.data_dir={smol_data}", "task.priors=[]"])[2]
    prior = get_task(name, "smol")(cfg.task)
    assert cfg.task.prior_chat_template is False  # the setting the CLI below uses (it applies no template)
    policy = get_track("smol").load_policy(str(smol_folder))
    ours = prior.score(policy, build_sampler("hf", policy), limit=DOCUMENTS, batch_size=16).per_example
    theirs = cli_scores(smol_folder, prior, smol_data, tmp_path)
    assert len(ours) == len(theirs) == DOCUMENTS and ours.keys() == theirs.keys()
    disagreements = {d: (ours[d], theirs[d]) for d in ours if abs(ours[d] - theirs[d]) > 1e-4}
    assert not disagreements, f"{len(disagreements)} of {DOCUMENTS} documents differ: {disagreements}"
    shutil.rmtree(tmp_path / "out", ignore_errors=True)

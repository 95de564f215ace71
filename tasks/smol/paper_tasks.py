"""The paper track's new tasks and priors, on the smol track: the same data, splits, verifiers and lm-eval scoring.

Each is registered here as itself (a subclass that changes nothing but the track), so that the smol track measures
them exactly as the paper track does, with the smol track's evaluation settings (`track.yaml`) and this file's caps
(`paper_tasks.yaml`). Which of them are viable at 135M is measured in docs/SMOL-VIABILITY.md; a task that is not
stays runnable by name, but no default names it.
"""

from razorbench.api.registry import register_task
from razorbench.tasks.paper.hellaswag import HellaSwag
from razorbench.tasks.paper.humaneval import HumanEval
from razorbench.tasks.paper.ifeval import IFEval
from razorbench.tasks.paper.math import Math
from razorbench.tasks.paper.mmlu import MMLU
from razorbench.tasks.paper.science import Science
from razorbench.tasks.paper.tool import Tool
from razorbench.tasks.paper.truthfulqa_mc2 import TruthfulQAMC2
from razorbench.tasks.paper.winogrande import WinoGrande


@register_task("science", track="smol")
class SmolScience(Science):
    """SciKnowEval chemistry L3, as on the paper track."""


@register_task("math", track="smol")
class SmolMath(Math):
    """Open-Reasoner-Zero math, as on the paper track."""


@register_task("tool", track="smol")
class SmolTool(Tool):
    """ToolAlpaca, as on the paper track."""


@register_task("hellaswag", track="smol")
class SmolHellaSwag(HellaSwag):
    """HellaSwag acc_norm through lm-eval, as on the paper track."""


@register_task("truthfulqa_mc2", track="smol")
class SmolTruthfulQAMC2(TruthfulQAMC2):
    """TruthfulQA MC2 through lm-eval, as on the paper track."""


@register_task("mmlu", track="smol")
class SmolMMLU(MMLU):
    """MMLU through lm-eval, as on the paper track."""


@register_task("winogrande", track="smol")
class SmolWinoGrande(WinoGrande):
    """WinoGrande through lm-eval, as on the paper track."""


@register_task("ifeval", track="smol")
class SmolIFEval(IFEval):
    """IFEval through lm-eval, as on the paper track (generation capped by `task.prior_max_gen_toks`)."""


@register_task("humaneval", track="smol")
class SmolHumanEval(HumanEval):
    """HumanEval pass@1 in the sandbox, as on the paper track (generation capped by `task.prior_max_gen_toks`)."""

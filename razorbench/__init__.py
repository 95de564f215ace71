"""razorbench: the open benchmark for forgetting in LLM post-training."""

from razorbench.api.registry import register_method, register_task

__version__ = "0.1.0"
__all__ = ["__version__", "register_method", "register_task"]

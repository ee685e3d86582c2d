"""peercert: train and certify Peer Support Specialists with Jupyter and nbgrader.

The public API is imported lazily so that ``peercert --help`` and the scoring module used
inside trainees' kernels stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "load_banks": "peercert.bank",
    "build_course": "peercert.build",
    "build_notebook": "peercert.build",
    "init_course": "peercert.course",
    "run_demo": "peercert.demo",
    "score": "peercert.scoring",
}

__all__ = ["__version__", "build_course", "build_notebook", "init_course", "load_banks",
           "run_demo", "score"]  # = _API's names


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'peercert' has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt quiz-answers extension lives (``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "peercert"}]

"""peercert's trainee side: the quiz answer-format check and the module self-check widgets.

This is everything of peercert that a trainee's JupyterLab holds. It carries no item bank,
key, rationale or grading code, and never imports ``peercert`` (the instructor side).

The widgets are imported lazily, so a quiz kernel that only checks answer formats does not
load ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from peercert_trainee.answer_format import (
    AnswerError,
    check_format,
    check_readable,
    is_blank,
    normalize,
    plain_message,
)

if TYPE_CHECKING:
    from peercert_trainee.widgets import Reflection, SelfCheck

__version__ = "0.1.0"
__all__ = ["AnswerError", "Reflection", "SelfCheck", "__version__", "check_format",
           "check_readable", "is_blank", "normalize", "plain_message"]

_LAZY = {"Reflection": "peercert_trainee.widgets", "SelfCheck": "peercert_trainee.widgets"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'peercert_trainee' has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt quiz-answers JupyterLab extension lives (``jupyter labextension``)."""
    return [{"src": "labextension", "dest": "peercert"}]

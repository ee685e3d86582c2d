"""Module self-check widgets: they live in the trainee package, ``peercert_trainee``.

Kept importable (``from peercert.widgets import SelfCheck``) for modules written before the
split; new modules import ``from peercert_trainee import SelfCheck``.
"""

from peercert_trainee.widgets import Reflection, SelfCheck

__all__ = ["Reflection", "SelfCheck"]

"""Interactive self-checks for learning modules (ipywidgets 8).

Self-checks give instant feedback with the reasoning and are never graded or recorded.
They build in a headless kernel too, so ``pytest --nbval-lax modules/`` runs every module.
A self-check is practice, never a graded item: ``peercert lint`` fails an item that replays one.

Example, in a module cell::

    from peercert_trainee import SelfCheck
    SelfCheck(
        "Maria asks you to lend her $20 until payday. What fits the peer role best?",
        {"A": "Lend it once, quietly.", "B": "Say no kindly and explore resources together."},
        answer="B",
        feedback={"A": "Money creates a dual relationship...", "B": "This keeps the ..."},
    )
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import ipywidgets as w

from peercert_trainee.files import write_private

__all__ = ["Reflection", "SelfCheck"]

_GOOD = "#1b5e20"
_BAD = "#8a1c1c"


class SelfCheck(w.VBox):
    """A question with one (``answer="B"``) or several (``answer=["A", "C"]``) right options."""

    def __init__(
        self,
        question: str,
        options: Mapping[str, str],
        answer: str | Sequence[str],
        feedback: Mapping[str, str],
    ) -> None:
        self.multiple = not isinstance(answer, str)
        self.answer = set([answer] if isinstance(answer, str) else answer)
        unknown = self.answer - set(options) or set(feedback) - set(options)
        if unknown:
            raise ValueError(f"answer or feedback names letters that are not options: {unknown}")
        self.options = dict(options)
        self.feedback_text = dict(feedback)
        labels = [(f"{k}. {v}", k) for k, v in options.items()]
        # The description is the control's visible label, which screen readers read with it.
        if self.multiple:
            self.picker: w.ValueWidget = w.SelectMultiple(
                options=labels, rows=len(labels), description="Your answers:")
            hint = "Choose all that apply (hold Ctrl or Cmd to pick more than one)."
        else:
            self.picker = w.RadioButtons(options=labels, value=None, description="Your answer:")
            hint = "Choose one answer."
        self.picker.style = {"description_width": "initial"}
        self.picker.layout = w.Layout(width="auto")
        self.button = w.Button(description="Check my answer", button_style="primary")
        self.result = w.HTML()
        self.button.on_click(lambda _: self.check())
        title = w.HTML(f"<b>Self-check:</b> {html.escape(question)}<br><i>{hint}</i>")
        super().__init__([title, self.picker, self.button, self.result])

    def _chosen(self) -> set[str]:
        value = self.picker.value
        if value is None:
            return set()
        return set(value) if self.multiple else {value}

    def check(self) -> bool:
        """Show feedback for the current choice; return whether it is fully right."""
        chosen = self._chosen()
        if not chosen:
            self.result.value = "<i>Pick an answer first.</i>"
            return False
        right = chosen == self.answer
        verdict = "That's right." if right else "Not quite. Read why, then try again."
        color = _GOOD if right else _BAD
        notes = "".join(
            f"<li><b>{k}</b>: {html.escape(self.feedback_text.get(k, ''))}</li>"
            for k in sorted(chosen)
        )
        self.result.value = f'<p style="color:{color}"><b>{verdict}</b></p><ul>{notes}</ul>'
        return right


class Reflection(w.VBox):
    """A private reflection box. Notes are saved only on this computer, never sent anywhere."""

    def __init__(self, prompt: str, key: str, folder: Path | None = None) -> None:
        self.path = (folder or Path.home() / "peercert-journal") / f"{key}.md"
        self.text = w.Textarea(placeholder="Write your thoughts here.", rows=6,
                               description="Your note:", style={"description_width": "initial"})
        self.text.layout = w.Layout(width="100%")
        if self.path.exists():
            self.text.value = self.path.read_text(encoding="utf-8")
        self.button = w.Button(description="Save my note", icon="save")
        self.status = w.HTML(
            "<i>Your note stays private: it is saved only in your own journal folder.</i>"
        )
        self.button.on_click(lambda _: self.save())
        intro = w.HTML(f"<b>Reflection:</b> {html.escape(prompt)}")
        super().__init__([intro, self.text, self.button, self.status])

    def save(self) -> Path:
        """Write the note for this user only (0600 in a 0700 folder), whole or not at all."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(self.path, self.text.value)
        self.status.value = f"<i>Saved to {html.escape(str(self.path))}.</i>"
        return self.path

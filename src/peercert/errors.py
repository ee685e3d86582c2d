"""One error hierarchy for everything a user can get wrong.

Every error a user can cause (a missing course, a quiz not released, a bad bank, a broken
config) is a :class:`PeercertError`. The CLI prints it as one line and exits non-zero; a
script catches ``PeercertError`` once. Context (file, trainee, line) is kept as fields so a
message can name it without each caller formatting it again.
"""

from __future__ import annotations

from pathlib import Path


class PeercertError(Exception):
    """A problem the user can fix; ``str(exc)`` is one sentence that says what and where.

    ``problems`` holds extra lines (one per problem) when there are several.
    """

    def __init__(self, message: str, *, path: Path | str | None = None,
                 trainee: str | None = None, line: int | None = None,
                 problems: list[str] | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.trainee = trainee
        self.line = line
        self.problems = list(problems or [])
        super().__init__(self._text())

    def _text(self) -> str:
        where = []
        if self.path is not None:
            where.append(f"{self.path}" + (f", line {self.line}" if self.line else ""))
        if self.trainee:
            where.append(f"trainee {self.trainee}")
        return f"{': '.join(where)}: {self.message}" if where else self.message


class CourseError(PeercertError):
    """A course directory cannot be used: missing, no ``nbgrader_config.py``, config fails."""


class NotReleasedError(PeercertError, LookupError):
    """The quiz is not in the gradebook: ``nbgrader generate_assignment`` has not run."""


class NoGradesError(PeercertError):
    """Nothing graded yet where grades are needed."""


class InputError(PeercertError, ValueError):
    """A file the user gave (bank, CSV, notebook) does not have the expected content."""


class StepError(PeercertError, RuntimeError):
    """An nbgrader step that peercert ran reported failure; the message carries its log."""

"""Read one submission without running it: answers as literals, scores from peercert.scoring.

The walk mirrors what a kernel would do for a notebook of plain assignments: cells run top to
bottom, each ``answer_N = <literal>`` binds a value, and each grade cell scores the value its
variable holds at that point. Any other code is never executed: the variables it would set
become unreadable, the items that use them score 0, and the submission needs review.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from peercert import defaults
from peercert import nbgrader_compat as nbc
from peercert.answers import Unreadable, bind_literals, cell_source
from peercert.grade import tamper
from peercert.grade.trusted import TrustedQuiz
from peercert.scoring import check


@dataclass(slots=True)
class ItemResult:
    item_id: str
    score: float | None  # None: waits for a manual grade
    max_score: float
    blank: bool = False


@dataclass(slots=True)
class Outcome:
    """What a grading run keeps of one submission once its gradebook rows are written.

    Per-item detail stays only for a submission with problems, so a run's memory does not
    grow with the size of the cohort beyond these few fields per trainee.
    """

    trainee: str
    quiz: str
    status: str
    reasons: list[str]
    score: float | None  # None: failed, never shown as 0
    max_score: float | None
    needs_manual: tuple[str, ...] = ()
    items: dict[str, ItemResult] = field(default_factory=dict)

    def rescore(self, scores: dict[str, float | None]) -> None:
        """Take new item scores (e.g. from stock autograde) and recompute the totals."""
        for item_id, value in scores.items():
            if item_id in self.items:
                self.items[item_id].score = value
        self.score = _earned(self.items)
        self.needs_manual = _waiting(self.items)


def _earned(items: dict[str, ItemResult]) -> float:
    return sum(i.score or 0.0 for i in items.values())


def _waiting(items: dict[str, ItemResult]) -> tuple[str, ...]:
    """Items that wait for a manual grade."""
    return tuple(sorted(i.item_id for i in items.values() if i.score is None))


@dataclass(slots=True)
class SubmissionResult:
    trainee: str
    quiz: str
    status: str = "graded"  # graded | needs review | failed
    reasons: list[str] = field(default_factory=list)
    items: dict[str, ItemResult] = field(default_factory=dict)
    notebook: dict[str, Any] | None = None  # the autograded notebook JSON

    def review(self, reason: str) -> None:
        self.reasons.append(reason)
        if self.status == "graded":
            self.status = "needs review"

    @property
    def score(self) -> float:
        return _earned(self.items)

    def outcome(self) -> Outcome:
        failed = self.status == "failed"
        return Outcome(
            self.trainee, self.quiz, self.status, self.reasons,
            None if failed else self.score,
            None if failed else sum(i.max_score for i in self.items.values()) or None,
            _waiting(self.items),
            self.items if self.reasons or self.status != "graded" else {},
        )


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_ASTRAL = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")
_ASTRAL_LEADS = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


def _values(data: bytes) -> int:
    """An upper bound on the JSON values in ``data`` (every one follows one of these)."""
    return sum(data.count(mark) for mark in (b",", b":", b"[", b"{"))


def _too_many_values(data: bytes, limit: int) -> bool:
    """More than ``limit`` JSON values? Marks inside long strings (a big output's commas) are
    not values; a scan with constant memory discounts them only when the quick count is over."""
    if len(data) <= limit:  # each mark counted is a byte: a usual notebook is never counted
        return False
    count = _values(data)
    if count <= limit:
        return False
    for match in _STRING.finditer(data):
        if match.end() - match.start() > 64:
            count -= _values(match.group())
            if count <= limit:
                return False
    return True


def _surrogates(match: re.Match[bytes]) -> bytes:
    n = ord(match.group().decode("utf-8")) - 0x10000
    return b"\\u%04x\\u%04x" % (0xD800 + (n >> 10), 0xDC00 + (n & 0x3FF))


def parse_notebook(data: bytes) -> dict[str, Any]:
    """A submitted notebook's JSON; ValueError with a plain reason when it is not one.

    Memory stays within a few times the file's size (itself capped when read): the count of
    JSON values is bounded before parsing (:data:`peercert.defaults.MAX_NOTEBOOK_VALUES`),
    and characters outside the Basic Multilingual Plane (an emoji) are parsed from ``\\u``
    escapes, so one of them does not make Python hold the whole text at 4 bytes a character.
    """
    limit = defaults.MAX_NOTEBOOK_VALUES
    if _too_many_values(data, limit):
        raise ValueError(f"notebook has more than {limit:,} JSON values (limit "
                         "peercert.defaults.MAX_NOTEBOOK_VALUES): refused before parsing")
    try:
        if any(lead in data for lead in _ASTRAL_LEADS):
            data = _ASTRAL.sub(_surrogates, data)
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a valid notebook (truncated or not JSON): {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a valid notebook: no list of cells")
    for index, cell in enumerate(nb["cells"]):
        if not _is_cell(cell):
            raise ValueError(f"not a valid notebook: cell {index + 1} is not a notebook cell")
        cell.setdefault("metadata", {})
    return nb


def _is_cell(cell: Any) -> bool:
    """A notebook cell (its source, a list of lines, joined into one string)."""
    if not (isinstance(cell, dict) and cell.get("cell_type") in tamper.CELL_TYPES
            and isinstance(cell.get("metadata", {}), dict)):
        return False
    source = cell.get("source", "")
    if isinstance(source, list):
        try:
            cell["source"] = "".join(source)  # as the autograded copy stores it
        except TypeError:  # a line that is not text
            return False
        return True
    return isinstance(source, str)


def _score_item(item_id: str, trusted: TrustedQuiz, env: dict[str, Any]) -> tuple[ItemResult, str]:
    item = trusted.items[item_id]
    value = env.get(item.var)
    if isinstance(value, Unreadable):
        value = None
    if value is None or isinstance(value, bool) or (isinstance(value, str)
                                                    and len(value) <= _CACHED_CHARS):
        # A cohort gives few distinct answers: each (item, answer) is checked once per process.
        key = (item_id, type(value), value)
        if (found := trusted.checked.get(key)) is None:
            found = _check(item.spec, value)
            if len(trusted.checked) < _CACHED_ANSWERS:
                trusted.checked[key] = found
        points, text = found
    else:
        points, text = _check(item.spec, value)
    blank = value is None or (isinstance(value, str) and not value.strip())
    return ItemResult(item_id, points, item.points, blank), text


_CACHED_CHARS = 200
_CACHED_ANSWERS = 20_000


def _check(spec: dict[str, Any], value: Any) -> tuple[float, str]:
    """``check``'s score and the reasoning it prints (the grade cell's output)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        points = check(value, spec)
    return points, out.getvalue()


def _outputs(text: str, points: float) -> list[dict[str, Any]]:
    return [
        {"name": "stdout", "output_type": "stream", "text": text},
        {"data": {"text/plain": repr(points)}, "execution_count": None, "metadata": {},
         "output_type": "execute_result"},
    ]


def _reflection(cell: dict[str, Any], item_id: str, trusted: TrustedQuiz) -> ItemResult:
    item = trusted.items[item_id]
    # The checksum nbgrader gave the released cell, over the trusted flags (not the trainee's).
    meta = {**cell["metadata"]["nbgrader"], "grade": True, "solution": True, "locked": False,
            "points": item.points}
    as_released = {**cell, "metadata": {**cell["metadata"], "nbgrader": meta}}
    blank = nbc.compute_checksum(as_released) == trusted.checksums.get(item_id)
    return ItemResult(item_id, 0.0 if blank else None, item.points, blank=blank)


def _dedupe(cells: list[dict[str, Any]], result: SubmissionResult) -> None:
    """As nbgrader's ``DeduplicateIds``: the last cell with a grade id keeps it, earlier copies
    lose their nbgrader metadata. Repeated Jupyter cell ids are made unique."""
    before = [nbc.grade_id(c) for c in cells]
    for index in nbc.dedupe_grade_ids(cells):
        result.review(f"{tamper.label(cells[index], index)} duplicates grade cell "
                      f"{before[index]}")
    ids: set[str] = set()
    for index, cell in enumerate(cells):
        cid = cell.get("id")
        if isinstance(cid, str):
            cell["id"] = f"{cid[:50]}-dup{index}" if cid in ids else cid
            ids.add(cell["id"])


def _item_of(cell: dict[str, Any]) -> str | None:
    meta = cell["metadata"].get("peercert")
    item = meta.get("item") if isinstance(meta, dict) else None
    return item if isinstance(item, str) else None


def _answer(cell: dict[str, Any], index: int, trusted: TrustedQuiz, env: dict[str, Any],
            result: SubmissionResult) -> None:
    """Apply a code cell that is not a grade cell: its literals bind, nothing else runs."""
    source = cell["source"]
    reason = None
    if len(source) > defaults.MAX_ANSWER_CHARS:
        reason = (f"is {len(source):,} characters long, above the limit of "
                  f"{defaults.MAX_ANSWER_CHARS:,} (peercert.defaults.MAX_ANSWER_CHARS): not read")
        item = trusted.items.get(_item_of(cell) or "")
        if item is not None and item.var:
            env[item.var] = Unreadable(reason)
        # Not copied: the autograded notebook must not carry the bomb to feedback readers.
        cell["source"] = f"# peercert: this answer cell {reason}."
    else:
        try:
            reason = bind_literals(source, env)
        except (RecursionError, MemoryError):
            reason = "cannot be read (nested too deeply)"
            if (item := trusted.items.get(_item_of(cell) or "")) is not None and item.var:
                env[item.var] = Unreadable(reason)
    if reason:
        result.review(f"{tamper.label(cell, index)} {reason}; not run, its answer scores 0")


def _walk(nb: dict[str, Any], trusted: TrustedQuiz, result: SubmissionResult) -> None:
    env: dict[str, Any] = {}
    answered: set[str] = set()
    cells = nb["cells"]
    tamper.normalize(cells, result.review)
    _dedupe(cells, result)
    tamper.overwrite(cells, trusted, result.review)
    tamper.duplicated_answers(cells, result.review)
    for index, cell in enumerate(cells):
        cell["source"] = cell_source(cell)
        gid = nbc.grade_id(cell)
        if gid in trusted.items and trusted.items[gid].kind == "manual":
            result.items[gid] = _reflection(cell, gid, trusted)
        elif gid in trusted.items:
            result.items[gid], text = _score_item(gid, trusted, env)
            cell["outputs"] = _outputs(text, result.items[gid].score or 0.0)
        elif cell["cell_type"] == "code":
            if item_id := _item_of(cell):
                answered.add(item_id)
            cell["outputs"] = []
            _answer(cell, index, trusted, env, result)
    for gid, item in trusted.items.items():
        if gid not in result.items:
            result.review(f"grade cell {gid} was deleted; restored from the source")
            result.items[gid] = (ItemResult(gid, 0.0, item.points, blank=True)
                                 if item.kind == "manual" else _score_item(gid, trusted, env)[0])
        if item.kind == "auto" and gid not in answered:
            result.review(f"answer cell for {gid} was deleted; the item scores 0")


def grade_notebook(data: bytes | None, filename: str, trainee: str,
                   trusted: TrustedQuiz) -> SubmissionResult:
    """Score one submitted notebook's bytes; never raises for bad input: a failed result."""
    result = SubmissionResult(trainee, trusted.quiz)
    try:
        if data is None:
            raise ValueError("notebook is missing")
        nb = parse_notebook(data)
        del data
        _walk(nb, trusted, result)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError,
            MemoryError) as exc:
        result.status = "failed"
        result.items = {}
        result.reasons.append(f"{filename}: {exc}")
        return result
    result.notebook = nb
    return result

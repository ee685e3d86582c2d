"""One trainee's feedback page: the quiz total, what to review, then each question.

Rendered with the one jinja environment (:func:`peercert.output.templates`, prefix
``feedback``). Nothing on the page depends on the time it was made, so writing it again
from the same gradebook gives the same bytes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from peercert.feedback.chosen import Answer
from peercert.feedback.content import QuizContent
from peercert.feedback.explain import ItemView, explain, points, points_word
from peercert.feedback.review import Reviewer, Where
from peercert.feedback.scores import Graded

TEMPLATE = "feedback/feedback.html.j2"
ITEM_TEMPLATE = "feedback/item.html.j2"


def _questions_text(numbers: list[int]) -> str:
    nums = [str(n) for n in numbers]
    label = "question" if len(nums) == 1 else "questions"
    joined = nums[0] if len(nums) == 1 else ", ".join(nums[:-1]) + " and " + nums[-1]
    return f"{label} {joined}"


@dataclass
class ReviewEntry:
    """A place to review and the questions that point to it."""

    where: Where
    questions: list[int] = field(default_factory=list)

    @property
    def questions_text(self) -> str:
        return _questions_text(self.questions)


@dataclass
class ModuleReview:
    """One module to review, with its sections (an entry without a section is the module)."""

    module_id: str
    title: str
    entries: list[ReviewEntry] = field(default_factory=list)


@dataclass
class Page:
    title: str
    quiz: str
    name: str
    submitted: str
    score: str
    max_points: str
    percent: str
    waiting: int
    late_penalty: str
    after_penalty: str
    items: list[ItemView]
    review: list[ModuleReview]
    missed_without_module: list[int]

    @property
    def loose_text(self) -> str:
        return _questions_text(self.missed_without_module)


def when(stamp: datetime.datetime | None) -> str:
    """'20 November 2026 at 10:00 UTC' (gradebook times are UTC)."""
    if stamp is None:
        return ""
    return f"{stamp.day} {stamp:%B %Y} at {stamp:%H:%M} UTC"


def _review(items: list[ItemView]) -> tuple[list[ModuleReview], list[int]]:
    modules: dict[str, ModuleReview] = {}
    loose = []
    for view in items:
        if view.score is None or view.score >= view.max_points:
            continue
        if view.review is None:
            loose.append(view.number)
            continue
        where = view.review
        module = modules.setdefault(where.module_id, ModuleReview(where.module_id, where.module))
        entry = next((e for e in module.entries if e.where.section == where.section), None)
        if entry is None:
            entry = ReviewEntry(where)
            module.entries.append(entry)
        entry.questions.append(view.number)
    return [modules[m] for m in sorted(modules)], loose


def build_page(content: QuizContent, graded: Graded, answers: dict[str, Answer],
               reviewer: Reviewer) -> Page:
    """The page model for one trainee (only items of this quiz the gradebook has)."""
    items = []
    for q in content.questions:
        grade = graded.items.get(q.item_id)
        where = reviewer.where(q.item_id, q.module, q.text)
        items.append(explain(q, grade, answers.get(q.item_id, Answer(problem="blank")), where))
    return _page(content, graded, items)


def item_key(item_id: str, graded: Graded, answer: Answer) -> tuple[object, ...] | None:
    """What one question's HTML depends on, besides the quiz itself; None for a question
    that is this trainee's alone (their own written words), which is not kept."""
    if answer.text:
        return None
    grade = graded.items.get(item_id)
    value = answer.value
    frozen = tuple(value) if isinstance(value, list) else value
    return (item_id, frozen, answer.problem, answer.text,
            None if grade is None else (grade.score, grade.comment))


def _page(content: QuizContent, graded: Graded, items: list[ItemView]) -> Page:
    review, loose = _review(items)
    total, max_points = graded.score, content.max_points
    late = graded.late_penalty or 0.0
    return Page(
        title=content.title, quiz=content.quiz, name=graded.name,
        submitted=when(graded.timestamp), score=points(total),
        max_points=f"{points(max_points)} {points_word(max_points)}",
        percent=f"{100 * total / max_points:.0f}%" if max_points else "",
        waiting=len(graded.waiting),
        late_penalty=points(late) if late else "",
        after_penalty=points(max(0.0, total - late)) if late else "",
        items=items, review=review, missed_without_module=loose,
    )


class Renderer:
    """Renders pages; a question's HTML is made once for each distinct way it was answered.

    Most trainees of a cohort give one of a few answers to an item, so a cohort of 200
    renders a few hundred questions instead of thousands. The key holds everything a
    question's HTML depends on.
    """

    def __init__(self) -> None:
        from peercert.output import templates

        env = templates()
        self.page = env.get_template(TEMPLATE)
        self.item = env.get_template(ITEM_TEMPLATE)
        self._items: dict[tuple[object, ...], str] = {}

    def item_html(self, view: ItemView, key: tuple[object, ...] | None) -> str:
        if key is None:
            return self.item.render(item=view)
        if key not in self._items:
            self._items[key] = self.item.render(item=view)
        return self._items[key]

    def render(self, page: Page, keys: list[tuple[object, ...] | None] | None = None) -> str:
        keys = keys or [None] * len(page.items)
        items = [self.item_html(view, key) for view, key in zip(page.items, keys, strict=True)]
        return self.page.render(page=page, items=items)


def render(page: Page) -> str:
    """One page, on its own (a cohort goes through a shared :class:`Renderer`)."""
    return Renderer().render(page)

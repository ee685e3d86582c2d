"""``peercert watch``: instant feedback. Collect, grade, write and release, as trainees submit.

For every quiz the course marks for instant feedback (``c.Peercert.instant_feedback``: the
practice quizzes by default, never the practice exam), one look at the exchange:

1. a trainee whose newest inbound submission is not yet handled is *new* (where the course's
   collect checks owners, as ``peercert program apply`` sets it, a folder someone else made
   under the trainee's name is not theirs: it is reported once and ignored, as the collect
   refuses it; :mod:`peercert.submission_owner`);
2. nbgrader's own collect copies new submissions into ``submitted/`` (in-process);
3. ``peercert grade`` scores them (a submission the gradebook already holds with the same
   time is not graded again; a grader's manual score is never overwritten);
4. ``peercert feedback`` writes their pages and nbgrader's ``release_feedback`` puts them in
   the exchange, where the Assignment List finds them;
5. the handled submission is recorded, and one line is logged with the time from submit to
   feedback available.

Safe to stop at any moment: every step can be repeated and gives the same result, and the
gradebook itself says what was graded, so a restart finishes the work without grading
anything twice. A submission folder that a killed collect left half-copied is removed so
that nbgrader collects it again from the exchange, which keeps every submission. Log lines
carry trainee ids, quiz ids, scores and times: never answers or reflection text.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peercert import nbgrader_compat as nbc
from peercert import output, submission_owner
from peercert.course import Course, check_step
from peercert.errors import PeercertError

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

log = logging.getLogger("peercert.watch")

__all__ = ["Watcher", "run_watch"]


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _parse(stamp: str | None) -> datetime.datetime | None:
    try:
        return nbc.parse_utc(stamp.strip()) if stamp and stamp.strip() else None
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class Inbound:
    """A trainee's newest submission of a quiz waiting in the exchange."""

    trainee: str
    quiz: str
    stamp: str
    folder: Path

    @property
    def when(self) -> datetime.datetime | None:
        return _parse(self.stamp)


class WatchBusy(PeercertError):
    """Another ``peercert watch`` is already running on this course."""


class Watcher:
    """One course's instant feedback; :meth:`look` does one pass over the exchange."""

    def __init__(self, course: Path | Course, *, api: NbGraderAPI | None = None,
                 clock: Callable[[], datetime.datetime] = utcnow):
        self.course = Course.of(course)
        self.clock = clock
        self._api = api
        self.folder = self.course.root / ".peercert" / "watch"
        self.inbound_dir = self.course.exchange("inbound")
        self._modules: dict[str, str] = {}
        self._owners = submission_owner.owner_mode(self.course.config)
        self._reported: set[str] = set()  # refused folders already logged by this watcher

    @property
    def api(self) -> NbGraderAPI:
        if self._api is None:
            from peercert.course import nbgrader_api

            self._api = nbgrader_api(self.course.root)
        return self._api

    # --- what to watch --------------------------------------------------------------------

    def quizzes(self) -> list[str]:
        """Released quizzes (in the gradebook) marked for instant feedback."""
        from peercert.feedback.content import quiz_module

        if not self.course.has_gradebook():
            return []
        chosen = []
        for quiz in self.course.quizzes():
            if quiz not in self._modules:
                self._modules[quiz] = quiz_module(self.course, quiz)
            if self.course.defaults.instant(quiz, self._modules[quiz]):
                chosen.append(quiz)
        return chosen

    def inbound(self, quizzes: list[str]) -> dict[str, dict[str, Inbound]]:
        """Quiz -> trainee -> newest inbound submission (as nbgrader's collect picks it)."""
        found: dict[str, dict[str, Inbound]] = {q: {} for q in quizzes}
        try:
            names = os.listdir(self.inbound_dir)
        except OSError:
            return found
        for name in names:
            record = nbc.inbound_record(name)
            if record is None or record[1] not in found:
                continue
            trainee, quiz, stamp = record
            if self._owners is not None and self._refused(name, trainee, quiz, self._owners):
                continue
            new = Inbound(trainee, quiz, stamp, self.inbound_dir / name)
            old = found[quiz].get(trainee)
            if new.when is not None and (old is None or old.when is None or new.when > old.when):
                found[quiz][trainee] = new
        return found

    def _refused(self, name: str, trainee: str, quiz: str, mode: str) -> bool:
        """True when the inbound folder ``name`` is not ``trainee``'s own (logged once).
        A refused folder stays refused: only root could give it to the trainee."""
        if name in self._reported:
            return True
        who = submission_owner.namer(mode, lambda: [row[0] for row in self.course.students()])
        refusal = submission_owner.check(str(self.inbound_dir / name), trainee, mode, who)
        if refusal is None:
            return False
        self._reported.add(name)
        log.error("%s", refusal.line(quiz))
        return True

    # --- the record of handled submissions --------------------------------------------------

    def _state_path(self, quiz: str) -> Path:
        return self.folder / f"{quiz}.json"

    def state(self, quiz: str) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self._state_path(quiz).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def new(self, quiz: str, inbound: dict[str, Inbound]) -> list[Inbound]:
        """Inbound submissions not handled yet (a newer one than the last handled)."""
        done = self.state(quiz)
        return [sub for trainee, sub in sorted(inbound.items())
                if _parse(done.get(trainee, {}).get("inbound")) != sub.when]

    # --- one pass ---------------------------------------------------------------------------

    def look(self) -> int:
        """Handle every new submission of every watched quiz; return how many."""
        quizzes = self.quizzes()
        handled = 0
        for quiz, inbound in self.inbound(quizzes).items():
            todo = self.new(quiz, inbound)
            if todo:
                handled += self.handle(quiz, todo)
        return handled

    def handle(self, quiz: str, todo: list[Inbound]) -> int:
        """Collect, grade, write and release feedback for these submissions of ``quiz``."""
        for sub in todo:
            self._repair(sub)
        check_step(self.api.collect(quiz), f"nbgrader collect {quiz}")
        for sub in todo:  # nbgrader copies the exchange's modes (0644): collected work is private
            output.tighten_tree(self.course.submission(sub.trainee, quiz), self.course.modes)
        stamps = {sub.trainee: self._submitted_stamp(sub.trainee, quiz) for sub in todo}
        failed = self._grade(quiz, stamps)
        outcome = self._feedback(quiz, [t for t in stamps if t not in failed])
        self._record(quiz, todo, stamps, failed, outcome)
        return len(todo)

    def _repair(self, sub: Inbound) -> None:
        """Remove a submission folder that a stopped collect left half-copied.

        nbgrader's collect skips a folder whose timestamp.txt matches the exchange, even when
        other files did not arrive; removed, it is collected again from the exchange.
        """
        dest = self.course.submission(sub.trainee, sub.quiz)
        if not dest.is_dir() or _parse(_read(dest / "timestamp.txt")) != sub.when:
            return
        want = _sizes(sub.folder)
        if want and _sizes(dest) != want:
            log.warning("%s %s: the collected copy is incomplete; collecting it again",
                        sub.quiz, sub.trainee)
            shutil.rmtree(dest)

    def _submitted_stamp(self, trainee: str, quiz: str) -> str:
        return (_read(self.course.submission(trainee, quiz) / "timestamp.txt") or "").strip()

    def _grade(self, quiz: str, stamps: dict[str, str]) -> dict[str, str]:
        """Grade what the gradebook does not already hold; return trainee -> failure reason."""
        from peercert.feedback.scores import submission_times
        from peercert.grade import grade_quiz

        present = {t: s for t, s in stamps.items() if s}
        failed = {t: "the submission was not collected" for t in stamps if t not in present}
        held = submission_times(self.course, quiz, list(present))
        to_grade = [t for t, s in present.items()
                    if held.get(t) is None or held[t] != _parse(s)
                    or not self.course.notebook("autograded", t, quiz).is_file()]
        if to_grade:
            report = grade_quiz(self.course.root, quiz, students=to_grade)
            failed.update((r.trainee, "; ".join(r.reasons) or "could not be graded")
                          for r in report.results if r.status == "failed")
        return failed

    def _feedback(self, quiz: str, trainees: list[str]) -> dict[str, str]:
        """Write and release pages; return trainee -> outcome."""
        from peercert.feedback import release_feedback, write_feedback

        if not trainees:
            return {}
        report = write_feedback(self.course, quiz, trainees)
        outcome = {t: f"feedback not written: {why}" for t, why in report.skipped}
        released = set(release_feedback(self.course.root, quiz, report.written, self.api))
        for trainee in report.written:
            outcome[trainee] = ("released" if trainee in released else
                                "feedback written; nbgrader cannot release it "
                                "(the submission has no submission_secret.txt)")
        return outcome

    def _record(self, quiz: str, todo: list[Inbound], stamps: dict[str, str],
                failed: dict[str, str], outcome: dict[str, str]) -> None:
        state = self.state(quiz)
        now = self.clock()
        for sub in todo:
            result = (f"not graded: {failed[sub.trainee]}" if sub.trainee in failed
                      else outcome.get(sub.trainee, "feedback not written"))
            state[sub.trainee] = {"inbound": sub.stamp, "submitted": stamps.get(sub.trainee),
                                  "result": result, "at": now.isoformat(timespec="seconds")}
            submitted = _parse(stamps.get(sub.trainee)) or sub.when
            took = (now - submitted).total_seconds() if submitted else float("nan")
            if result == "released":
                log.info("%s %s: feedback available %.1f s after submit", quiz, sub.trainee,
                         took)
            else:
                log.warning("%s %s: %s (%.1f s after submit)", quiz, sub.trainee, result, took)
        output.write_json(self._state_path(quiz), dict(sorted(state.items())),
                          modes=self.course.modes)

    # --- running --------------------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the course's watch lock: one watcher per course at a time."""
        output.prepare_folder(self.folder, self.course.modes)  # a killed watch's files
        with (self.folder / "lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WatchBusy(f"another peercert watch is running on {self.course.root}"
                                ) from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _sizes(folder: Path) -> dict[str, int]:
    """Relative path -> size of every file under ``folder``."""
    out = {}
    for base, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(base) / name
            try:
                out[str(path.relative_to(folder))] = path.stat().st_size
            except OSError:
                continue
    return out


def run_watch(course: Path, *, once: bool = False, interval: float | None = None,
              stop: threading.Event | None = None) -> None:
    """Watch ``course`` until stopped (SIGTERM or Ctrl-C end it between two steps).

    ``once``: one pass, then return (for tests and cron). A failing pass is logged and
    retried at the next look, so a busy gradebook or a bad file never stops the service.
    """
    if not logging.getLogger().handlers and not log.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        # nbgrader's apps log every file they copy (and, on one machine, warn that trainee
        # ids are not the owners' user names); a failed step still raises with its log.
        logging.getLogger("traitlets").setLevel(logging.ERROR)
    watcher = Watcher(course)
    wait = interval or watcher.course.defaults.watch_interval
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with watcher.lock():
        watcher.api  # noqa: B018  (nbgrader's API now, so no submission waits for its import)
        quizzes = watcher.quizzes()
        log.info("peercert watch: %s, %d quiz(zes) with instant feedback: %s",
                 watcher.course.root, len(quizzes), ", ".join(quizzes) or "none")
        while not stop.is_set():
            started = time.monotonic()
            try:
                watcher.look()
            except Exception as exc:  # a service keeps going: logged, retried at the next look
                if once:
                    raise
                if isinstance(exc, PeercertError | OSError):
                    log.error("this look failed; trying again: %s", exc)
                else:
                    log.exception("this look failed; trying again")
            if once:
                return
            stop.wait(max(0.0, wait - (time.monotonic() - started)))

"""``peercert program apply``: make the machine and the hub match ``program.toml``.

For every course of the program: its folder from the curriculum (``init_course``) with the
program's settings in its ``nbgrader_config.py`` (course id, the one gradebook, the program's
exchange), its trainees in the gradebook, and on request its quizzes released. Then, when asked,
the Unix accounts, groups and folder rights (:mod:`peercert.deploy.unix`), or on Kubernetes the
same folder rights by the numeric gids the pods get (``numeric_ids``), and the hub's users and
groups through its REST API (:mod:`peercert.deploy.hubapi`).

Idempotent: a second run with the same file changes nothing and says so. A trainee removed
from the file leaves the course's groups (their running servers are stopped so the change
applies) and keeps every file. Nothing is ever deleted. A course that fails (say its folder
cannot be written) is reported and the others are still applied.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peercert.course import CONFIG_NAME, init_course
from peercert.deploy import names, unix
from peercert.deploy.hubapi import HubClient
from peercert.errors import PeercertError
from peercert.output import write_text
from peercert.program import CourseEntry, Program

BEGIN = "# --- peercert program apply: begin (written from the program file; edit it there) ---"
END = "# --- peercert program apply: end ---"
_BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)


class ApplyError(PeercertError):
    """Some courses or accounts could not be applied; ``problems`` names each."""


@dataclass
class Report:
    """What a run changed, one line each, in order."""

    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    say: Callable[[str], None] = lambda _line: None

    def did(self, line: str) -> None:
        self.changes.append(line)
        self.say(line)


def course_groups(course_id: str, *, numeric_ids: bool = False) -> tuple[str | int, str | int]:
    """The course's (members, instructors) groups: Unix group names on one machine, the
    numeric gids its pods get on Kubernetes (:mod:`peercert.deploy.names`)."""
    if numeric_ids:
        return names.course_gid(course_id), names.instructor_gid(course_id)
    return names.os_course_group(course_id), names.os_instructor_group(course_id)


def _label(group: str | int) -> str:
    return f"gid {group}" if isinstance(group, int) else group


def program_block(program: Program, course: CourseEntry, *,
                  share_group: str | int | None = None, owners: str | None = None) -> str:
    """The settings a course takes from the program, appended to its nbgrader_config.py.

    With ``share_group`` (the instructors' group apply manages: a name, or a numeric gid,
    written as a string) peercert's records are written readable and writable by that
    group, as nbgrader's ``groupshared`` does for its own files, so a later apply finds
    nothing to re-share. With ``owners`` (``"unix_users"`` or ``"numeric_ids"``: apply
    manages who runs as which uid) the course collects a submission only from the trainee
    it names (:class:`peercert.exchange_collect.OwnerCheckedCollect`).
    """
    lines = [BEGIN,
             f"# program: {program.name}; site: {course.site}",
             f"c.CourseDirectory.course_id = {course.id!r}",
             f"c.Exchange.root = {str(program.exchange_root)!r}",
             "# several instructors share the course folder through its Unix group",
             "c.CourseDirectory.groupshared = True"]
    if share_group is not None:
        lines.append(f"c.Peercert.share_group = {str(share_group)!r}")
    if owners is not None:
        from peercert.submission_owner import OWNER_CHECKED_COLLECT  # it imports deploy.names

        lines += ["# a submission is collected only from the trainee it names; nbgrader's own",
                  "# collect takes one made under another's name (deploy/README.md, exchange)",
                  f"c.ExchangeFactory.collect = {OWNER_CHECKED_COLLECT!r}",
                  f"c.OwnerCheckedCollect.owners = {owners!r}"]
    return "\n".join([*lines, *gradebook_lines(program, course), END]) + "\n"


# --- the program's one gradebook --------------------------------------------------------------
# nbgrader 0.9 keys assignments by name alone, so courses that release the same quiz cannot
# share one set of tables: each course gets its own schema in the program's PostgreSQL
# database (peercert.program_db owns that scheme).

def gradebook_lines(program: Program, course: CourseEntry) -> list[str]:
    """The course's ``db_url`` line(s): the program's database, the course's schema."""
    if not program.gradebook_url:
        return []
    from peercert.program_db import config_lines

    return [line for line in config_lines(program, course.id).splitlines() if line]


def ensure_gradebook(program: Program, course: CourseEntry) -> None:
    """The course's schema and nbgrader's tables in the program's database."""
    if not program.gradebook_url or not program.gradebook_url.startswith("postgresql"):
        return
    from peercert.program_db import create_course_gradebooks

    create_course_gradebooks(program, [course.id])


def ensure_course(program: Program, course: CourseEntry, report: Report, *,
                  share_group: str | int | None = None, owners: str | None = None) -> Path:
    """Create the course folder if missing; keep its program settings up to date."""
    root = program.course_dir(course.id)
    config = root / CONFIG_NAME
    if not config.exists():
        init_course(root, course_id=course.id)
        report.did(f"course {course.id}: created {root} from the curriculum")
    text = config.read_text(encoding="utf-8")
    block = program_block(program, course, share_group=share_group, owners=owners)
    new = _BLOCK.sub(lambda _m: block, text) if _BLOCK.search(text) else \
        text.rstrip("\n") + "\n\n" + block
    if new != text:
        write_text(config, new)
        report.did(f"course {course.id}: program settings written to {config}")
        if owners is not None and "OwnerCheckedCollect" not in text:
            _audit_hint(root, course, report)
    return root


def _audit_hint(root: Path, course: CourseEntry, report: Report) -> None:
    """Work collected before the course checked owners is not re-checked by collect."""
    submitted = root / "submitted"
    earlier = sum(1 for p in submitted.glob("*/*") if p.is_dir()) if submitted.is_dir() else 0
    if earlier:
        report.did(f"course {course.id}: its collect now checks owners; {earlier} "
                   "submission(s) were collected before: check them with "
                   f"'peercert owners --course {root}'")


def course_quizzes(root: Path, course: CourseEntry) -> list[str]:
    if course.quizzes is not None:
        return list(course.quizzes)
    return sorted(p.stem for p in (root / "assignments").glob("*.yaml"))


def release_missing(program: Program, course: CourseEntry, report: Report) -> None:
    """Release the course's quizzes that are not in its exchange yet."""
    from peercert.build import build_course
    from peercert.course import nbgrader_api, release_quizzes

    root = program.course_dir(course.id)
    outbound = program.exchange_root / course.id / "outbound"
    todo = [q for q in course_quizzes(root, course) if not (outbound / q).is_dir()]
    if not todo:
        return
    build_course(root / "assignments", root / "source")
    release_quizzes(nbgrader_api(root), todo,
                    lambda q: report.did(f"course {course.id}: released {q}"))


def enrol_students(root: Path, course: CourseEntry, report: Report) -> None:
    """Every trainee of the course is a student in the gradebook (formgrader lists them)."""
    from nbgrader.api import MissingEntry

    from peercert.course import Course

    with Course.open(root).nbgrader_gradebook() as gb:
        for trainee in course.trainees:
            try:
                gb.find_student(trainee)
            except MissingEntry:
                gb.add_student(trainee)
                report.did(f"course {course.id}: {trainee} added to the gradebook")


def apply_accounts(program: Program, report: Report) -> None:
    """Unix users and each course's two groups with their members (needs root). Done before
    the courses, whose settings name the instructors' group."""
    for user in program.people:
        if unix.ensure_user(user):
            report.did(f"unix: created user {user}")
    for course in program.courses:
        try:
            _course_groups(course, report)
        except (OSError, PeercertError) as exc:
            report.problems.append(f"course {course.id}: unix: {exc}")


def _course_groups(course: CourseEntry, report: Report) -> None:
    members, instr = names.os_course_group(course.id), names.os_instructor_group(course.id)
    for group in (members, instr):
        if unix.ensure_group(group):
            report.did(f"unix: created group {group}")
    for group, wanted in ((members, [*course.instructors, *course.trainees]),
                          (instr, course.instructors)):
        added, removed = unix.set_members(group, wanted)
        for user in added:
            report.did(f"unix: {user} added to {group}")
        for user in removed:
            report.did(f"unix: {user} removed from {group} (their files are kept)")


def apply_unix(program: Program, report: Report, *, numeric_ids: bool = False) -> None:
    """Folder owners and rights for every course (needs root), after the courses exist; by
    the courses' Unix groups, or with ``numeric_ids`` by their pods' gids."""
    for path, mode in ((program.courses_root, 0o755), (program.exchange_root, 0o1777)):
        try:  # e.g. a volume that maps root to nobody (NFS root_squash): say so, go on
            if unix.ensure_dir(path, mode):
                report.did(f"unix: {path} set to {mode:o}")
        except OSError as exc:
            report.problems.append(f"unix: {path}: {exc}")
    for course in program.courses:
        try:
            _unix_course(program, course, report, numeric_ids=numeric_ids)
        except (OSError, PeercertError) as exc:
            report.problems.append(f"course {course.id}: unix: {exc}")


def _unix_course(program: Program, course: CourseEntry, report: Report, *,
                 numeric_ids: bool) -> None:
    members, instr = course_groups(course.id, numeric_ids=numeric_ids)
    xc = program.exchange_root / course.id
    dirs = ((program.course_dir(course.id), 0o2770, instr), (xc, 0o2750, members),
            (xc / "outbound", 0o2775, instr), (xc / "inbound", 0o2773, instr),
            (xc / "feedback", 0o2771, instr))
    for path, mode, group in dirs:
        if unix.ensure_dir(path, mode, group):
            report.did(f"unix: {path} set to {_label(group)} {mode:o}")
    n = unix.share_tree(program.course_dir(course.id), instr)
    n += sum(unix.share_tree(xc / sub, instr) for sub in ("outbound", "feedback"))
    if n:
        report.did(f"course {course.id}: {n} file rights shared with {_label(instr)}")


def apply_hub(program: Program, hub: HubClient, report: Report) -> None:
    """Hub users and groups: nbgrader-<course> (trainees), formgrade-<course> (instructors),
    program-staff. Members not in the file leave the group; users are never deleted."""
    users = hub.users()
    missing = [u for u in program.people if u not in users]
    hub.create_users(missing)
    for user in missing:
        report.did(f"hub: created user {user}")
    wanted = {names.STAFF_GROUP: set(program.staff)}
    for course in program.courses:
        wanted[names.student_group(course.id)] = set(course.trainees)
        wanted[names.grader_group(course.id)] = set(course.instructors)
    groups = hub.groups()
    left: set[str] = set()
    for group, members in wanted.items():
        if group not in groups:
            hub.create_group(group)
            report.did(f"hub: created group {group}")
        current = groups.get(group, set())
        add, remove = sorted(members - current), sorted(current - members)
        hub.add_to_group(group, add)
        hub.remove_from_group(group, remove)
        for user in add:
            report.did(f"hub: {user} added to {group}")
        for user in remove:
            report.did(f"hub: {user} removed from {group} (their files are kept)")
        left.update(remove)
    for user in sorted(left & set(users)):
        stopped = hub.stop_servers(users[user])
        if stopped:
            report.did(f"hub: stopped {user}'s server(s) {', '.join(stopped)} so their "
                       "access changes now")
    stale = sorted(g for g in groups if g.startswith(("nbgrader-", "formgrade-"))
                   and g not in wanted and groups[g])
    for group in stale:
        report.say(f"note: hub group {group} is not in the program file; left as it is")


def check_numeric_ids(program: Program) -> None:
    """ApplyError when two people, or two course groups, hash to the same numeric id."""
    clashes = names.id_collisions(program.people, [c.id for c in program.courses])
    if clashes:
        raise ApplyError(f"numeric ids: {'; '.join(clashes)} (nothing was applied)",
                         path=program.path, problems=clashes)


def apply_program(program: Program, *, hub: HubClient | None = None, unix_users: bool = False,
                  numeric_ids: bool = False, release: bool = False,
                  say: Callable[[str], None] = lambda _line: None) -> list[str]:
    """Apply ``program``; returns the changes made (empty when it already matched).

    ``unix_users``: Unix accounts, course groups and folder rights (one machine).
    ``numeric_ids``: the same folder rights by the gids Kubernetes pods get, creating no
    account (deploy/k8s/README.md). Both need root; they exclude each other. With either,
    each course collects a submission only from the trainee it names, matched by account
    or by numeric uid (:mod:`peercert.exchange_collect`).

    Raises :class:`ApplyError` listing every course or step that failed, after doing all
    the others.
    """
    if unix_users and numeric_ids:
        raise ApplyError("choose one of unix_users (machine accounts) and numeric_ids "
                         "(Kubernetes pods' gids)", path=program.path)
    if numeric_ids:
        check_numeric_ids(program)
    report = Report(say=say)
    if unix_users:
        apply_accounts(program, report)
    owners = "unix_users" if unix_users else "numeric_ids" if numeric_ids else None
    for course in program.courses:
        share = course_groups(course.id, numeric_ids=numeric_ids)[1] if owners else None
        try:
            root = ensure_course(program, course, report, share_group=share, owners=owners)
            ensure_gradebook(program, course)
            if release:
                release_missing(program, course, report)
            enrol_students(root, course, report)
        except (OSError, PeercertError) as exc:
            report.problems.append(f"course {course.id}: {exc}")
    if unix_users or numeric_ids:
        apply_unix(program, report, numeric_ids=numeric_ids)
    if hub is not None:
        apply_hub(program, hub, report)
    if report.problems:
        raise ApplyError(f"{len(report.problems)} problem(s) applying {program.path}",
                         path=program.path, problems=report.problems)
    return report.changes


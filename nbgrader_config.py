"""nbgrader configuration for a peercert course.

Everything is relative to this file, so the course works wherever it is copied. Override
with environment variables where several instructors share one gradebook:
PEERCERT_DB_URL (e.g. postgresql://user@host/peercert), PEERCERT_EXCHANGE, PEERCERT_COURSE_ID.
"""

import os

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (traitlets provides it)

here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = here
c.CourseDirectory.course_id = os.environ.get("PEERCERT_COURSE_ID", "peercert")
c.CourseDirectory.db_url = os.environ.get(
    "PEERCERT_DB_URL", "sqlite:///" + os.path.join(here, "gradebook.db")
)

# nbgrader's default exchange (/srv/nbgrader/exchange) does not exist on a single machine,
# which breaks the Assignment List; keep one inside the course. `peercert init` creates it and
# `nbgrader release_assignment` recreates it if missing; reading this file creates nothing.
c.Exchange.root = os.environ.get("PEERCERT_EXCHANGE", os.path.join(here, "exchange"))

# Quizzes hold no long computations: a cell that runs longer than this is stuck.
c.Execute.timeout = 60
c.ExecutePreprocessor.timeout = 60

# A trainee who deletes a grade cell gets it back from the source, instead of a silent
# "needs manual grade".
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

"""A trainee's side, run as another OS user by test_privacy.py (the test runs this as ``nobody``).

    python as_trainee.py COURSE HOME TRAINEE ACTION [PATH...]

ACTION ``submit``: fetch and submit quiz1 through nbgrader's exchange, answering it.
ACTION ``feedback``: fetch feedback; print how many pages arrived and their text length.
ACTION ``read``: try to read each PATH (a folder is listed); print what each attempt gave
("ok", "denied" or "missing") as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _read(path: str) -> str:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            Path(path).read_bytes()
    except PermissionError:
        return "denied"
    except FileNotFoundError:
        return "missing"
    return "ok"


def main(course: Path, home: Path, trainee: str, action: str, paths: list[str]) -> None:
    import exchange
    import factory

    if action == "submit":
        nb = exchange.fetch(course, home, trainee, "quiz1")
        answers = dict(factory.PATTERNS["right"], **{"t-06": f"{trainee}'s own reflection"})
        exchange.submit(course, home, trainee, "quiz1", factory.answer_notebook(nb, answers))
        print("submitted")
    elif action == "feedback":
        pages = exchange.fetch_feedback(course, home, trainee, "quiz1")
        print(json.dumps([len(p.read_text(encoding="utf-8")) for p in pages]))
    elif action == "read":
        print(json.dumps({p: _read(p) for p in paths}))
    else:
        raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:])

"""Resource bombs against ``peercert grade``: time and peak memory for each hostile notebook.

    python bench/grade_hostile.py

Builds a 20-item quiz once, then for each bomb grades a course holding that one submission in
a fresh process (``workers=1``, so the grading process reads it itself) and prints the
outcome, the wall time of grading and the process's peak resident memory (VmHWM). The limits
are in ``peercert.defaults``; each refusal names the one it hit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

CHILD = """
import json, re, sys, time
from peercert.grade import grade_quiz
start = time.perf_counter()
[r] = grade_quiz(sys.argv[1], "bench", workers=1).results
took = time.perf_counter() - start
hwm = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
print(json.dumps([r.status, "; ".join(r.reasons)[:90], took, int(hwm) // 1024]))
"""


def bombs(release: Path) -> Iterator[tuple[str, bytes]]:
    import factory

    def answered(text: str) -> dict:
        nb = factory.answer_notebook(release, {"b-000": text})
        return json.loads(json.dumps(nb))

    def dump(nb: dict) -> bytes:
        return json.dumps(nb, ensure_ascii=False, separators=(",", ":")).encode()

    yield "45 MB answer string", dump(answered('"' + "B" * 45_000_000 + '"'))
    yield "24 MB answer string", dump(answered('"' + "B" * 24_000_000 + '"'))
    yield "24 MB answer + emoji", dump(answered('"\U0001f600' + "B" * 24_000_000 + '"'))
    nb = answered('"B"')
    nb["metadata"]["junk"] = "\U0001f600" + "x" * 24_500_000
    yield "24 MB metadata + emoji", dump(nb)
    for name, value in (("8M empty lists", [[]] * 8_000_000),
                        ("490k small objects", [{"a": 0}] * 490_000),
                        ("7M empty strings", [""] * 7_000_000),
                        ("490k short strings", [f"s{i}" for i in range(490_000)])):
        nb = answered('"B"')
        nb["metadata"]["junk"] = value
        yield name, dump(nb)
    yield "5M nested lists", b'{"cells":' + b"[" * 5_000_000 + b"]" * 5_000_000 + b"}"
    yield "99 kB nested answer", dump(answered("(" * 190 + "1" + ")" * 190 + "+1" * 49_000))


def main() -> None:
    from _cohort import make_course

    with tempfile.TemporaryDirectory(prefix="peercert-hostile-") as tmp:
        base = make_course(Path(tmp) / "base", 20, 0)
        release = base / "release" / "bench" / "bench.ipynb"
        print(f"{'bomb':24} {'size MB':>7} {'seconds':>7} {'peak MB':>7}  outcome")
        for name, data in bombs(release):
            course = Path(shutil.copytree(base, Path(tmp) / "run"))
            folder = course / "submitted" / "bomb" / "bench"
            folder.mkdir(parents=True)
            (folder / "bench.ipynb").write_bytes(data)
            (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
            out = subprocess.run([sys.executable, "-c", CHILD, str(course)],
                                 capture_output=True, text=True, timeout=600)
            if out.returncode:
                sys.exit(out.stderr)
            status, reason, took, peak = json.loads(out.stdout.splitlines()[-1])
            print(f"{name:24} {len(data) / 1e6:7.1f} {took:7.2f} {peak:7d}  {status}: {reason}")
            shutil.rmtree(course)
        print("reproduce: python bench/grade_hostile.py")


if __name__ == "__main__":
    main()

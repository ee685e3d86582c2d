"""The hash of the extension's sources, recorded next to its committed build.

``jlpm build`` (in this folder) writes it to ``src/peercert_trainee/labextension/build-hash.txt``;
``tests/test_extension.py`` recomputes it, so a source changed without a rebuild fails a test.
Standard library only. Run ``python build_hash.py`` to write it, ``--check`` to compare.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "src" / "peercert_trainee" / "labextension" / "build-hash.txt"
SOURCES = ["package.json", "tsconfig.json", "yarn.lock", "install.json", "src", "style"]


def source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = HERE / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return files


def compute() -> str:
    digest = hashlib.sha256()
    for path in source_files():
        digest.update(path.relative_to(HERE).as_posix().encode() + b"\0")
        # line endings normalized, so a checkout on Windows gives the same hash
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    if "--check" in argv:
        recorded = OUT.read_text(encoding="utf-8").strip() if OUT.exists() else ""
        return 0 if recorded == compute() else 1
    OUT.write_text(compute() + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The course owns its sources: every module cites docs/sources.md, and that list is complete."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "docs" / "sources.md"
MODULES = sorted((REPO / "modules").glob("[0-9][0-9]-*.ipynb"))

_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
_LINK = re.compile(r"\]\(\.\./docs/sources\.md#([^)\s]+)\)")
_URL = re.compile(r"https?://[^\s)<>;]+")
_STATUS = re.compile(r"^- \*\*Status:\*\* .*(confirmed|\[check\]|\[unknown\])", re.MULTILINE)
_USED_IN = re.compile(r"^- \*\*Used in:\*\* (.*)$", re.MULTILINE)


def _entries() -> dict[str, str]:
    """Anchor id -> the text of its entry (up to the next anchor)."""
    text = SOURCES.read_text(encoding="utf-8")
    parts = _ANCHOR.split(text)
    entries = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert len(entries) == len(parts[1::2]), "an anchor appears twice in docs/sources.md"
    return entries


def _sources_cell(path: Path) -> str:
    cell = nbformat.read(path, as_version=4).cells[-1]
    assert cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Sources")
    return cell.source


def _cited(path: Path) -> set[str]:
    return set(_LINK.findall(_sources_cell(path)))


def test_every_entry_has_a_url_a_status_and_its_users():
    entries = _entries()
    assert len(entries) >= 20
    for anchor, body in entries.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", anchor), f"{anchor}: not a stable anchor"
        assert _URL.search(body), f"{anchor}: no http(s) URL"
        assert _STATUS.search(body), f"{anchor}: no status (confirmed / [check] / [unknown])"
        assert _USED_IN.search(body), f"{anchor}: no 'Used in' line"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_module_sources_link_into_the_source_list(path):
    entries = _entries()
    bullets = [line for line in _sources_cell(path).splitlines() if line.startswith("- ")]
    assert bullets, f"{path.name}: the Sources cell lists nothing"
    for line in bullets:
        anchors = _LINK.findall(line)
        assert anchors, f"{path.name}: no link into docs/sources.md: {line}"
        urls = _URL.findall(line)
        assert urls, f"{path.name}: no original URL: {line}"
        for anchor in anchors:
            assert anchor in entries, f"{path.name}: docs/sources.md has no #{anchor}"
        listed = "".join(entries[a] for a in anchors)
        for url in urls:
            assert url in listed, f"{path.name}: {url} is not listed under #{', #'.join(anchors)}"


def test_used_in_matches_the_modules_that_cite_each_source():
    cited_by: dict[str, set[str]] = {}
    for path in MODULES:
        for anchor in _cited(path):
            cited_by.setdefault(anchor, set()).add(path.name[:2])
    for anchor, body in _entries().items():
        used = set(re.findall(r"\b(\d\d)\b", _USED_IN.search(body).group(1)))
        assert used, f"#{anchor}: no module cites this source; remove it or cite it"
        assert used == cited_by.get(anchor, set()), f"#{anchor}: 'Used in' says {sorted(used)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_module_depends_on_files_outside_the_course(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        assert "../shared" not in cell.source and "shared/reference" not in cell.source, path.name
        assert "reference file" not in cell.source and "project brief" not in cell.source, path.name


def test_the_product_depends_on_no_file_outside_the_repository():
    """Profiles, the library, modules, banks and docs cite the course's own source list."""
    roots = ["src", "trainee/src", "profiles", "modules", "assignments", "docs", "deploy"]
    hits = []
    for root in roots:
        for path in sorted((REPO / root).rglob("*")):
            if not path.is_file() or path.suffix not in {".py", ".toml", ".md", ".yaml",
                                                          ".ipynb", ".j2", ".html", ".json"}:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if "../shared" in text or "peer-support-facts.md" in text:
                hits.append(str(path.relative_to(REPO)))
    assert hits == [], hits

"""``peercert analyze``, ``peercert export-reflections`` and ``peercert agreement``.

Thin layer: parse options, call :mod:`peercert.analyze`, print a short rich summary.
pandas and the analysis package are imported inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peercert.cli.app import app
from peercert.cli.course import COURSE, _fail

if TYPE_CHECKING:
    from rich.console import Console

    from peercert.analyze import QuizAnalysis


def _fmt(value: float, spec: str = ".2f") -> str:
    from peercert.output import fmt_number

    return fmt_number(value, spec)


def _summary(console: Console, analyses: dict[str, QuizAnalysis]) -> None:
    from rich.table import Table

    table = Table(title="Quiz reliability")
    for col in ("quiz", "trainees", "items", "mean", "SD", "KR-20", "alpha", "SEM", "flagged"):
        table.add_column(col, justify="left" if col == "quiz" else "right")
    for quiz, qa in analyses.items():
        s = qa.summary
        table.add_row(quiz, str(s.trainees), str(s.items), _fmt(s.mean, ".1f"), _fmt(s.sd, ".1f"),
                      _fmt(s.kr20), _fmt(s.alpha), _fmt(s.sem, ".1f"), str(len(qa.flagged)))
    console.print(table)


def _flagged(console: Console, qa: QuizAnalysis) -> None:
    from rich.table import Table

    if qa.flagged.empty:
        console.print(f"{qa.quiz}: no item flagged.")
        return
    table = Table(title=f"{qa.quiz}: items to review", show_lines=False)
    for col in ("item", "difficulty", "r", "flags"):
        table.add_column(col, justify="right" if col in ("difficulty", "r") else "left")
    for row in qa.flagged.itertuples():
        table.add_row(row.item_id, _fmt(row.difficulty, ".0%"), _fmt(row.point_biserial),
                      row.flags.replace(";", ", "))
    console.print(table)


Quizzes = Annotated[list[str] | None, typer.Argument(
    metavar="QUIZ", help="Quiz ids; every quiz with graded submissions if omitted.",
    show_default=False)]
AnalysisOut = Annotated[Path | None, typer.Option(
    "--out", show_default=False,
    help="Output folder. One quiz: its files go straight in (default "
         "<course>/reports/analysis/<quiz>). Several quizzes: into <out>/<quiz> (default "
         "<course>/reports/analysis/<quiz>).")]
Threshold = Annotated[float | None, typer.Option(
    min=0.0, max=1.0, show_default=False,
    help="Share of points below which a competency is listed for a trainee "
         "(default: the course's c.Peercert.mastery_threshold, else 0.70).")]
SheetOut = Annotated[Path | None, typer.Option(
    "--out", show_default=False,
    help="CSV to write (default <course>/reports/second-grader/<quiz>.csv).")]
WithText = Annotated[bool, typer.Option(
    "--with-text",
    help="Include the reflections' text. They may hold personal disclosures: keep the file "
         "inside the course and delete it after grading.")]
SecondGrader = Annotated[Path, typer.Option(
    "--second-grader", exists=True, dir_okay=False,
    help="The filled-in sheet from export-reflections (CSV: trainee, item_id, score).")]
Weights = Annotated[str, typer.Option(help="Kappa weights: quadratic or linear.")]
AgreementOut = Annotated[Path | None, typer.Option(
    "--out", show_default=False, help="Also write the agreement table to this CSV.")]
ProgramFile = Annotated[Path | None, typer.Option(
    "--program", exists=True, dir_okay=False, show_default=False,
    help="A program file (program.toml): analyse each quiz pooled across all its courses, "
         "read from the program's gradebook, with a per-course summary (files under --out, "
         "default program-analysis/).")]
Quiz = Annotated[str, typer.Argument(metavar="QUIZ", help="Quiz id.", show_default=False)]


@app.command("analyze")
def analyze(
    quizzes: Quizzes = None,
    course: Path = COURSE,
    out: AnalysisOut = None,
    mastery_threshold: Threshold = None,
    program: ProgramFile = None,
) -> None:
    """Item analysis, reliability and competency mastery; writes CSVs and an HTML report.

    Files per quiz: item-analysis.csv, distractors.csv, quiz-summary.csv,
    score-distribution.csv, competency-mastery.csv and report.html (with --program also
    per-course-summary.csv).
    """
    from rich.console import Console

    from peercert.analyze import Thresholds, run_analyze
    from peercert.analyze.course import course_config

    console = Console()
    if program is not None:
        _analyze_program(console, program, quizzes, out, mastery_threshold)
        return
    mastery = (mastery_threshold if mastery_threshold is not None
               else course_config(course).defaults.mastery_threshold)
    result = run_analyze(course, quizzes or None, out, Thresholds(mastery=mastery))
    for warning in result.warnings:
        console.print(f"[yellow]note:[/yellow] {warning}")
    _summary(console, result.analyses)
    for qa in result.analyses.values():
        _flagged(console, qa)
    for quiz, files in result.files.items():
        console.print(f"{quiz}: report {files[-1]}  (CSVs in {files[-1].parent})")


def _analyze_program(console: Console, path: Path, quizzes: list[str] | None,
                     out: Path | None, mastery_threshold: float | None) -> None:
    from rich.table import Table

    from peercert.analyze import Thresholds
    from peercert.analyze.program import run_program_analyze
    from peercert.defaults import Defaults
    from peercert.program import load_program

    spec = load_program(path)
    mastery = (mastery_threshold if mastery_threshold is not None
               else Defaults().mastery_threshold)
    result = run_program_analyze(spec, quizzes or None, out, Thresholds(mastery=mastery))
    for warning in result.warnings:
        console.print(f"[yellow]note:[/yellow] {warning}")
    _summary(console, result.analyses)
    for quiz, table in result.per_course.items():
        grid = Table(title=f"{quiz}: per course")
        for col in ("course", "site", "trainees", "mean", "SD", "alpha"):
            grid.add_column(col, justify="left" if col in ("course", "site") else "right")
        for row in table.itertuples():
            grid.add_row(row.course, row.site, str(row.trainees), _fmt(row.mean, ".1f"),
                         _fmt(row.sd, ".1f"), _fmt(row.alpha))
        console.print(grid)
    for qa in result.analyses.values():
        _flagged(console, qa)
    for quiz, files in result.files.items():
        console.print(f"{quiz}: report {files[-1]}  (CSVs in {files[-1].parent})")


@app.command("export-reflections")
def export_reflections(
    quiz: Quiz,
    course: Path = COURSE,
    out: SheetOut = None,
    with_text: WithText = False,
) -> None:
    """Write a blind grading sheet of QUIZ's reflections for a second grader.

    The second grader fills the score column (one of the listed levels) and the sheet goes
    back in with `peercert agreement QUIZ --second-grader FILE`.
    """
    from peercert.analyze import reflection_sheet
    from peercert.analyze.course import course_config
    from peercert.output import write_frame

    sheet = reflection_sheet(course, quiz, with_text=with_text)
    path = write_frame(out or course / "reports" / "second-grader" / f"{quiz}.csv", sheet,
                       modes=course_config(course).modes)
    typer.echo(f"wrote {len(sheet)} reflections to grade: {path}")
    if with_text:
        typer.secho("This sheet contains reflection text: keep it in the course.", fg="yellow")


@app.command("agreement")
def agreement(
    quiz: Quiz,
    second_grader: SecondGrader,
    course: Path = COURSE,
    weights: Weights = "quadratic",
    out: AgreementOut = None,
) -> None:
    """Agreement between the gradebook's reflection scores and a second grader's."""
    from rich.console import Console
    from rich.table import Table

    from peercert.analyze import run_agreement

    if weights not in ("quadratic", "linear"):
        _fail(f"--weights must be quadratic or linear, not {weights!r}")
    result = run_agreement(course, quiz, second_grader, weights)  # type: ignore[arg-type]
    table = Table(title=f"{quiz}: grader agreement ({result.pairs} pairs, {weights} kappa)")
    for col in ("item", "pairs", "exact agreement", "weighted kappa", "note"):
        table.add_column(col)
    for row in result.table.itertuples():
        table.add_row(row.item_id, str(row.pairs), _fmt(row.exact_agreement, ".0%"),
                      _fmt(row.weighted_kappa), row.note)
    Console().print(table)
    if result.unmatched:
        typer.echo(f"{result.unmatched} row(s) of the sheet had no score or no first-grader score")
    if out:
        from peercert.analyze.course import course_config
        from peercert.output import write_frame

        write_frame(out, result.table, float_format="%.6g", modes=course_config(course).modes)
        typer.echo(f"wrote {out}")

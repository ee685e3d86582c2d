"""The shared Typer application that every command module registers on, and its one error exit.

:class:`_Group` is the one CLI error handler: any user error raised by any command (a
:class:`peercert.errors.PeercertError`, or one of the known input errors of the bank
layer) ends as red lines on stderr and exit code 1, never a traceback. It sits in
the app itself, so every command module, including ones added later, and ``CliRunner``
tests get it for free.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

# Exceptions of modules that cannot derive from PeercertError yet (bank), by name:
# matched on the class's module and name so they need not be imported to be caught.
USER_ERRORS = {
    ("peercert.bank", "BankError"),
}


def fail(message: str, lines: list[str] | tuple[str, ...] = ()) -> NoReturn:
    """Print the problem lines and a one-line summary in red on stderr, then exit 1."""
    for line in lines:
        typer.secho(line, fg="red", err=True)
    typer.secho(message, fg="red", err=True, bold=bool(lines))
    raise typer.Exit(1)


def is_user_error(exc: BaseException) -> bool:
    from peercert.errors import PeercertError

    return isinstance(exc, PeercertError) or any(
        (k.__module__, k.__name__) in USER_ERRORS for k in type(exc).__mro__)


class _Group(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not is_user_error(exc):
                raise
            problems = list(getattr(exc, "problems", []) or [])
            fail(str(exc) or type(exc).__name__, problems[:200] if len(problems) > 1 else [])


app = typer.Typer(
    name="peercert",
    help="Train and certify Peer Support Specialists with Jupyter and nbgrader.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)

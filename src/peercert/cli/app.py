"""The shared Typer application that every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="peercert",
    help="Train and certify Peer Support Specialists with Jupyter and nbgrader.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

"""Program commands: ``peercert program apply`` (deploy/README.md)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from peercert.cli.app import app, fail

program_app = typer.Typer(help="A state program's courses, rosters and hub (program.toml).",
                          no_args_is_help=True)
app.add_typer(program_app, name="program")


@program_app.command("apply")
def apply(
    program_file: Path = typer.Argument(..., help="The program file (program.toml)."),
    hub_url: str = typer.Option(None, "--hub-url", envvar="PEERCERT_HUB_URL",
                                help="The hub, e.g. http://127.0.0.1:8081 (its API is "
                                     "<url>/hub/api). Without it the hub is left alone."),
    hub_token: str = typer.Option(None, "--hub-token",
                                  help="The peercert-apply service's API token, or env:NAME "
                                       "(default env:PEERCERT_HUB_TOKEN)."),
    unix_users: bool = typer.Option(False, "--unix-users",
                                    help="Create Unix accounts and course groups and set "
                                         "folder rights (run as root)."),
    numeric_ids: bool = typer.Option(False, "--numeric-ids",
                                     help="Kubernetes: set the same folder rights by the "
                                          "numeric gids the hub's spawn hook gives each "
                                          "course's pods; creates no account (run as root "
                                          "where the courses and exchange volumes are "
                                          "mounted). Not with --unix-users."),
    release: bool = typer.Option(False, "--release",
                                 help="Release each course's quizzes not released yet."),
) -> None:
    """Create what program.toml declares: course folders, accounts, hub users and groups."""
    from peercert.deploy import apply_program
    from peercert.deploy.hubapi import HubClient
    from peercert.program import load_program

    program = load_program(program_file)
    hub = None
    if hub_url:
        token = hub_token or "env:PEERCERT_HUB_TOKEN"
        if token.startswith("env:"):
            token = os.environ.get(token.removeprefix("env:"), "")
            if not token:
                fail(f"no hub token: set {(hub_token or 'env:PEERCERT_HUB_TOKEN')[4:]} "
                     "or pass --hub-token")
        hub = HubClient(hub_url, token)
    if unix_users and numeric_ids:
        fail("--unix-users (machine accounts) and --numeric-ids (Kubernetes pods) exclude "
             "each other: choose one")
    if unix_users and os.geteuid() != 0:
        fail("--unix-users creates accounts and sets folder owners: run it as root")
    if numeric_ids and os.geteuid() != 0:
        fail("--numeric-ids sets folder owners and groups: run it as root (in Kubernetes, a "
             "Job or pod with runAsUser 0 that mounts the courses and exchange volumes)")
    changes = apply_program(program, hub=hub, unix_users=unix_users, numeric_ids=numeric_ids,
                            release=release, say=typer.echo)
    typer.echo(f"{program.name}: {len(changes)} change(s)" if changes
               else f"{program.name}: nothing to change, everything already matches")


@program_app.command("ids")
def ids(
    program_file: Path = typer.Argument(..., help="The program file (program.toml)."),
    hub_values: bool = typer.Option(False, "--hub-values",
                                    help="Print only Helm values that put the hub pod in "
                                         "every course's instructors' gid (its readiness "
                                         "service reads the course folders): "
                                         "helm ... -f values.yaml -f <this output>."),
) -> None:
    """Kubernetes: the numeric uid of each person's pods and the gids of each course, as the
    spawn hook gives them and `apply --numeric-ids` sets them (deploy/k8s/README.md)."""
    import yaml

    from peercert.deploy import names
    from peercert.program import load_program

    program = load_program(program_file)
    courses = [c.id for c in program.courses]
    if hub_values:
        typer.echo(f"# {program.name}: the hub pod reads every course folder (readiness)\n"
                   + yaml.safe_dump({"hub": {"podSecurityContext": {
                       "supplementalGroups": list(names.hub_gids(courses))}}},
                       default_flow_style=None, sort_keys=False), nl=False)
        return
    people = program.people
    listing = {"users": {u: names.user_uid(u) for u in people},
               "courses": {c: {"members": names.course_gid(c),
                               "instructors": names.instructor_gid(c)} for c in courses},
               "hub_pod": list(names.hub_gids(courses))}
    typer.echo(f"# {program.name}: numeric ids on Kubernetes (every pod's group: "
               f"{names.POD_GID})\n" + yaml.safe_dump(listing, default_flow_style=None,
                                                      sort_keys=False), nl=False)
    for clash in names.id_collisions(people, courses):
        typer.secho(f"collision: {clash}", fg="red", err=True)

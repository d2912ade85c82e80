"""Commands that run the web application: serve, demo, worker, audit, token, manage."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def setup_django(mode: str | None = None) -> None:
    """Configure Django once; ``mode`` sets CONCORD_MODE when it is not set already."""
    if mode is not None:
        os.environ.setdefault("CONCORD_MODE", mode)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.web.settings")
    import django

    django.setup()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web processes (production mode, gunicorn).")] = 2,
) -> None:
    """Serve Concord: gunicorn in production mode, Django's server otherwise."""
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if settings.PRODUCTION:
        from gunicorn.app.wsgiapp import run

        sys.argv = [
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "concord.web.wsgi:application",
        ]
        run()
        return
    call_command("runserver", f"{host}:{port}", use_reloader=False)


def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reset: Annotated[
        bool, typer.Option(help="Delete the demo database and build it anew.")
    ] = False,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server.")
    ] = True,
) -> None:
    """Build the synthetic demo clinic on the embedded SQLite database and serve it."""
    os.environ.setdefault("CONCORD_DATA_DIR", os.path.join(os.getcwd(), "var", "demo"))
    os.environ["CONCORD_MODE"] = "demo"
    if reset:
        from pathlib import Path

        for suffix in ("", "-wal", "-shm"):
            Path(os.environ["CONCORD_DATA_DIR"], "concord.sqlite3" + suffix).unlink(missing_ok=True)
    setup_django("demo")
    from django.core.management import call_command

    from concord.web.demo.build import DEMO_PASSWORD, build_demo_clinic, demo_people

    call_command("migrate", interactive=False, verbosity=0)
    result = build_demo_clinic()
    state = "built" if result.created else "already present"
    console.print(
        f"[bold]Concord demo clinic[/bold] ({state}): {result.patients} patients, "
        f"{result.sessions} sessions. Synthetic data only."
    )
    table = Table(
        title=f"Sign in at http://{host}:{port}/  —  password for everyone: {DEMO_PASSWORD}"
    )
    table.add_column("user name")
    table.add_column("role")
    table.add_column("who")
    for person in demo_people():
        table.add_row(person.username, person.role_label, person.description)
    console.print(table)
    if serve_after:
        call_command("runserver", f"{host}:{port}", use_reloader=False)


def worker(
    once: Annotated[bool, typer.Option(help="Exit when no job is due instead of waiting.")] = False,
    max_jobs: Annotated[int | None, typer.Option(help="Exit after this many jobs.")] = None,
) -> None:
    """Claim and run due background jobs until stopped with SIGTERM or Ctrl-C."""
    setup_django()
    from concord.web.jobs.worker import run_worker

    stats = run_worker(once=once, max_jobs=max_jobs)
    console.print(
        f"worker stopped: {stats.done} done, {stats.retried} to retry, {stats.failed} failed"
    )


audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit hash chain and report the first broken row."""
    setup_django()
    from concord.web.audit.chain import verify

    report = verify()
    if report.ok:
        console.print(f"audit chain intact: {report.rows_checked} rows checked")
        return
    console.print(
        f"[red]audit chain broken at row {report.first_broken_id}[/red]: {report.reason} "
        f"({report.rows_checked} rows before it are intact)"
    )
    raise typer.Exit(1)


token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "integration",
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = 365,
) -> None:
    """Issue a bearer token; its secret is printed once and only its hash is stored."""
    setup_django()
    from datetime import timedelta

    from django.utils import timezone

    from concord.web.accounts.models import ApiToken, User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        console.print(f"[red]no active user named {username!r}[/red]")
        raise typer.Exit(2)
    expires = timezone.now() + timedelta(days=days) if days else None
    _token, secret = ApiToken.issue(user, name, expires)
    console.print(secret, highlight=False, soft_wrap=True)


def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. ``concord manage migrate``."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["concord manage", *ctx.args])


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(demo)
    app.command()(worker)
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(manage)
    app.add_typer(audit_app, name="audit")
    app.add_typer(token_app, name="token")

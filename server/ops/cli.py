"""Operator commands: ``doorstep audit verify``, ``doorstep privacy rotate-keys|sweep``,
``doorstep report``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from server.audit import log as audit_service
from server.core.clock import as_utc
from server.core.settings import get_settings
from server.core.uow import Parts, UnitOfWork
from server.files import service as files_service
from server.ops import dashboard
from server.ops.report import render
from server.privacy import service as privacy_service

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
privacy_app = typer.Typer(help="Encryption keys and retention.", no_args_is_help=True)


def _unit_of_work(parts: Parts | None = None):  # noqa: ANN202
    return UnitOfWork.begin(parts or Parts.from_settings(get_settings()))


@audit_app.command("verify")
def audit_verify(
    expect_head: str = typer.Option("", help="a head hash kept from an earlier run"),
) -> None:
    """Re-hash the whole chain; exit 1 at the first entry that does not fit."""

    with _unit_of_work() as uow:
        result = audit_service.verify(uow, expect_head=expect_head or None)
    if result.ok:
        typer.echo(f"audit log intact: {result.checked} entries; head {result.head}")
        return
    typer.echo(
        f"AUDIT LOG TAMPERED at seq {result.first_bad_seq}: {result.reason} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    raise typer.Exit(1)


@privacy_app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every encrypted column and stored file under the first key of
    DOORSTEP_ENCRYPTION_KEYS (files written in clear by older versions are sealed too)."""

    parts = Parts.from_settings(get_settings())
    counts = privacy_service.rotate_keys(engine=parts.engine, cipher=parts.cipher)
    for column, n in counts.items():
        typer.echo(f"{column}: {n} re-encrypted")
    with _unit_of_work(parts) as uow:
        sealed = files_service.reseal_all(uow, files_dir=parts.settings.files_dir)
    typer.echo(f"files: {sealed} sealed anew")
    typer.echo(f"done; every value and file is now under key {parts.cipher.primary_key_id}")


@privacy_app.command("sweep")
def privacy_sweep() -> None:
    """Unbind expired virtual numbers and apply retention now."""

    with _unit_of_work() as uow:
        unbound = privacy_service.unbind_expired(uow)
        retention = get_settings().idempotency_retention_hours
        purged = privacy_service.purge_expired(uow, idempotency_retention_hours=retention)
    typer.echo(f"unbound {len(unbound)} virtual numbers; purged {purged}")


def report(
    out: Path = typer.Option(
        Path("report"), help="folder for report.html, the PNG charts and summary.json"
    ),
    days: int = typer.Option(7, min=1, max=366, help="window length ending now (or --to)"),
    to: str = typer.Option("", help="window end, ISO 8601 (default: now)"),
) -> None:
    """Render the operations dashboards into an HTML report with PNG charts."""
    from datetime import UTC, timedelta

    until = as_utc(datetime.fromisoformat(to)) if to else datetime.now(UTC)
    with _unit_of_work() as uow:
        summary = dashboard.summary(uow, since=until - timedelta(days=days), until=until)
    path = render(summary, out)
    typer.echo(f"report written to {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(privacy_app, name="privacy")
    app.command("report")(report)

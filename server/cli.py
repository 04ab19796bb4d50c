"""The ``doorstep`` command."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
import yaml

from server import bootstrap
from server.apps_runner import run_apps
from server.auth.models import RegisterIn, Role
from server.catalog import service as catalog_service
from server.core.errors import AppError
from server.core.install_secrets import refuses_to_listen
from server.core.migrate import upgrade
from server.core.settings import get_settings
from server.core.uow import Parts, UnitOfWork
from server.demo import seed_demo as run_seed
from server.flows import accounts
from server.job_worker import run_job_worker
from server.ops.cli import register as _register_ops
from server.ops.replay import chart
from server.ops.replay import service as replays
from server.ops.replay.metrics import table

app = typer.Typer(help="Doorstep: on-demand home services.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
def migrate(revision: str = "head") -> None:
    """Create or upgrade the database schema (Alembic)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url, revision)
    typer.echo(f"database at {revision}: {settings.effective_database_url}")


@app.command("load-catalog")
def load_catalog() -> None:
    """Load or refresh the service catalog from assets/catalog.yaml."""
    with UnitOfWork.begin(Parts.from_settings(get_settings())) as uow:
        counts = catalog_service.load_catalog(uow)
    typer.echo(f"catalog: {counts['categories']} categories, {counts['services']} services")


def _may_listen_on(host: str) -> None:
    """Beyond this machine only with secrets nobody else can read."""
    if reason := refuses_to_listen(host, get_settings()):
        typer.echo(reason, err=True)
        raise typer.Exit(2)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API server."""
    import uvicorn

    _may_listen_on(host)
    # access_log=False: uvicorn's own access log prints query strings (a feed token in
    # ?token=); the app's access log (doorstep.access) records the path alone. The HTTP
    # protocol closes connections that never finish a request head (server.core.http_protocol).
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=get_settings().forwarded_allow_ips,
        access_log=False,
        http="server.core.http_protocol:HeadDeadlineProtocol",
    )


@users_app.command("create")
def users_create(
    role: str = typer.Option(
        ..., help="operator | support | finance | admin | quality_inspector | customer | technician"
    ),
    phone: str = typer.Option(...),
    password: str = typer.Option(...),
    name: str = typer.Option(...),
) -> None:
    """Create an account (the only way to create staff accounts)."""
    from pydantic import ValidationError

    settings = get_settings()
    try:
        body = RegisterIn(phone=phone, password=password, name=name, role=Role(role))
    except ValueError as exc:  # an unknown role, or a phone/password the API would refuse
        problems = exc.errors() if isinstance(exc, ValidationError) else [{"msg": str(exc)}]
        for problem in problems:
            typer.echo(f"refused: {problem['msg']}", err=True)
        raise typer.Exit(2) from exc
    try:
        with UnitOfWork.begin(Parts.from_settings(settings)) as uow:
            user = accounts.open_account(
                uow, phone=body.phone, password=body.password, name=body.name, role=body.role
            )
    except AppError as exc:
        typer.echo(f"refused: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"created {user.role} {user.id}")


@app.command("seed-demo")
def seed_demo() -> None:
    """Load the catalog and a demo district (technicians, customers, staff, past orders)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with UnitOfWork.begin(Parts.from_settings(settings)) as uow:
        result = run_seed(uow)
    if result.already_seeded:
        typer.echo("demo data already seeded; nothing changed")
    else:
        typer.echo("demo data seeded: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
    typer.echo("demo accounts (role, phone, password):")
    for account in result.accounts:
        typer.echo(
            f"  {account['role']:<17} {account['phone']:<25} "
            f"{account['password']:<10} {account['name']}"
        )


@app.command()
def apps(
    host: str = "127.0.0.1",
    port: int = 8000,
    customer_port: int = typer.Option(8550, "--customer-port"),
    technician_port: int = typer.Option(8551, "--technician-port"),
) -> None:
    """Serve the API and both web apps side by side (Ctrl-C stops all)."""
    _may_listen_on(host)
    raise typer.Exit(
        run_apps(
            host=host,
            port=port,
            customer_port=customer_port,
            technician_port=technician_port,
            echo=typer.echo,
        )
    )


@app.command()
def worker(concurrency: int = 4) -> None:
    """Run the background jobs (dispatch rounds, deadlines, sweeps, payouts) until stopped.

    Needs PostgreSQL (the queue is its table); on SQLite the server runs the jobs itself.
    Start as many as you like: periodic jobs still run once per period."""
    settings = get_settings()
    if not settings.effective_database_url.startswith("postgresql"):
        typer.echo("doorstep worker needs PostgreSQL; on SQLite `doorstep serve` runs the jobs")
        raise typer.Exit(2)
    run_job_worker(settings, concurrency=concurrency)


def _boundary(value: str, *, timezone: str, end: bool) -> datetime:
    """A local day (its midnight; the day after it for ``end``: the last day counts) or an
    ISO time with its zone."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise typer.BadParameter(f"{value}: give a day or a time with its zone") from None
        return moment
    midnight = datetime.combine(day + timedelta(days=1 if end else 0), time(), ZoneInfo(timezone))
    return midnight.astimezone(UTC)


@app.command()
def replay(
    period_from: str = typer.Option(..., "--from", help="first day (YYYY-MM-DD) or ISO time"),
    period_to: str = typer.Option(..., "--to", help="last day (included) or ISO time"),
    rules: Path | None = typer.Option(None, help="YAML or JSON: rules to try, over the current"),
    png: Path | None = typer.Option(None, help="write the comparison chart here"),
    seed: int = 7,
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """What-if: dispatch a past period's orders again under other rules, and compare."""
    settings = get_settings()
    tz = settings.timezone
    start = _boundary(period_from, timezone=tz, end=False)
    end = _boundary(period_to, timezone=tz, end=True)
    tried = yaml.safe_load(rules.read_text(encoding="utf-8")) if rules else {}
    try:
        with UnitOfWork.begin(Parts.from_settings(settings), write=False) as uow:
            result = replays.replay(uow, start=start, end=end, rules=tried or {}, seed=seed)
    except AppError as exc:
        typer.echo(f"{exc.code}: {exc.message} {exc.details or ''}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else table(result))
    if png is not None:
        png.write_bytes(chart.png(result))
        typer.echo(f"chart: {png}")


_register_ops(app)  # audit verify, privacy rotate-keys|sweep, report


def main() -> None:
    bootstrap.wire()
    app()


if __name__ == "__main__":
    main()

"""The ``doorstep`` command."""

from __future__ import annotations

import typer

from server.core.settings import get_settings

app = typer.Typer(help="Doorstep: on-demand home services.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
def migrate(revision: str = "head") -> None:
    """Create or upgrade the database schema (Alembic)."""
    from server.core.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url, revision)
    typer.echo(f"database at {revision}: {settings.effective_database_url}")


@app.command("load-catalog")
def load_catalog() -> None:
    """Load or refresh the service catalog from assets/catalog.yaml."""
    from server.catalog import service as catalog_service
    from server.core.db import make_engine, session_scope

    with session_scope(make_engine(get_settings().effective_database_url)) as session:
        counts = catalog_service.load_catalog(session=session)
    typer.echo(f"catalog: {counts['categories']} categories, {counts['services']} services")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API server."""
    import uvicorn

    uvicorn.run("server.asgi:app", host=host, port=port, workers=workers, log_level="info")


@users_app.command("create")
def users_create(
    role: str = typer.Option(..., help="operator | support | finance | admin | customer | technician"),
    phone: str = typer.Option(...),
    password: str = typer.Option(...),
    name: str = typer.Option(...),
) -> None:
    """Create an account (the only way to create staff accounts)."""
    from server.auth import service as auth_service
    from server.auth.models import RegisterIn, Role
    from server.core.clock import SystemClock
    from server.core.db import make_engine, session_scope
    from server.privacy.crypto import FieldCipher

    settings = get_settings()
    body = RegisterIn(phone=phone, password=password, name=name, role=Role(role))
    cipher = FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)
    with session_scope(make_engine(settings.effective_database_url)) as session:
        user = auth_service.create_user(session=session, cipher=cipher, clock=SystemClock(), phone=body.phone,
                                        password=body.password, name=body.name, role=body.role)
        session.commit()
        typer.echo(f"created {user.role} {user.id}")


@app.command("seed-demo")
def seed_demo() -> None:
    """Load the catalog and a demo district (technicians, customers, staff, past orders)."""
    from server.core.clock import SystemClock
    from server.core.db import make_engine, session_scope
    from server.demo import seed_demo as run_seed
    from server.privacy.crypto import FieldCipher

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cipher = FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)
    with session_scope(make_engine(settings.effective_database_url)) as session:
        result = run_seed(session, cipher, SystemClock(), settings)
    if result.already_seeded:
        typer.echo("demo data already seeded; nothing changed")
    else:
        typer.echo("demo data seeded: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
    typer.echo("demo accounts (role, phone, password):")
    for account in result.accounts:
        typer.echo(f"  {account['role']:<10} {account['phone']:<25} {account['password']:<10} {account['name']}")


@app.command()
def apps(
    host: str = "127.0.0.1",
    port: int = 8000,
    customer_port: int = typer.Option(8550, "--customer-port"),
    technician_port: int = typer.Option(8551, "--technician-port"),
) -> None:
    """Serve the API and both web apps side by side (Ctrl-C stops all)."""
    from server.apps_runner import run_apps

    raise typer.Exit(run_apps(host=host, port=port, customer_port=customer_port,
                              technician_port=technician_port, echo=typer.echo))


@app.command()
def simulate(
    hours: float = typer.Option(4.0, help="simulated hours"),
    orders_per_hour: float = typer.Option(12.0, "--orders-per-hour"),
    mode: str = typer.Option("cascade", help="cascade | batch | pool"),
    seed: int = typer.Option(7),
    db: str = typer.Option("", help="SQLite file to use (default: a fresh temporary one)"),
    out: str = typer.Option("bench/out/simulation.json", help="where to write the report"),
) -> None:
    """Run the demo district through simulated hours of bookings and dispatch."""
    import tempfile
    from pathlib import Path

    from sqlmodel import SQLModel

    import server.models  # noqa: F401
    from server.core.db import make_engine
    from server.dispatch.simulation import SimConfig, simulate as run_simulation, summary_lines, write_report

    if mode not in ("cascade", "batch", "pool"):
        raise typer.BadParameter("mode is cascade, batch or pool")
    base = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(db) if db else Path(tmp) / "simulation.db"
        settings = base.model_copy(update={"data_dir": path.parent, "background_tasks": False})
        engine = make_engine(f"sqlite:///{path}")
        SQLModel.metadata.create_all(engine)
        report = run_simulation(
            engine=engine,
            settings=settings,
            config=SimConfig(hours=hours, orders_per_hour=orders_per_hour, mode=mode, seed=seed),
            echo=typer.echo,
        )
        engine.dispose()
    for line in summary_lines(report):
        typer.echo(line)
    write_report(report, Path(out))
    typer.echo(f"report written to {out}")


from server.ops.cli import register as _register_ops  # noqa: E402

_register_ops(app)  # audit verify, privacy rotate-keys|sweep, report


def main() -> None:
    app()


if __name__ == "__main__":
    main()

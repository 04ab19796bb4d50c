"""The ``doorstep-simulate`` command: a simulated day of the demo district, the dispatch
policies side by side (``simulation.compare``)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from server.core.settings import get_settings
from simulation.compare import POLICIES, compare, compare_table, write_compare
from simulation.report import summary_lines
from simulation.world import SimConfig

app = typer.Typer(help="Doorstep's city simulation.", add_completion=False)


@app.command()
def simulate(
    technicians: int = typer.Option(
        0, help="online technicians: the demo district's trade mix scaled (0: as seeded, 32)"
    ),
    orders: int = typer.Option(0, help="bookings over the run (0: --orders-per-hour decides)"),
    orders_per_hour: float = typer.Option(
        12.0, "--orders-per-hour", help="booking rate at an ordinary daytime hour (peaks ~1.8x)"
    ),
    hours: float = typer.Option(6.0, help="simulated hours of bookings"),
    start_hour: float = typer.Option(8.5, help="local time the day starts (8.5 = 08:30)"),
    seed: int = typer.Option(7),
    mode: str = typer.Option("all", help="all | nearest | cascade | batch"),
    out: str = typer.Option("bench/out", help="directory for simulation.json and simulation.png"),
    workdir: str = typer.Option("", help="keep the SQLite databases here (default: temporary)"),
) -> None:
    """Simulate a day of the demo district through the real dispatch code, comparing
    nearest-first, the weighted cascade and batch assignment (or one with --mode)."""
    policies = tuple(POLICIES) if mode == "all" else (mode,)
    if any(p not in POLICIES for p in policies):
        raise typer.BadParameter("mode is all, " + ", ".join(POLICIES))
    base = get_settings().model_copy(update={"background_tasks": False})
    day = datetime(2026, 6, 1, tzinfo=ZoneInfo(base.timezone))  # a Monday
    config = SimConfig(
        hours=hours,
        orders=orders or None,
        orders_per_hour=orders_per_hour,
        technicians=technicians or None,
        seed=seed,
        start=(day + timedelta(hours=start_hour)).astimezone(ZoneInfo("UTC")),
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(workdir) if workdir else Path(tmp)
        reports = compare(
            settings=base, config=config, workdir=work, policies=policies, echo=typer.echo
        )
    for name, report in reports.items():
        typer.echo(f"--- {name}")
        for line in summary_lines(report):
            typer.echo("  " + line)
    typer.echo("")
    for line in compare_table(reports):
        typer.echo(line)
    json_path, png_path = Path(out) / "simulation.json", Path(out) / "simulation.png"
    write_compare(reports, json_path, png_path)
    typer.echo(f"report written to {json_path} and {png_path}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

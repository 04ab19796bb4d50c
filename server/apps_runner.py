"""``doorstep apps``: the API server and both web apps side by side, for trying it out.

Starts uvicorn for the server, then ``python -m customer_app --web`` and ``python -m
technician_app --web`` pointed at it, prints where they are and the demo accounts, and
stops all three on Ctrl-C (or when any of them exits).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120.0


def _wait_http(url: str, proc: subprocess.Popen, name: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer at {url} within {timeout:.0f}s")


def demo_accounts() -> list[tuple[str, str, str]]:
    """The first demo customer and technician of ``doorstep seed-demo`` (assets/demo_city.yaml)."""
    path = ROOT / "assets" / "demo_city.yaml"
    if not path.exists():
        return []
    seed = (yaml.safe_load(path.read_text("utf-8")) or {}).get("demo_seed") or {}
    blocks, passwords = seed.get("phone_blocks") or {}, seed.get("passwords") or {}
    out = []
    for role in ("customer", "technician"):
        if role in blocks and role in passwords:
            out.append((role, str(int(blocks[role]) + 1), str(passwords[role])))
    out += [
        (s["role"], str(s["phone"]), str(passwords.get("staff", "")))
        for s in seed.get("staff", [])[:2]
    ]
    return out


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop(procs: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for _name, proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def run_apps(*, host: str, port: int, customer_port: int, technician_port: int, echo=print) -> int:  # noqa: ANN001
    server_url = f"http://{host}:{port}"
    # Ctrl-C and a plain `kill` both stop everything in order (a shell may have started
    # this process with SIGINT ignored, e.g. as a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    env = {**os.environ, "DOORSTEP_SERVER_URL": server_url, "PYTHONUNBUFFERED": "1"}
    procs: list[tuple[str, subprocess.Popen]] = []

    def spawn(name: str, args: list[str]) -> subprocess.Popen:
        # own process groups: Ctrl-C reaches this runner, which stops them in order
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, start_new_session=True)
        procs.append((name, proc))
        return proc

    try:
        server = spawn("server", ["-m", "server.cli", "serve", "--host", host, "--port", str(port)])
        _wait_http(f"{server_url}/healthz", server, "server")
        apps = {
            "customer app": (
                customer_port,
                spawn(
                    "customer app",
                    [
                        "-m",
                        "customer_app",
                        "--web",
                        "--host",
                        host,
                        "--port",
                        str(customer_port),
                        "--server",
                        server_url,
                    ],
                ),
            ),
            "technician app": (
                technician_port,
                spawn(
                    "technician app",
                    [
                        "-m",
                        "technician_app",
                        "--web",
                        "--host",
                        host,
                        "--port",
                        str(technician_port),
                        "--server",
                        server_url,
                    ],
                ),
            ),
        }
        for name, (app_port, proc) in apps.items():
            _wait_http(f"http://{host}:{app_port}/", proc, name)
        echo("")
        echo(f"  API server      {server_url}   (OpenAPI: {server_url}/docs)")
        echo(f"  customer app    http://{host}:{customer_port}/")
        echo(f"  technician app  http://{host}:{technician_port}/")
        accounts = demo_accounts()
        if accounts:
            echo("  demo accounts (role, phone, password):")
            for role, phone, password in accounts:
                echo(f"    {role:<11} {phone:<13} {password}")
        echo("  Ctrl-C stops all three.")
        while all(proc.poll() is None for _name, proc in procs):
            time.sleep(0.5)
        gone = [name for name, proc in procs if proc.poll() is not None]
        echo(f"stopping: {', '.join(gone)} exited")
        return 1
    except KeyboardInterrupt:
        echo("\nstopping…")
        return 0
    finally:
        _stop(procs)

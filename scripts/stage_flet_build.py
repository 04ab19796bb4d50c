"""Stage one app as a self-contained folder that ``flet build`` can package.

``flet build apk|aab|ipa|linux|macos|windows|web`` packages one folder: its
``pyproject.toml``, a ``main.py`` it runs, the Python packages beside it and ``assets/``.
In this repository an app is a package (``technician_app``) that imports the shared
``client`` package and reads the shared fonts, so neither works from the app's folder
alone. This copies what the app needs into ``build/<app>/``:

    build/technician_app/
      pyproject.toml      the app's own (name, permissions, product name)
      main.py             the app's ``__main__.py`` (what ``python -m technician_app`` runs)
      technician_app/     the app package
      client/             the shared API client
      assets/fonts/       the bundled fonts (Chinese, and the symbols it lacks, with no CDN)
      assets/sounds/      the technician's offer chime

Then: ``cd build/technician_app && flet build apk`` (Flutter SDK required).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("technician_app", "customer_app")
# The shared assets the apps read at run time (not the server's catalog and city data).
SHARED_ASSETS = ("fonts", "sounds")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "pyproject.toml")


def stage(app: str, out: Path) -> Path:
    """Copy ``app``, ``client`` and the shared assets into ``out`` (replaced if it exists)."""
    if app not in APPS:
        raise ValueError(f"unknown app {app!r}; one of {', '.join(APPS)}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(ROOT / app, out / app, ignore=IGNORE)
    shutil.copytree(ROOT / "client", out / "client", ignore=IGNORE)
    for folder in SHARED_ASSETS:
        shutil.copytree(ROOT / "assets" / folder, out / "assets" / folder)
    shutil.copy2(ROOT / app / "pyproject.toml", out / "pyproject.toml")
    shutil.copy2(ROOT / app / "__main__.py", out / "main.py")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", choices=APPS)
    parser.add_argument("--out", type=Path, help="default: build/<app>")
    args = parser.parse_args(argv)
    out = stage(args.app, args.out or ROOT / "build" / args.app)
    print(f"staged {args.app} in {out}; next: cd {out} && flet build apk")
    return 0


if __name__ == "__main__":
    sys.exit(main())

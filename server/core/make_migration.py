"""Write a new Alembic revision from the difference between the models and the
migrations so far (developer tool: ``python -m server.core.make_migration "message"``)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from server.core.migrate import alembic_config, upgrade


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.db'}"
        upgrade(url)
        command.revision(alembic_config(url), message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "schema change")

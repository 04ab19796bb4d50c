"""Background loops (``server.app._background_tasks``): one round in a worker thread,
then a pause; a failed round is logged and the next one tries again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


async def every(
    seconds: float,
    one_round: Callable[[], Any],
    *,
    what: str,
    report: Callable[[Any], None] | None = None,
) -> None:
    """Run ``one_round`` (blocking: it talks to the database) forever, ``seconds`` apart;
    ``report`` gets each round's result."""
    while True:
        try:
            result = await asyncio.to_thread(one_round)
            if report is not None:
                report(result)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("%s failed", what)
        await asyncio.sleep(seconds)

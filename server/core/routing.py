"""API routes whose sync endpoint costs one worker-thread hop, not two.

FastAPI runs a sync endpoint in the threadpool and then, because it is sync, validates
its reply in the threadpool again: two hops per request, each a GIL hand-off and a
thread wake-up. Here a sync endpoint is wrapped in a coroutine that runs it in one hop,
so FastAPI validates the reply on the event loop (a model already built by the
endpoint: little work).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def in_one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine that runs it in the threadpool (same signature, so
    FastAPI injects the same dependencies)."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class OneHopRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(path, in_one_hop(endpoint), **kwargs)


def api_router(**kwargs: Any) -> APIRouter:  # noqa: ANN401
    """An ``APIRouter`` whose routes are ``OneHopRoute``s."""
    return APIRouter(route_class=OneHopRoute, **kwargs)

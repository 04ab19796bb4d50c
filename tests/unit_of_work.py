"""Units of work for tests that call services directly (as a job or the CLI would)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from server.core.clock import Clock
from server.core.settings import Settings
from server.core.uow import Parts, UnitOfWork

TEST_SECRET = "test-secret-key-0123456789abcdef0123"


def parts_for(engine: Any, *, clock: Clock | None = None) -> Parts:  # noqa: ANN401
    """A runtime for an engine with no app (schema templates, scale fixtures)."""
    settings = Settings(env="test", secret_key=TEST_SECRET, background_tasks=False)
    return Parts.on(engine, settings, clock=clock)


@contextmanager
def unit_of_work(target: Any, *, clock: Clock | None = None) -> Iterator[UnitOfWork]:  # noqa: ANN401
    """One committed unit of work on an app (its clock, cipher and settings) or a bare
    engine; ``clock`` runs it at another time than the app's."""
    runtime = target.state if hasattr(target, "state") else parts_for(target)
    with UnitOfWork.begin(runtime) as uow:
        if clock is None:
            yield uow
        else:
            with uow.running_at(clock):
                yield uow

"""Typed wrappers over Flet hooks whose own signatures mypy cannot infer from a factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import flet as ft
from flet.components.hooks.use_ref import MutableRef

T = TypeVar("T")


def use_stable(make: Callable[[], T]) -> T:
    """One object for the component's lifetime, made by ``make`` on the first render.

    For what event handlers must read or change in place without waiting for a re-render
    (``ft.use_ref`` with a factory, typed: its ``current`` is never None here)."""
    ref: MutableRef[T] = ft.use_ref()
    if ref.current is None:
        ref.current = make()
    return ref.current

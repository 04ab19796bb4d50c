"""Observable feature stores, the apps' unit of state.

Each app keeps its data in a few stores, one per feature (the customer's booking, the
order being followed, the technician's work ...). A screen subscribes to the stores it
reads, so a chat message re-renders the chat and not the booking form.

Writing a public attribute marks its store changed; the app's use cases end each step by
flushing (:meth:`StoreSet.flush`), which tells the subscribers of every changed store once.
A change made in place (``store.items.append``, a field of a dataclass in the store) is
announced with :meth:`Store.touch`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

log = logging.getLogger("client.store")

Listener = Callable[[], None]


class Store:
    """One feature's data. Subclasses declare their attributes in ``__init__``."""

    name = "store"
    _listeners: list[Listener]
    _dirty: bool

    def __init__(self) -> None:
        self._listeners = []
        self._dirty = False

    def __setattr__(self, key: str, value: Any) -> None:
        """A public attribute given a different value marks the store changed."""
        if not key.startswith("_") and not _same(getattr(self, key, _UNSET), value):
            object.__setattr__(self, "_dirty", True)
        object.__setattr__(self, key, value)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def touch(self) -> None:
        """Something inside the store changed in place."""
        self._dirty = True

    def settle(self) -> None:
        """Changes so far are told (or were the store's making)."""
        self._dirty = False

    def subscribe(self, fn: Listener) -> Callable[[], None]:
        self._listeners.append(fn)

        def dispose() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(fn)

        return dispose

    def listeners(self) -> list[Listener]:
        return list(self._listeners)


_UNSET = object()


def _same(old: Any, new: Any) -> bool:
    """An equal value is no change (a step that clears messages already clear redraws
    nothing); values that cannot be compared count as changed."""
    if old is new:
        return True
    try:
        return bool(old == new)
    except (TypeError, ValueError):
        return False


class StoreSet:
    """An app's stores, flushed together: a listener of several changed stores (a screen
    that reads the booking and the session) is told once per flush."""

    def __init__(self, stores: Iterable[Store]) -> None:
        self.stores = {store.name: store for store in stores}
        for store in self.stores.values():
            store.settle()  # filled by its constructor: nothing to tell yet
        self._everything: list[Listener] = []

    def __iter__(self) -> Iterator[Store]:
        return iter(self.stores.values())

    def subscribe(self, fn: Listener, names: Iterable[str] | None = None) -> Callable[[], None]:
        """``fn`` on a change of the named stores (all of them when ``names`` is None)."""
        if names is None:
            self._everything.append(fn)

            def dispose_all() -> None:
                with contextlib.suppress(ValueError):
                    self._everything.remove(fn)

            return dispose_all
        unknown = set(names) - set(self.stores)
        if unknown:
            raise KeyError(f"no such store: {', '.join(sorted(unknown))}")
        disposers = [self.stores[name].subscribe(fn) for name in names]

        def dispose() -> None:
            for undo in disposers:
                undo()

        return dispose

    def flush(self, *touched: Store) -> None:
        """Tell the listeners of every store changed since the last flush, each once."""
        for store in touched:
            store.touch()
        changed = [store for store in self.stores.values() if store.dirty]
        if not changed:
            return
        told: list[Listener] = []
        for store in changed:
            store.settle()
            for fn in store.listeners():
                if not any(fn is seen for seen in told):
                    told.append(fn)
        for fn in [*self._everything, *told]:
            try:
                fn()
            except Exception:  # a broken screen must not break the app's state
                log.exception("store listener failed")

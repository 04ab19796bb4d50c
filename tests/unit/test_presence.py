"""Presence (server/core/presence.py): the rule, the in-process store, which store a
deployment gets. The Redis store runs in tests/scale/test_presence_redis.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.core import presence
from server.core.db import make_engine
from server.core.presence import MemoryPresence, is_present, present_among
from server.core.settings import Settings

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
WINDOW = 90.0


def test_present_only_within_the_window() -> None:
    assert is_present(NOW, now=NOW, window_s=WINDOW)
    assert is_present(NOW - timedelta(seconds=89.9), now=NOW, window_s=WINDOW)
    assert not is_present(NOW - timedelta(seconds=90), now=NOW, window_s=WINDOW)
    assert not is_present(NOW - timedelta(hours=5), now=NOW, window_s=WINDOW)
    assert not is_present(None, now=NOW, window_s=WINDOW)


def test_a_sign_from_a_clock_a_little_ahead_counts() -> None:
    """Another worker's clock may run a little ahead of the reader's."""
    assert is_present(NOW + timedelta(seconds=2), now=NOW, window_s=WINDOW)


def test_present_among_keeps_the_recent_ones() -> None:
    seen = {
        "a": NOW - timedelta(seconds=10),
        "b": NOW - timedelta(seconds=200),
        "c": NOW,
    }
    assert present_among(seen, now=NOW, window_s=WINDOW) == {"a", "c"}
    assert present_among({}, now=NOW, window_s=WINDOW) == frozenset()


def test_memory_store_keeps_the_latest_sign_and_forgets_on_leaving() -> None:
    store = MemoryPresence(WINDOW)
    store.seen("a", NOW)
    store.seen("a", NOW - timedelta(seconds=30))  # a late-arriving older sign
    store.seen("b", NOW - timedelta(seconds=5))
    assert store.last_seen(["a", "b", "c"]) == {"a": NOW, "b": NOW - timedelta(seconds=5)}
    store.left("a")
    store.left("nobody")
    assert store.last_seen(["a", "b"]) == {"b": NOW - timedelta(seconds=5)}


def test_memory_store_drops_signs_long_past_as_new_ones_come() -> None:
    store = MemoryPresence(WINDOW)
    store.seen("old", NOW - timedelta(hours=1))
    for k in range(999):
        store.seen(f"t{k}", NOW)
    assert store.last_seen(["old"]) == {}
    assert len(store.last_seen([f"t{k}" for k in range(999)])) == 999


class _Engine:
    """Stands for an engine: the memory stores are kept per engine."""


class _Runtime:
    def __init__(self, engine, settings: Settings) -> None:  # noqa: ANN001
        self.engine = engine
        self.settings = settings


def test_each_database_has_its_own_memory_store(tmp_path) -> None:  # noqa: ANN001
    """Two apps in one process (the tests do that) never see each other's technicians."""
    settings = Settings(env="test", data_dir=tmp_path, presence_window_seconds=WINDOW)
    one = _Runtime(make_engine(f"sqlite:///{tmp_path / 'one.db'}"), settings)
    two = _Runtime(make_engine(f"sqlite:///{tmp_path / 'two.db'}"), settings)
    assert presence.store_for(one.engine, settings) is presence.store_for(one.engine, settings)
    presence.mark_seen(one, "t1", NOW)
    assert presence.present(one, ["t1", "t2"], NOW + timedelta(seconds=30)) == {"t1"}
    assert presence.present(two, ["t1"], NOW) == frozenset()
    assert presence.present(one, ["t1"], NOW + timedelta(seconds=WINDOW)) == frozenset()
    assert presence.last_seen(one, ["t1"]) == {"t1": NOW}
    assert presence.present(one, [], NOW) == frozenset()
    one.engine.dispose()
    two.engine.dispose()


def test_a_redis_deployment_gets_the_redis_store(tmp_path) -> None:  # noqa: ANN001
    """Chosen as the rate limits choose: the broker's Redis, or DOORSTEP_REDIS_URL (no
    connection is made until the store is used)."""
    settings = Settings(env="test", data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0")
    store = presence.store_for(_Engine(), settings)
    assert isinstance(store, presence.RedisPresence)
    assert store.expiry_s > settings.presence_window_seconds
    plain = Settings(env="test", data_dir=tmp_path)
    assert isinstance(presence.store_for(_Engine(), plain), MemoryPresence)

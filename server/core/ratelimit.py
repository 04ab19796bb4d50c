"""Fixed-window rate limits: in memory by default, Redis when configured.

Used for logins (per phone and per IP) and technician location posts. With several
workers the Redis limiter is the one that counts across processes.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from server.core.errors import TooManyRequests


class RateLimiter(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        """Count one hit; return how many hits the window holds now."""
        ...

    def reset(self, key: str) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        window = int(time.time()) // window_seconds
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[key] = (start, count)
            return count

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        window = int(time.time()) // window_seconds
        name = f"doorstep:rl:{key}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_seconds + 1)
        count, _ = pipe.execute()
        return int(count)

    def reset(self, key: str) -> None:
        for name in self._redis.scan_iter(f"doorstep:rl:{key}:*"):
            self._redis.delete(name)


def make_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()


def enforce(limiter: RateLimiter, key: str, *, limit: int, window_seconds: int) -> None:
    if limiter.hit(key, limit=limit, window_seconds=window_seconds) > limit:
        raise TooManyRequests(
            "too many attempts, try again later",
            details={"retry_after": window_seconds},
        )

"""Shared client of the Doorstep server for both apps (HTTP API and live feed)."""

from client.api import (
    ApiError,
    BadReplyError,
    DoorstepClient,
    DoorstepError,
    NetworkError,
    Session,
    new_idempotency_key,
)
from client.feed import FeedState, LiveFeed

__all__ = [
    "ApiError",
    "BadReplyError",
    "DoorstepClient",
    "DoorstepError",
    "FeedState",
    "LiveFeed",
    "NetworkError",
    "Session",
    "new_idempotency_key",
]

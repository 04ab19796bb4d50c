"""Deployment settings of the live feed (env prefix ``DOORSTEP_REALTIME_``).

The broker URL itself is the shared ``DOORSTEP_BROKER_URL`` (server.core.settings).
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class RealtimeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOORSTEP_REALTIME_", env_file=".env", extra="ignore"
    )

    heartbeat_seconds: float = 20.0  # server pings this often; silence for 3x closes the socket
    hello_wait_seconds: float = 2.0  # live delivery waits this long for the client's resume message
    auth_wait_seconds: float = 10.0  # without a token in the URL, the first message must bring one
    queue_size: int = 1000  # per connection; a client this far behind is dropped and resumes
    replay_limit: int = 5000  # events replayed per resume at most (the client resumes again)
    replay_lookback_ids: int = 500  # global-cursor slack for events committed out of id order
    location_retention_days: int = 30
    location_posts_per_minute: int = 30
    location_points_per_post: int = 100
    location_sweep_seconds: float = 3600.0
    chat_text_max: int = 1000
    chat_posts_per_minute: int = 30
    channel: str = "doorstep:feed"

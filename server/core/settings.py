"""Process settings from the environment (prefix ``DOORSTEP_``).

These are the settings of a deployment (where the database is, secrets, limits).
Business rules an operator edits at run time (prices, commission, dispatch weights)
live in the database as versioned rules: see ``server.rules``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.core.install_secrets import with_install_secrets

# The values an installation used before it made its own (server.core.install_secrets):
# printed here, so never to be trusted beyond this machine.
DEV_SECRET_KEY = "dev-secret-change-me-0123456789abcdef"
PUBLIC_SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", env_file=".env", extra="ignore")

    env: str = "dev"  # dev | test | prod
    data_dir: Path = Path("./data")
    database_url: str = ""  # empty: SQLite file under data_dir
    broker_url: str = ""  # empty: in-process broker; redis://... to share across workers
    redis_url: str = ""  # rate limits; defaults to broker_url when that is redis
    # Empty: made on first start and kept in data_dir (server.core.install_secrets).
    secret_key: str = ""
    # 32-byte key, base64 (urlsafe); several comma-separated keys allow rotation: the
    # first encrypts, all decrypt. Empty in dev: derived from secret_key.
    encryption_keys: str = ""
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    upload_max_bytes: int = 8 * 1024 * 1024
    # Idempotency records commit with their request's effect; purged after retention.
    idempotency_retention_hours: int = 24
    sandbox_payments: bool = True
    sandbox_webhook_secret: str = ""  # empty: made on first start, as secret_key
    login_attempts_per_phone: int = 5  # per account and client
    # sign-up needs a code texted to the phone (server/auth/phone_codes.py); the sandbox
    # provider sends nothing and hands the code back in the reply
    phone_verification: bool = True
    sms_provider: str = "sandbox"
    # The notification centre's outside channels (server/notifications/channels.py):
    # sandbox (records what it would send) or smtp for e-mail; sandbox for app push.
    email_provider: str = "sandbox"
    push_provider: str = "sandbox"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    email_from: str = "Doorstep <no-reply@doorstep.local>"
    phone_codes_per_ip_per_hour: int = 20
    login_attempts_per_ip: int = 30
    login_window_seconds: int = 300
    # Background jobs (server/core/jobs.py): dispatch, deadlines, auto-confirm, sweeps.
    # background_tasks=False: this process runs none (tests drive them by hand).
    background_tasks: bool = True
    background_interval_seconds: float = 1.0  # the offer-deadline and auto-confirm sweeps
    # Whether the web server runs the jobs itself: unset, it does on SQLite (the queue is in
    # its memory) and leaves them to `doorstep worker` on PostgreSQL.
    jobs_in_web: bool | None = None
    job_stalled_after_seconds: float = 15.0  # a worker silent this long is taken for dead
    # A technician is present (offers reach him) while his app showed a sign of life this
    # recently: the live connection's heartbeat (20 s), a location report (60 s while
    # waiting for orders), going online (server/core/presence.py).
    presence_window_seconds: float = Field(default=90.0, gt=0)
    log_json: bool = False
    # browsers on other origins allowed to call the API (a web console elsewhere); the
    # apps call it from their own process, so none by default
    cors_origins: list[str] = Field(default_factory=list)
    metrics_token: str = ""  # /metrics: this bearer token, or (unset) this machine only
    # Load balancers whose X-Forwarded-For is believed (comma-separated IPs, or "*"): the
    # client address behind them is what per-IP login limits and the audit log see.
    forwarded_allow_ips: str = "127.0.0.1"
    # Address search (server/geo): local (the embedded gazetteer) | nominatim | baidu | amap
    geocoder: str = "local"
    geocoder_key: str = ""  # Baidu's AK or Amap's key
    geocoder_url: str = ""  # another host for the provider (a proxy; the tests' fakes)
    geocoder_timeout_seconds: float = 3.0
    geocoder_requests_per_minute: int = 60  # per user: search-as-you-type, not scraping
    # per technician: an area is set up once and adjusted now and then; moving it over and
    # over (to triangulate homes from offer distances) is refused
    service_area_changes_per_hour: int = 10

    def production_problems(self) -> list[str]:
        """Defaults that are fine on a laptop and dangerous in production."""
        if self.env != "prod":
            return []
        problems = []
        if not self.secret_key or self.secret_key == DEV_SECRET_KEY:
            problems.append("DOORSTEP_SECRET_KEY is not set (or is the development value)")
        if self.sandbox_payments:
            problems.append(
                "DOORSTEP_SANDBOX_PAYMENTS is on: anyone could approve their own payment"
            )
        if self.phone_verification and self.sms_provider == "sandbox":
            problems.append(
                "DOORSTEP_SMS_PROVIDER is the sandbox: sign-up codes would be handed to anyone"
            )
        if not self.encryption_keys:
            problems.append("DOORSTEP_ENCRYPTION_KEYS is empty (keys derived from the secret key)")
        return problems

    def public_secrets(self) -> list[str]:
        """Secrets set to a value printed in the source."""
        public = []
        if self.secret_key == DEV_SECRET_KEY:
            public.append("DOORSTEP_SECRET_KEY")
        if self.sandbox_payments and self.sandbox_webhook_secret == PUBLIC_SANDBOX_WEBHOOK_SECRET:
            public.append("DOORSTEP_SANDBOX_WEBHOOK_SECRET")
        return public

    def with_install_secrets(self) -> Settings:
        """These settings with unset secrets made (or read back) for this installation."""
        return with_install_secrets(self, development_key=DEV_SECRET_KEY)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'doorstep.db').as_posix()}"

    @property
    def runs_jobs_in_web(self) -> bool:
        if not self.background_tasks:
            return False
        if self.jobs_in_web is not None:
            return self.jobs_in_web
        return not self.effective_database_url.startswith("postgresql")

    @property
    def effective_redis_url(self) -> str:
        if self.redis_url:
            return self.redis_url
        return self.broker_url if self.broker_url.startswith("redis") else ""

    @property
    def max_request_bytes(self) -> int:
        """Largest request body accepted at all: an upload plus its multipart framing."""
        return self.upload_max_bytes + 64 * 1024

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


@lru_cache
def get_settings() -> Settings:
    return Settings().with_install_secrets()

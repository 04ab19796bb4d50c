"""The sign-in the app keeps between launches: tokens and the user, as a small
:class:`Session` it may persist (``to_dict`` / ``from_dict``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from client.models import UserRead

JSON = dict[str, Any]
log = logging.getLogger("doorstep.client")


@dataclass
class Session:
    """What the app persists between launches: the tokens and who they belong to."""

    access_token: str | None = None
    refresh_token: str | None = None
    user: UserRead | None = None

    @property
    def signed_in(self) -> bool:
        return bool(self.access_token)

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user else None

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    def to_dict(self) -> JSON:
        """Plain JSON for the app's storage; ``from_dict`` reads it back."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "user": self.user.model_dump(mode="json") if self.user else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Session:
        """A stored user that no longer reads (saved by an older app) is dropped, not
        fatal: the tokens still sign in and ``me()`` fetches the user again."""
        data = data or {}
        user = None
        if data.get("user") is not None:
            try:
                user = UserRead.model_validate(data["user"])
            except ValidationError as exc:
                log.info("stored user dropped: %s", exc)
        return cls(data.get("access_token"), data.get("refresh_token"), user)

    def clear(self) -> None:
        self.access_token = self.refresh_token = None
        self.user = None

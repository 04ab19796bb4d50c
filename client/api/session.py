"""The sign-in the app keeps between launches: tokens and the user, as a small
:class:`Session` it may persist (``to_dict`` / ``from_dict``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass
class Session:
    """What the app persists between launches."""

    access_token: str | None = None
    refresh_token: str | None = None
    user: JSON | None = None

    @property
    def signed_in(self) -> bool:
        return bool(self.access_token)

    @property
    def user_id(self) -> str | None:
        return (self.user or {}).get("id")

    @property
    def role(self) -> str | None:
        return (self.user or {}).get("role")

    def to_dict(self) -> JSON:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "user": self.user,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Session:
        data = data or {}
        return cls(data.get("access_token"), data.get("refresh_token"), data.get("user"))

    def clear(self) -> None:
        self.access_token = self.refresh_token = None
        self.user = None

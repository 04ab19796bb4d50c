"""Text messages to phones, behind one interface.

``send`` delivers one message. The bundled ``sandbox`` provider sends nothing: it keeps
the last messages in memory (and logs them with the number masked), so the whole
sign-up runs offline and tests can read what "arrived". An adapter for a real gateway
(Aliyun SMS, Tencent Cloud SMS, Twilio) implements ``send`` and is registered in
``sms_provider_for``; production refuses the sandbox (``Settings.production_problems``).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from server.core.crypto import mask_phone

log = logging.getLogger("doorstep.sms")


class SmsProvider(Protocol):
    name: str

    def send(self, *, phone: str, text: str) -> None: ...


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str


class SandboxSms:
    name = "sandbox"

    def __init__(self, keep: int = 200) -> None:
        self.outbox: deque[SentSms] = deque(maxlen=keep)

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append(SentSms(phone, text))
        log.info("sandbox SMS to %s: %s", mask_phone(phone), text)


def sms_provider_for(name: str) -> SmsProvider:
    if name == "sandbox":
        return SandboxSms()
    raise ValueError(f"unknown SMS provider {name!r} (DOORSTEP_SMS_PROVIDER)")

"""The outside channels: text messages, e-mail and app push, each behind one interface.

A provider sends one message or raises. The sandbox providers send nothing and say so
(``sandboxed``): the delivery row then holds what would have gone out, for the
operators (``GET /ops/notifications/deliveries``) and the tests. The real e-mail sender
speaks SMTP with the standard library (``smtplib``: STARTTLS or implicit TLS, optional
login); an adapter for an SMS gateway is the auth domain's (one gateway for sign-up
codes and notices, ``server.auth.sms``); a push service (APNs, FCM, a vendor's) would
implement ``PushProvider`` and be named in ``push_provider_for``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from server.auth.sms import SmsProvider, sms_provider_for
from server.core.settings import Settings

log = logging.getLogger("doorstep.notifications.channels")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    data: bytes


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()


class EmailProvider(Protocol):
    name: str
    sandboxed: bool

    def send(self, message: Email) -> None: ...


class PushProvider(Protocol):
    name: str
    sandboxed: bool

    def send(self, *, user_id: str, title: str, body: str) -> None: ...


class SandboxEmail:
    name = "sandbox"
    sandboxed = True

    def send(self, message: Email) -> None:
        log.info("sandbox e-mail to %s: %s", message.to, message.subject)


class SandboxPush:
    name = "sandbox"
    sandboxed = True

    def send(self, *, user_id: str, title: str, body: str) -> None:
        log.info("sandbox push to %s: %s", user_id, title)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    security: str = "starttls"  # starttls | tls | none
    sender: str = "Doorstep <no-reply@doorstep.local>"
    timeout_seconds: float = 10.0


class SmtpEmail:
    """E-mail through an SMTP server (the company's relay, or a provider's)."""

    name = "smtp"
    sandboxed = False

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def compose(self, message: Email) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = formataddr(("", message.to))
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain="doorstep")
        mail.set_content(message.text)
        for item in message.attachments:
            main, _, sub = item.content_type.partition("/")
            mail.add_attachment(item.data, maintype=main, subtype=sub, filename=item.filename)
        return mail

    def send(self, message: Email) -> None:
        config = self.config
        mail = self.compose(message)
        smtp: smtplib.SMTP
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=config.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(mail)


def email_provider_for(name: str, config: SmtpConfig) -> EmailProvider:
    if name == "sandbox":
        return SandboxEmail()
    if name == "smtp":
        if not config.host:
            raise ValueError("DOORSTEP_EMAIL_PROVIDER=smtp needs DOORSTEP_SMTP_HOST")
        return SmtpEmail(config)
    raise ValueError(f"unknown e-mail provider {name!r} (DOORSTEP_EMAIL_PROVIDER)")


def push_provider_for(name: str) -> PushProvider:
    if name == "sandbox":
        return SandboxPush()
    raise ValueError(f"unknown push provider {name!r} (DOORSTEP_PUSH_PROVIDER)")


@dataclass
class Channels:
    """The providers of one process (``app.state.channels``)."""

    sms: SmsProvider
    email: EmailProvider
    push: PushProvider = field(default_factory=SandboxPush)

    @classmethod
    def from_settings(cls, settings: Settings, *, sms: SmsProvider | None = None) -> Channels:
        config = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            sender=settings.email_from,
        )
        return cls(
            sms=sms or sms_provider_for(settings.sms_provider),
            email=email_provider_for(settings.email_provider, config),
            push=push_provider_for(settings.push_provider),
        )


def is_sandbox(provider: object) -> bool:
    """The auth domain's sandbox SMS predates the flag: it is known by its name."""
    return bool(getattr(provider, "sandboxed", getattr(provider, "name", "") == "sandbox"))

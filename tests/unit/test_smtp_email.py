"""The real e-mail sender against a local SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import email
import email.header
import socket
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from server.notifications.channels import Attachment, Email, SmtpConfig, SmtpEmail


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        message = email.message_from_bytes(envelope.content)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_an_invoice_reaches_the_smtp_server_with_its_pdf(smtp_server) -> None:  # noqa: ANN001
    controller, inbox = smtp_server
    port = controller.port
    sender = SmtpEmail(
        SmtpConfig(
            host="127.0.0.1", port=port, security="none", sender="Doorstep <bills@doorstep.test>"
        )
    )
    pdf = b"%PDF-1.4 invoice"
    sender.send(
        Email(
            to="customer@example.com",
            subject="电子发票 / Your invoice",
            text="DS20260610ABCD",
            attachments=(Attachment("invoice.pdf", "application/pdf", pdf),),
        )
    )
    [(mail_from, rcpt, message)] = inbox.received
    assert mail_from == "bills@doorstep.test"
    assert rcpt == ["customer@example.com"]
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == (
        "电子发票 / Your invoice"
    )
    parts = [p for p in message.walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == ["invoice.pdf"]
    assert parts[0].get_payload(decode=True) == pdf


def test_a_refused_recipient_is_an_error(smtp_server) -> None:  # noqa: ANN001
    controller, inbox = smtp_server
    port = controller.port

    async def refuse(server, session, envelope, address, options) -> str:  # noqa: ANN001
        return "550 no such user"

    controller.handler.handle_RCPT = refuse
    sender = SmtpEmail(SmtpConfig(host="127.0.0.1", port=port, security="none"))
    with pytest.raises(Exception, match="no such user"):
        sender.send(Email(to="nobody@example.com", subject="x", text="y"))
    assert inbox.received == []

"""The SMS and email adapters against real local servers: aiosmtpd for SMTP, a local HTTP stand-in for the
SMS provider (a real socket each, no mocks)."""

from __future__ import annotations

import asyncio
import json
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from identity.adapters.messages import DeliveryFailed, HttpSmsSender, SmtpEmailSender
from kabinet.testing.net import free_port as _free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


async def test_smtp_sender_delivers_to_a_real_smtp_server() -> None:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sender = SmtpEmailSender("127.0.0.1", port, "Kabinet <no-reply@kabinet.test>")
        await sender.send_email("parent@example.com", "Confirm your email", "Follow https://x/confirm?token=abc")
    finally:
        controller.stop()
    [(rcpt, msg)] = inbox.messages
    assert rcpt == ["parent@example.com"] and msg["Subject"] == "Confirm your email"
    assert "token=abc" in msg.get_payload()


async def test_smtp_sender_reports_an_unreachable_server() -> None:
    sender = SmtpEmailSender("127.0.0.1", _free_port(), "k@kabinet.test", timeout_s=2)
    with pytest.raises((DeliveryFailed, OSError)):
        await sender.send_email("a@example.com", "s", "t")


async def _serve_provider(status: int, received: list[dict[str, Any]]) -> tuple[asyncio.Server, int]:
    """A tiny HTTP/1.1 SMS provider on a real socket: records the JSON body, answers ``status``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        received.append({"path": lines[0].split()[1], "auth": headers.get("authorization"),
                         "json": json.loads(body)})
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}".encode())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_http_sms_sender_posts_to_the_provider() -> None:
    received: list[dict[str, Any]] = []
    server, port = await _serve_provider(202, received)
    async with server:
        sender = HttpSmsSender(f"http://127.0.0.1:{port}", "secret-key", "Kabinet")
        await sender.send_sms("+79161234567", "Kabinet code: 123456")
        await sender.aclose()
    assert received == [{"path": "/messages", "auth": "Bearer secret-key",
                         "json": {"to": "+79161234567", "text": "Kabinet code: 123456", "sender": "Kabinet"}}]


async def test_http_sms_sender_reports_a_refusal() -> None:
    server, port = await _serve_provider(500, [])
    async with server:
        sender = HttpSmsSender(f"http://127.0.0.1:{port}", "k", "Kabinet")
        with pytest.raises(DeliveryFailed):
            await sender.send_sms("+79161234567", "x")
        await sender.aclose()

"""A loopback SMTP server (aiosmtpd) for the e-mail tests: records every message it accepts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


def free_port() -> int:
    """A port nobody listens on right now (bind port 0 on loopback, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Inbox:
    """What the server received."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": bytes(envelope.original_content or envelope.content),
            }
        )
        return "250 OK"


@contextmanager
def smtp_server(credentials: tuple[str, str] | None = None) -> Iterator[tuple[int, Inbox]]:
    """Run a server on 127.0.0.1:<free port>; with `credentials`, AUTH is required and checked."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    inbox = Inbox()
    kwargs: dict[str, Any] = {}
    if credentials is not None:

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            ok = (
                isinstance(auth_data, LoginPassword)
                and (auth_data.login.decode(), auth_data.password.decode()) == credentials
            )
            if ok:
                inbox.logins.append(credentials)
            return AuthResult(success=ok, handled=False)

        # PLAIN only: smtplib then gets a clean 535 on a wrong password (it would retry with LOGIN otherwise)
        kwargs = {
            "authenticator": authenticator,
            "auth_required": True,
            "auth_require_tls": False,
            "auth_exclude_mechanism": ["LOGIN"],
        }
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()

"""Send a rendered e-mail over SMTP (plain, STARTTLS or implicit TLS).

Credentials come only from the environment (REPORTGEN_SMTP_USER, REPORTGEN_SMTP_PASSWORD), never
from the config file or the command line, so they stay out of shell history, archives and reports.
Every failure becomes one MailError saying what happened and what to do.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl as ssl_module
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

from reportgen.errors import ReportgenError

USER_VARIABLE = "REPORTGEN_SMTP_USER"
PASSWORD_VARIABLE = "REPORTGEN_SMTP_PASSWORD"


class MailError(ReportgenError):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect; `security` is 'none', 'starttls' or 'ssl'."""

    host: str = "localhost"
    port: int | None = None
    security: str = "none"
    timeout: float = 30.0

    @property
    def resolved_port(self) -> int:
        """The port, or the usual one for the security mode (465 ssl, 587 starttls, 25 plain)."""
        if self.port:
            return int(self.port)
        return {"ssl": 465, "starttls": 587}.get(self.security, 25)


def credentials(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(user, password) from the environment, None when no user is set."""
    env = os.environ if environ is None else environ
    user = env.get(USER_VARIABLE)
    if not user:
        return None
    password = env.get(PASSWORD_VARIABLE)
    if password is None:
        raise MailError(
            f"{USER_VARIABLE} is set but {PASSWORD_VARIABLE} is not; set both, or neither for a server without login"
        )
    return user, password


def recipients(msg: EmailMessage) -> list[str]:
    """Every address of To, Cc and Bcc."""
    fields = [v for name in ("To", "Cc", "Bcc") for v in msg.get_all(name, [])]
    return [addr for _, addr in getaddresses(fields) if addr]


def send_message(msg: EmailMessage, settings: SmtpSettings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Hand `msg` to the server; returns the accepted recipients. MailError on any failure."""
    to = recipients(msg)
    if not to:
        raise MailError("the message has no recipient; give at least one --to")
    login = credentials(environ)
    where = f"{settings.host}:{settings.resolved_port}"
    context = ssl_module.create_default_context()
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.resolved_port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.resolved_port, timeout=settings.timeout)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if login is not None:
                client.login(*login)
            refused = client.send_message(msg, to_addrs=to)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"SMTP server {where} refused the login ({exc.smtp_code}); check {USER_VARIABLE} and {PASSWORD_VARIABLE}"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(
            f"SMTP server {where} does not support this ({exc}); try --starttls, --ssl or neither"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(
            f"SMTP server {where} refused every recipient ({', '.join(exc.recipients)}); check the addresses"
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise MailError(f"SMTP server {where} answered {exc.smtp_code} {' '.join(text.split())}") from None
    except (ssl_module.SSLError, smtplib.SMTPServerDisconnected) as exc:
        raise MailError(
            f"TLS or connection failure with SMTP server {where} ({exc}); check --ssl / --starttls and the port"
        ) from None
    except (socket.gaierror, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise MailError(f"cannot reach SMTP server {where} ({reason}); check --smtp-host and --smtp-port") from None
    except smtplib.SMTPException as exc:
        raise MailError(f"SMTP error with {where}: {exc}") from None
    return [addr for addr in to if addr not in refused]

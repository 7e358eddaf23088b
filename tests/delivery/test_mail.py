"""SMTP sending against a loopback aiosmtpd server: delivery, login from the environment, failures."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from reportgen.delivery.mail import MailError, SmtpSettings, credentials, send_message

from .smtp_server import free_port, smtp_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "[ALERT] Car loan model, 2024-W48"
    msg["From"] = "reportgen@localhost"
    msg["To"] = "team@example.com"
    msg["Cc"] = "boss@example.com"
    msg.set_content("hello")
    return msg


def test_delivers_to_to_and_cc() -> None:
    with smtp_server() as (port, inbox):
        accepted = send_message(message(), SmtpSettings("127.0.0.1", port, timeout=5), environ={})
    assert accepted == ["team@example.com", "boss@example.com"]
    assert inbox.messages[0]["to"] == ["team@example.com", "boss@example.com"]
    got = message_from_bytes(inbox.messages[0]["data"], policy=policy.default)
    assert got["Subject"] == "[ALERT] Car loan model, 2024-W48"


def test_login_comes_from_the_environment() -> None:
    env = {"REPORTGEN_SMTP_USER": "bot", "REPORTGEN_SMTP_PASSWORD": "s3cret"}
    with smtp_server(credentials=("bot", "s3cret")) as (port, inbox):
        send_message(message(), SmtpSettings("127.0.0.1", port, timeout=5), environ=env)
        with pytest.raises(MailError, match="refused the login.*REPORTGEN_SMTP_USER"):
            send_message(
                message(),
                SmtpSettings("127.0.0.1", port, timeout=5),
                environ={**env, "REPORTGEN_SMTP_PASSWORD": "wrong"},
            )
        with pytest.raises(MailError, match="530|auth"):
            send_message(message(), SmtpSettings("127.0.0.1", port, timeout=5), environ={})
    assert inbox.logins == [("bot", "s3cret")] and len(inbox.messages) == 1


def test_user_without_password_is_refused() -> None:
    with pytest.raises(MailError, match="REPORTGEN_SMTP_PASSWORD is not"):
        credentials({"REPORTGEN_SMTP_USER": "bot"})
    assert credentials({}) is None


def test_unreachable_server_is_one_clear_error() -> None:
    port = free_port()
    with pytest.raises(MailError, match=rf"cannot reach SMTP server 127.0.0.1:{port} .*--smtp-host") as info:
        send_message(message(), SmtpSettings("127.0.0.1", port, timeout=5), environ={})
    assert info.value.exit_code == 2 and "\n" not in str(info.value)


def test_starttls_on_a_plain_server_says_what_to_try() -> None:
    with smtp_server() as (port, _), pytest.raises(MailError, match="STARTTLS|starttls"):
        send_message(message(), SmtpSettings("127.0.0.1", port, security="starttls", timeout=5), environ={})


def test_default_ports() -> None:
    assert SmtpSettings(security="ssl").resolved_port == 465
    assert SmtpSettings(security="starttls").resolved_port == 587
    assert SmtpSettings().resolved_port == 25
    assert SmtpSettings(port=2525, security="ssl").resolved_port == 2525


def test_no_recipient() -> None:
    msg = message()
    del msg["To"], msg["Cc"]
    with pytest.raises(MailError, match="no recipient"):
        send_message(msg, SmtpSettings("127.0.0.1", free_port()), environ={})

"""Outgoing e-mail: through SMTP when `PORTAL_SMTP_URL` is set, else into `instance/outbox/` (one .eml a message).

The outbox lets a developer (and the tests) follow a confirmation link without a mail server; in production
set `PORTAL_SMTP_URL` (`smtp://user:password@host:587` uses STARTTLS, `smtps://...:465` TLS).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger(__name__)


def outbox(instance_path: str | Path) -> Path:
    return Path(instance_path) / "outbox"


def send(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; a failure is logged, never shown (it would tell who has an account)."""
    cfg = current_app.config["PORTAL"]
    message = EmailMessage()
    message["From"] = cfg.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@{cfg.mail_from.rsplit('@', 1)[-1]}>"
    message.set_content(body)
    try:
        if cfg.smtp_url:
            _smtp(cfg.smtp_url, message)
        else:
            folder = outbox(current_app.instance_path)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
            log.info("mail to %s kept in %s (no PORTAL_SMTP_URL): %s", to, folder, subject)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", to)


def _smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 587)
    context = ssl.create_default_context()
    if secure:
        client = smtplib.SMTP_SSL(parts.hostname or "localhost", port, context=context, timeout=20)
    else:
        client = smtplib.SMTP(parts.hostname or "localhost", port, timeout=20)
    with client:
        if not secure and port != 25:
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)

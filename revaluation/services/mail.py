"""Sending email: by SMTP when ``MAIL_SERVER`` is configured, otherwise into an outbox folder.

In development and tests there is no mail server, so every message is written to
``OUTBOX_DIR`` as an ``.eml`` file that any mail client (or :func:`list_outbox`) can open.
One function sends for every feature (colleague invitations, report delivery...).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

logger = logging.getLogger(__name__)

#: (filename, content type such as "application/pdf", bytes)
Attachment = tuple[str, str, bytes]
#: The header naming what a message belongs to; never shown to its reader.
TAG_HEADER = "X-Revaluation-Tag"


@dataclass(frozen=True)
class OutboxMessage:
    """A message written to the development outbox, as plain values for a page."""

    file: str
    to: str
    subject: str
    date: str
    text: str
    #: Who the message belongs to (see ``send_mail``'s ``tag``), e.g. "evaluation-7".
    tag: str = ""


def build_message(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
    tag: str | None = None,
) -> EmailMessage:
    """The message as it will be sent: plain text, an optional HTML part, attachments."""
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM", "revaluation@localhost")
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="revaluation")
    if tag:
        message[TAG_HEADER] = tag
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename
        )
    return message


def send_mail(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
    tag: str | None = None,
) -> EmailMessage:
    """Send one message to one address; returns it (tests and the outbox read it back).

    ``tag`` names what the message belongs to (e.g. "evaluation-7"), so the development
    outbox can show each evaluation only its own messages.

    Uses SMTP (STARTTLS when a username is set) if ``MAIL_SERVER`` is configured, else writes
    an ``.eml`` file into ``OUTBOX_DIR``. The log names the subject's length, never the address.
    """
    message = build_message(to, subject, text, html=html, attachments=attachments, tag=tag)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 587), timeout=30) as smtp:
            if config.get("MAIL_USERNAME"):
                smtp.starttls()
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
        logger.info("sent an email by SMTP (%s attachments)", len(attachments or []))
        return message
    folder = Path(config["OUTBOX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes(policy=policy.SMTP))
    logger.info("wrote an email to the outbox as %s", path.name)
    return message


def list_outbox(*, limit: int = 50, subject_prefix: str | None = None,
                tag: str | None = None) -> list[OutboxMessage]:
    """The newest messages in the development outbox, optionally only those whose subject
    starts with ``subject_prefix`` or that carry ``tag``; [] when the folder does not exist."""
    folder = Path(current_app.config["OUTBOX_DIR"])
    if not folder.is_dir():
        return []
    found: list[OutboxMessage] = []
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        subject = str(message.get("Subject", ""))
        if subject_prefix is not None and not subject.startswith(subject_prefix):
            continue
        if tag is not None and str(message.get(TAG_HEADER, "")) != tag:
            continue
        body = message.get_body(preferencelist=("plain",))
        found.append(
            OutboxMessage(
                file=path.name,
                to=str(message.get("To", "")),
                subject=subject,
                date=str(message.get("Date", "")),
                text=body.get_content() if body is not None else "",
                tag=str(message.get(TAG_HEADER, "")),
            )
        )
        if len(found) >= limit:
            break
    return found

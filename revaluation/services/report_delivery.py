"""Sending a finished report edition to named commissioners, and the downloads that follow.

- A recipient with an account in the evaluation gets a link to the access-checked download
  page: they sign in, and their role is checked, before any byte is served.
- Anyone else gets a one-off link ``/reports/d/<token>``. The token is random (256 bits), is
  stored only as a keyed hash, belongs to that one person and edition, **expires after
  ``LINK_DAYS`` days and works for one download**. Opening the link shows a page with a download
  button (a POST), so mail scanners that pre-fetch links cannot use it up.
- The first send freezes the edition (``sent_at``): its PDF is never replaced; regenerating makes
  a new edition. Every send and every download is audited (ids only, never addresses).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Membership,
    ReportDelivery,
    ReportEdition,
    Role,
    User,
)
from revaluation.models.base import utcnow
from revaluation.services import audit
from revaluation.services.secrets import keyed_hash

logger = logging.getLogger(__name__)

LINK_DAYS = 14
TOKEN_PURPOSE = "report-link"  # noqa: S105  (a hash purpose label, not a secret)
MAX_RECIPIENTS = 50


class DeliveryError(ValueError):
    """The send cannot happen as asked; the message says what to change."""


class LinkError(LookupError):
    """A one-off link cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: int | None
    name: str = ""


def commissioners_of(evaluation: Evaluation) -> list[User]:
    """The evaluation's commissioners (the people a report is usually sent to), by name."""
    return list(
        db.session.execute(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.evaluation_id == evaluation.id,
                Membership.role == Role.COMMISSIONER,
            )
            .order_by(User.name, User.email)
        ).scalars()
    )


def parse_addresses(text: str) -> list[str]:
    """Email addresses typed one per line or separated by commas, normalised and de-duplicated.

    Raises :class:`DeliveryError` naming the first address that is not valid.
    """
    found: list[str] = []
    for raw in text.replace(",", "\n").replace(";", "\n").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        try:
            email = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise DeliveryError(
                f"“{raw[:80]}” is not an email address. Write one address per line, "
                "like name@example.org."
            ) from None
        if email not in found:
            found.append(email)
    return found


def resolve_recipients(
    evaluation: Evaluation, user_ids: list[int], emails: list[str]
) -> list[Recipient]:
    """Members chosen by id, plus typed addresses (matched to members' accounts)."""
    members = {
        user.id: user
        for user in db.session.execute(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.evaluation_id == evaluation.id)
        ).scalars()
    }
    by_email = {user.email.lower(): user for user in members.values()}
    chosen: dict[str, Recipient] = {}
    for user_id in user_ids:
        user = members.get(user_id)
        if user is None:
            raise DeliveryError("One of the chosen people is no longer part of this evaluation.")
        chosen[user.email.lower()] = Recipient(user.email.lower(), user.id, user.name)
    for email in emails:
        user = by_email.get(email)
        chosen.setdefault(
            email, Recipient(email, user.id if user else None, user.name if user else "")
        )
    if not chosen:
        raise DeliveryError("Choose at least one commissioner, or type an email address.")
    if len(chosen) > MAX_RECIPIENTS:
        raise DeliveryError(f"Send to at most {MAX_RECIPIENTS} people at once.")
    return list(chosen.values())


def send_edition(
    edition: ReportEdition,
    recipients: list[Recipient],
    *,
    sender: User,
    note: str = "",
) -> list[ReportDelivery]:
    """Email the edition to each recipient and freeze it. The caller commits."""
    from revaluation.services.mail import send_mail

    if edition.pdf is None or edition.sha256 is None:
        raise DeliveryError("This edition has no PDF yet; wait for it to finish, then send it.")
    evaluation = db.session.get(Evaluation, edition.evaluation_id)
    now = utcnow()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    deliveries = []
    for recipient in recipients:
        delivery = ReportDelivery(
            edition_id=edition.id,
            recipient_email=recipient.email,
            recipient_id=recipient.user_id,
            sent_by_id=sender.id,
            sent_at=now,
        )
        if recipient.user_id is None:
            token = secrets.token_urlsafe(32)
            delivery.token_hash = keyed_hash(token, purpose=TOKEN_PURPOSE)
            delivery.expires_at = now + timedelta(days=LINK_DAYS)
            link = f"{base}/reports/d/{token}"
        else:
            link = f"{base}/e/{evaluation.slug}/reports/{edition.number}.pdf"
        db.session.add(delivery)
        db.session.flush()
        send_mail(
            recipient.email,
            subject_for(evaluation, edition),
            message_text(
                evaluation,
                edition,
                recipient,
                link,
                sender=sender,
                note=note,
                expires_at=delivery.expires_at,
            ),
            tag=outbox_tag(evaluation),
        )
        audit.record(
            "report.send",
            evaluation_id=evaluation.id,
            obj=edition,
            actor_id=sender.id,
            delivery_id=delivery.id,
            number=edition.number,
            recipient="account" if recipient.user_id else "one-off link",
            recipient_id=recipient.user_id,
        )
        deliveries.append(delivery)
    if edition.sent_at is None:
        edition.sent_at = now
    logger.info("sent report edition %s to %s recipients", edition.id, len(deliveries))
    return deliveries


def outbox_tag(evaluation: Evaluation) -> str:
    """What the development outbox files this evaluation's report emails under."""
    return f"evaluation-{evaluation.id}"


def subject_for(evaluation: Evaluation, edition: ReportEdition) -> str:
    """The email subject."""
    return f"Evaluation report: {evaluation.title} (edition {edition.number})"


def message_text(
    evaluation: Evaluation,
    edition: ReportEdition,
    recipient: Recipient,
    link: str,
    *,
    sender: User,
    note: str,
    expires_at: datetime | None = None,
) -> str:
    """The plain-text email: who sent what, the link, and how long it works."""
    greeting = f"Dear {recipient.name}," if recipient.name else "Hello,"
    lines = [
        greeting,
        "",
        f"{sender.name or sender.email} has sent you edition {edition.number} of the evaluation "
        f"report “{evaluation.title}” ({evaluation.movement}), dated "
        f"{_aware(edition.created_at).strftime('%-d %B %Y')}, {edition.page_count} pages.",
        "",
    ]
    if note.strip():
        lines += ["Their note:", note.strip(), ""]
    if recipient.user_id:
        lines += ["Download it here (sign in with your Revaluation account):", link, ""]
    else:
        lines += [
            "Download it here:",
            link,
            "",
            f"This link is for you alone. It works once, for {LINK_DAYS} days (until "
            f"{_aware(expires_at or utcnow()).strftime('%-d %B %Y')}). If it has "
            "expired, ask the sender for a new one.",
            "",
        ]
    lines += [
        f"SHA-256 fingerprint of the PDF: {edition.sha256}",
        "",
        "Revaluation – participatory evaluation for health social movements",
    ]
    return "\n".join(lines)


def delivery_for_token(token: str) -> ReportDelivery:
    """The delivery a one-off link belongs to, if it can still be used; else :class:`LinkError`."""
    delivery = db.session.execute(
        db.select(ReportDelivery).filter_by(
            token_hash=keyed_hash(token.strip(), purpose=TOKEN_PURPOSE)
        )
    ).scalar_one_or_none()
    if delivery is None:
        raise LinkError(
            "This link is not valid. Check that you copied the whole address from the email."
        )
    if delivery.downloaded_at is not None:
        raise LinkError(
            "This link has already been used to download the report, and it works only once. "
            "Ask the person who sent it for a new link."
        )
    if delivery.expires_at and _aware(delivery.expires_at) <= utcnow():
        raise LinkError("This link has expired. Ask the person who sent the report for a new link.")
    return delivery


def record_download(
    edition: ReportEdition,
    *,
    user_id: int | None,
    delivery: ReportDelivery | None = None,
) -> None:
    """Audit a download and mark the recipient's delivery as downloaded. The caller commits."""
    if delivery is None and user_id is not None:
        delivery = db.session.execute(
            db.select(ReportDelivery)
            .filter_by(edition_id=edition.id, recipient_id=user_id)
            .where(ReportDelivery.downloaded_at.is_(None))
            .limit(1)
        ).scalar_one_or_none()
    if delivery is not None and delivery.downloaded_at is None:
        delivery.downloaded_at = utcnow()
    audit.record(
        "report.download",
        evaluation_id=edition.evaluation_id,
        obj=edition,
        actor_id=user_id,
        actor_label=None if user_id else "recipient",
        number=edition.number,
        via="one-off link" if delivery is not None and user_id is None else "account",
        delivery_id=delivery.id if delivery is not None else None,
    )


def deliveries_of(edition: ReportEdition) -> list[ReportDelivery]:
    """Who an edition was sent to, oldest first."""
    return sorted(edition.deliveries, key=lambda d: (d.sent_at, d.id))


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

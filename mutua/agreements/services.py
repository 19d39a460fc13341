"""Adopting, signing and reviewing agreements, and reminding pods when a review is due.

An agreement changes only through a decision: ``adopt_version`` is called by
``mutua.decisions.services.close_proposal`` in the same transaction that records the outcome.

The review rule (shown on the agreement page too):

* the first review is due 90 days after the agreement is first adopted;
* after that, a review is due ``review_interval_days`` (of the current version) after the last
  review;
* recording a review with no changes counts as a review, and so does adopting a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mutua.agreements.models import (
    FIRST_REVIEW_AFTER,
    REMINDER_EVERY,
    SECTIONS,
    Agreement,
    AgreementReview,
    AgreementVersion,
    EscalationWho,
    ReviewReminder,
    Signature,
    default_escalation_steps,
    describe_escalation_step,
)
from mutua.audit.services import record
from mutua.decisions.models import Proposal
from mutua.decisions.owners import Owner
from mutua.members.models import Member
from mutua.notifications.tasks import send_email

MIN_REVIEW_INTERVAL_DAYS = 30
MAX_REVIEW_INTERVAL_DAYS = 3 * 365
MAX_SECTION_LENGTH = 4000
# Escalation starts at most two weeks ahead: shifts exist eight weeks ahead, and asking earlier
# than this is a rota, not an escalation.
MAX_ESCALATION_HOURS = 14 * 24


@dataclass(frozen=True)
class AgreementText:
    """The five sections of an agreement, as proposed or adopted."""

    membership: str
    commitments: str
    communication: str
    boundaries: str
    review_cycle: str
    review_interval_days: int = 365
    # Part of the communication protocols: [{"who": ..., "hours_before": ...}, ...] in order.
    # None in a draft means "keep the current path" (the default path if there is none).
    escalation_steps: list[dict[str, Any]] | None = None

    @classmethod
    def of(cls, source: AgreementVersion | Proposal) -> AgreementText:
        return cls(
            membership=source.membership,
            commitments=source.commitments,
            communication=source.communication,
            boundaries=source.boundaries,
            review_cycle=source.review_cycle,
            review_interval_days=source.review_interval_days or 365,
            escalation_steps=source.escalation_steps or default_escalation_steps(),
        )

    def sections(self) -> dict[str, str]:
        return {field: getattr(self, field) for field, _heading in SECTIONS}


def check_agreement_text(text: AgreementText) -> AgreementText:
    """All five sections written, none too long, and a sensible review interval."""
    cleaned = {field: value.strip() for field, value in text.sections().items()}
    for field, heading in SECTIONS:
        if not cleaned[field]:
            raise ValidationError(
                _("Write the “%(section)s” section: an agreement has all five sections.")
                % {"section": heading},
                code=f"empty_{field}",
            )
        if len(cleaned[field]) > MAX_SECTION_LENGTH:
            raise ValidationError(
                _("Keep the “%(section)s” section under %(limit)s characters: it fits one page.")
                % {"section": heading, "limit": MAX_SECTION_LENGTH},
                code=f"long_{field}",
            )
    days = text.review_interval_days
    if not MIN_REVIEW_INTERVAL_DAYS <= days <= MAX_REVIEW_INTERVAL_DAYS:
        raise ValidationError(
            _("Review the agreement every %(low)s to %(high)s days.")
            % {"low": MIN_REVIEW_INTERVAL_DAYS, "high": MAX_REVIEW_INTERVAL_DAYS},
            code="bad_review_interval",
        )
    steps = default_escalation_steps() if text.escalation_steps is None else text.escalation_steps
    return AgreementText(
        **cleaned,
        review_interval_days=days,
        escalation_steps=check_escalation_steps(steps),
    )


def check_escalation_steps(steps: object) -> list[dict[str, Any]]:
    """An ordered path of known steps, each asked for strictly closer to the shift than the last.

    Returns the steps as stored: ``[{"who": "standby", "hours_before": 48}, ...]``.
    """
    if not isinstance(steps, list | tuple) or not steps:
        raise ValidationError(
            _("Say who is asked when a shift has nobody: the escalation path needs a step."),
            code="empty_escalation",
        )
    cleaned: list[dict[str, Any]] = []
    for step in steps:
        who = step.get("who") if isinstance(step, dict) else None
        hours = step.get("hours_before") if isinstance(step, dict) else None
        if who not in EscalationWho.values:
            raise ValidationError(
                _("Each step of the escalation path asks one of: %(choices)s.")
                % {"choices": ", ".join(str(label) for label in EscalationWho.labels)},
                code="bad_escalation_step",
            )
        if any(earlier["who"] == who for earlier in cleaned):
            raise ValidationError(
                _("The escalation path asks %(who)s twice: name each group once.")
                % {"who": EscalationWho(who).label},
                code="bad_escalation_step",
            )
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise ValidationError(
                _("Give each step of the escalation path a whole number of hours."),
                code="bad_escalation_order",
            )
        if hours <= 0 or (cleaned and hours >= cleaned[-1]["hours_before"]):
            raise ValidationError(
                _(
                    "Each step of the escalation path comes closer to the shift than the one "
                    "before it, and before the shift starts."
                ),
                code="bad_escalation_order",
            )
        if hours > MAX_ESCALATION_HOURS:
            raise ValidationError(
                _("Start asking at most %(hours)s hours before a shift.")
                % {"hours": MAX_ESCALATION_HOURS},
                code="bad_escalation_order",
            )
        cleaned.append({"who": str(who), "hours_before": hours})
    return cleaned


def comparable_text(text: AgreementText) -> dict[str, str]:
    """The five sections as members read them, the review interval and escalation path
    included, for diffs."""
    sections = text.sections()
    sections["review_cycle"] += "\n" + _("Reviewed every %(days)s days.") % {
        "days": text.review_interval_days
    }
    steps = default_escalation_steps() if text.escalation_steps is None else text.escalation_steps
    sections["communication"] += "".join("\n" + describe_escalation_step(step) for step in steps)
    return sections


def agreement_of(owner: Owner) -> Agreement | None:
    return (
        Agreement.objects.of(owner)
        .select_related("current_version", "pod__network", "network")
        .first()
    )


def next_review_due(agreement: Agreement) -> datetime | None:
    """90 days after the first adoption; then the current interval after the last review."""
    version = agreement.current_version
    if version is None or agreement.first_adopted_at is None:
        return None
    if agreement.last_reviewed_at is None:
        return agreement.first_adopted_at + FIRST_REVIEW_AFTER
    return agreement.last_reviewed_at + timedelta(days=version.review_interval_days)


@transaction.atomic
def adopt_version(*, proposal: Proposal, actor: Member | None) -> AgreementVersion:
    """Make an adopted agreement-change proposal the agreement's new current version.

    Called by ``close_proposal`` inside its transaction; never from a page directly.
    """
    if (
        proposal.kind != Proposal.Kind.AGREEMENT_CHANGE
        or proposal.status != Proposal.Status.ADOPTED
    ):
        raise ValidationError(
            _("Only an adopted agreement change becomes a new version."), code="not_adopted"
        )
    text = check_agreement_text(AgreementText.of(proposal))
    owner = proposal.owner
    now = timezone.now()
    agreement, _created = Agreement.objects.get_or_create(**owner.lookup())
    number = (agreement.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=number,
        adopted_at=now,
        adopted_via=proposal,
        created_by=proposal.created_by,
        **text.sections(),
        review_interval_days=text.review_interval_days,
        escalation_steps=text.escalation_steps,
    )
    agreement.current_version = version
    if agreement.first_adopted_at is None:
        agreement.first_adopted_at = now
    else:
        # Adopting a new version is a review of the agreement.
        agreement.last_reviewed_at = now
        AgreementReview.objects.create(
            agreement=agreement,
            outcome=AgreementReview.Outcome.NEW_VERSION,
            version=version,
            reviewed_at=now,
            recorded_by=actor,
        )
    agreement.review_due_at = next_review_due(agreement)
    agreement.save(
        update_fields=["current_version", "first_adopted_at", "last_reviewed_at", "review_due_at"]
    )
    record(
        action="agreement.version_adopted",
        target=agreement,
        actor=actor,
        version=number,
        proposal_id=proposal.pk,
    )
    return version


@transaction.atomic
def sign_agreement(*, agreement: Agreement, version_number: int, actor: Member) -> Signature:
    """Sign on to the current version. Naming the version read keeps a late change from sliding
    under someone's signature."""
    version = agreement.current_version
    if version is None:
        raise ValidationError(_("There is no agreement to sign yet."), code="no_agreement")
    if version.number != version_number:
        raise ValidationError(
            _("The agreement changed since you read it: please read version %(number)s.")
            % {"number": version.number},
            code="not_current_version",
        )
    if not agreement.owner.takes_part(actor):
        raise ValidationError(
            _("Only members of %(owner)s can sign its agreement.")
            % {"owner": agreement.owner.name},
            code="not_eligible",
        )
    try:
        with transaction.atomic():
            signature = Signature.objects.create(version=version, member=actor)
    except IntegrityError:
        raise ValidationError(
            _("You already signed this version."), code="already_signed"
        ) from None
    record(action="agreement.signed", target=agreement, actor=actor, version=version.number)
    return signature


@transaction.atomic
def record_review(*, agreement: Agreement, actor: Member, note: str = "") -> AgreementReview:
    """Record that the pod reviewed its agreement and keeps it as it is."""
    version = agreement.current_version
    if version is None:
        raise ValidationError(_("There is no agreement to review yet."), code="no_agreement")
    owner = agreement.owner
    if not (owner.takes_part(actor) or owner.is_facilitator(actor)):
        raise ValidationError(
            _("Only members of %(owner)s can record its review.") % {"owner": owner.name},
            code="not_eligible",
        )
    now = timezone.now()
    review = AgreementReview.objects.create(
        agreement=agreement,
        outcome=AgreementReview.Outcome.NO_CHANGES,
        version=version,
        note=note.strip()[:2000],
        reviewed_at=now,
        recorded_by=actor,
    )
    agreement.last_reviewed_at = now
    agreement.review_due_at = next_review_due(agreement)
    agreement.save(update_fields=["last_reviewed_at", "review_due_at"])
    record(action="agreement.reviewed", target=agreement, actor=actor, version=version.number)
    return review


def reminder_recipients(agreement: Agreement) -> list[Member]:
    """The organizers; a pod without organizers is reminded as a whole."""
    owner = agreement.owner
    organizers = list(owner.organizers().select_related("user"))
    return organizers or list(owner.members().select_related("user"))


def send_review_reminders(*, now: datetime | None = None) -> list[ReviewReminder]:
    """Email a reminder for each agreement whose review is due or overdue, at most weekly."""
    now = now or timezone.now()
    sent: list[ReviewReminder] = []
    due = Agreement.objects.review_due(now).select_related(
        "current_version", "pod__network", "network"
    )
    for agreement in due:
        with transaction.atomic():
            # Re-read under the transaction: two overlapping runs send one reminder, not two.
            locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
            if locked.reminders.filter(sent_at__gt=now - REMINDER_EVERY).exists():
                continue
            assert agreement.review_due_at is not None
            recipients = reminder_recipients(agreement)
            for member in recipients:
                _email_reminder(member, agreement, now)
            reminder = ReviewReminder.objects.create(
                agreement=agreement,
                sent_at=now,
                review_due_at=agreement.review_due_at,
                recipient_count=len(recipients),
            )
            record(
                action="agreement.review_reminder_sent",
                target=agreement,
                actor=None,
                recipients=len(recipients),
            )
        sent.append(reminder)
    return sent


def _email_reminder(member: Member, agreement: Agreement, now: datetime) -> None:
    """Render in the member's language now; queue the email once the transaction commits."""
    context = {
        "recipient": member,
        "agreement": agreement,
        "owner": agreement.owner.name,
        "is_overdue": agreement.review_due_at is not None and agreement.review_due_at <= now,
        "url": settings.SITE_URL + agreement.get_absolute_url(),
    }
    with translation.override(member.preferred_language):
        subject = render_to_string("agreements/email/review_due_subject.txt", context).strip()
        body = render_to_string("agreements/email/review_due_body.txt", context)
    to = member.user.email
    transaction.on_commit(lambda: send_email.enqueue(to=to, subject=subject, body=body))

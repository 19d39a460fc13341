"""Tell members what happened, in their own language, after the change has been committed.

Nothing here decides anything: the exchange services call these once a change is made, and the
emails are queued only when the transaction commits, so a rolled-back change sends nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from mutua.members.models import Member, PodMembership
from mutua.notifications.tasks import send_email

if TYPE_CHECKING:
    from mutua.exchange.models import Invitation, Message, Request


def _queue_email(member: Member, template: str, context: dict[str, object]) -> None:
    """Render the email now (in the member's language) and queue it for after commit."""
    with translation.override(member.preferred_language):
        subject = render_to_string(f"notifications/{template}_subject.txt", context).strip()
        body = render_to_string(f"notifications/{template}_body.txt", context)
    to = member.user.email
    transaction.on_commit(lambda: send_email.enqueue(to=to, subject=subject, body=body))


def _context(aid_request: Request, **extra: object) -> dict[str, object]:
    return {
        "aid_request": aid_request,
        "url": settings.SITE_URL + aid_request.get_absolute_url(),
        **extra,
    }


def members_to_tell_about(aid_request: Request) -> list[Member]:
    """Members who can see the request and asked to hear about its category (or about all)."""
    memberships = PodMembership.objects.filter(status=PodMembership.Status.ACTIVE)
    if aid_request.scope == "pod":
        memberships = memberships.filter(pod_id=aid_request.pod_id)
    else:
        memberships = memberships.filter(pod__network_id=aid_request.network_id)
    members = (
        Member.objects.filter(pk__in=memberships.values("member_id"))
        .exclude(pk=aid_request.requester_id)
        .select_related("user")
        .distinct()
    )
    return [
        member
        for member in members
        if not member.notify_categories or aid_request.category in member.notify_categories
    ]


def new_request(aid_request: Request) -> None:
    for member in members_to_tell_about(aid_request):
        _queue_email(member, "new_request", _context(aid_request, recipient=member))


def request_changed(
    aid_request: Request, *, event: str, actor: Member, helper: Member | None = None
) -> None:
    """Tell the other side of a request what just happened (claimed, released, done, ...)."""
    helper = helper or aid_request.claimed_by
    recipients = [aid_request.requester]
    if helper is not None:
        recipients.append(helper)
    for member in recipients:
        if member.pk == actor.pk:
            continue
        _queue_email(
            member,
            f"request_{event}",
            _context(aid_request, recipient=member, actor=actor, helper=helper),
        )


def new_message(message: Message) -> None:
    aid_request = message.request
    for member in (aid_request.requester, aid_request.claimed_by):
        if member is not None and member.pk != message.author_id:
            _queue_email(
                member, "new_message", _context(aid_request, recipient=member, message=message)
            )


def sign_in_code(*, email: str, code: str, language: str) -> None:
    with translation.override(language):
        subject = render_to_string("notifications/sign_in_code_subject.txt", {}).strip()
        body = render_to_string(
            "notifications/sign_in_code_body.txt",
            {"code": code, "minutes": settings.SIGN_IN_CODE_TTL_MINUTES},
        )
    transaction.on_commit(lambda: send_email.enqueue(to=email, subject=subject, body=body))


def invited_to_help(invitation: Invitation) -> None:
    """Ask the invited helper, in their language, with the matcher's reasons and one link."""
    from mutua.exchange.suggestions import describe_all

    member = invitation.member
    aid_request = invitation.request
    with translation.override(member.preferred_language):
        reasons = describe_all(invitation.reasons)
    _queue_email(
        member,
        "invitation",
        {
            "aid_request": aid_request,
            "recipient": member,
            "requester": aid_request.requester,
            "reasons": reasons,
            "url": settings.SITE_URL + reverse("exchange:invitations"),
        },
    )

"""Agreements over JSON: read the current text, its versions and diffs; sign; record a review.

Changing an agreement is a proposal (``POST /proposals`` with kind ``agreement_change``).
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from mutua.agreements import services
from mutua.agreements.access import access_agreement
from mutua.agreements.diff import diff_sections
from mutua.agreements.models import SECTIONS, Agreement, AgreementVersion, ReviewState
from mutua.agreements.views import signing_status
from mutua.lib.api import ERRORS, WRITE_ERRORS, current_member

router = Router()

OWNER_PATH = "/agreements/{kind}/{owner_id}"


class EscalationStepOut(Schema):
    who: str
    hours_before: int


class VersionOut(Schema):
    number: int
    membership: str
    commitments: str
    communication: str
    boundaries: str
    review_cycle: str
    review_interval_days: int
    escalation_steps: list[EscalationStepOut]
    adopted_at: datetime
    adopted_via_id: int


class AgreementOut(Schema):
    kind: str
    owner_id: int
    current: VersionOut | None
    review_state: ReviewState
    review_due_at: datetime | None
    signed: list[str]
    not_signed: list[str]


class DiffLineOut(Schema):
    kind: str
    text: str


class SectionDiffOut(Schema):
    section: str
    changed: bool
    lines: list[DiffLineOut]


class SignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = ""


class SignatureOut(Schema):
    version: int
    signed_at: datetime


class ReviewOut(Schema):
    outcome: str
    reviewed_at: datetime
    review_due_at: datetime | None


def _existing(agreement: Agreement | None) -> Agreement:
    if agreement is None or agreement.current_version is None:
        raise Http404
    return agreement


def _version(agreement: Agreement | None, number: int) -> AgreementVersion:
    version = agreement.versions.filter(number=number).first() if agreement else None
    if version is None:
        raise Http404
    return version


@router.get(OWNER_PATH, response={200: AgreementOut, **ERRORS})
def get_agreement(request: HttpRequest, kind: str, owner_id: int) -> AgreementOut:
    """The current version of a pod's or network's agreement (``kind``: pod or network)."""
    member = current_member(request)
    owner, agreement = access_agreement(member, kind, owner_id)
    version = agreement.current_version if agreement else None
    signed, unsigned = signing_status(owner, version)
    return AgreementOut(
        kind=owner.kind,
        owner_id=owner.pk,
        current=VersionOut.model_validate(version) if version else None,
        review_state=agreement.review_state() if agreement else ReviewState.NOT_ADOPTED,
        review_due_at=agreement.review_due_at if agreement else None,
        signed=signed,
        not_signed=unsigned,
    )


@router.get(OWNER_PATH + "/versions", response={200: list[VersionOut], **ERRORS})
def list_versions(request: HttpRequest, kind: str, owner_id: int) -> list[VersionOut]:
    """Every adopted version, newest first. Old versions stay readable."""
    _owner, agreement = access_agreement(current_member(request), kind, owner_id)
    if agreement is None:
        return []
    return [VersionOut.model_validate(v) for v in agreement.versions.order_by("-number")]


@router.get(OWNER_PATH + "/diff", response={200: list[SectionDiffOut], **ERRORS})
def diff_versions(
    request: HttpRequest, kind: str, owner_id: int, old: int, new: int
) -> list[SectionDiffOut]:
    """What changed between two versions, per section, line by line (same/added/removed)."""
    _owner, agreement = access_agreement(current_member(request), kind, owner_id)
    texts = [
        services.comparable_text(services.AgreementText.of(_version(agreement, number)))
        for number in (old, new)
    ]
    return [
        SectionDiffOut(
            section=section.field,
            changed=section.is_changed,
            lines=[DiffLineOut(kind=line.kind, text=line.text) for line in section.lines],
        )
        for section in diff_sections(texts[0], texts[1], [(f, str(h)) for f, h in SECTIONS])
    ]


@router.post(OWNER_PATH + "/sign", response={201: SignatureOut, **WRITE_ERRORS})
def sign(request: HttpRequest, kind: str, owner_id: int, payload: SignIn) -> Status[SignatureOut]:
    """Sign the current version; name the version you read (``not_current_version`` if stale)."""
    member = current_member(request)
    _owner, agreement = access_agreement(member, kind, owner_id)
    signature = services.sign_agreement(
        agreement=_existing(agreement), version_number=payload.version, actor=member
    )
    return Status(201, SignatureOut(version=payload.version, signed_at=signature.signed_at))


@router.post(OWNER_PATH + "/reviews", response={201: ReviewOut, **WRITE_ERRORS})
def record_review(
    request: HttpRequest, kind: str, owner_id: int, payload: ReviewIn
) -> Status[ReviewOut]:
    """Record a review that keeps the agreement as it is; the next review moves accordingly."""
    member = current_member(request)
    _owner, agreement = access_agreement(member, kind, owner_id)
    agreement = _existing(agreement)
    review = services.record_review(agreement=agreement, actor=member, note=payload.note)
    return Status(
        201,
        ReviewOut(
            outcome=review.outcome,
            reviewed_at=review.reviewed_at,
            review_due_at=agreement.review_due_at,
        ),
    )

"""Write the audit trail. Call inside the same transaction as the change it records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from mutua.audit.models import AuditEvent

if TYPE_CHECKING:
    from mutua.members.models import Member


def record(*, action: str, target: models.Model, actor: Member | None, **data: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        data=data,
    )

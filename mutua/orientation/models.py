"""Arriving and leaving well: a newcomer's emergency contact and "not now", and nothing else.

The welcome checklist itself is computed from real data (signatures, role holdings, the profile,
the emergency contact); only the two facts no other app keeps are stored here.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.lib.crypto import EncryptedTextField
from mutua.members.models import Member, Pod


class EmergencyContact(models.Model):
    """Whom to call if something happens to a member. Sensitive: name and phone are encrypted,
    and only the member and their pod's organizers reach it (``access_emergency_contact``)."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="emergency_contact"
    )
    name = EncryptedTextField(_("name"))
    phone = EncryptedTextField(_("phone"), help_text=_("International format, e.g. +15551234567"))
    relationship = models.CharField(
        _("relationship"), max_length=60, blank=True, help_text=_("e.g. sister, neighbour")
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"emergency contact of {self.member_id}"


class CommitmentDeferral(models.Model):
    """A newcomer's "not now" to taking on a first commitment: an answer, not a gap."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="+")
    said_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "pod"], name="one_not_now_per_pod")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} said not now in {self.pod_id}"

"""Operators may read agreements; they change only through proposals, never here."""

from __future__ import annotations

from django.contrib import admin

from mutua.agreements.models import Agreement, AgreementVersion, Signature
from mutua.lib.admin import ReadOnlyAdmin

admin.site.register(Agreement, ReadOnlyAdmin)
admin.site.register(AgreementVersion, ReadOnlyAdmin)
admin.site.register(Signature, ReadOnlyAdmin)

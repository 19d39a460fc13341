"""Operators may read proposals, votes and meetings; members decide, not the admin."""

from __future__ import annotations

from django.contrib import admin

from mutua.decisions.models import Meeting, Proposal, Vote
from mutua.lib.admin import ReadOnlyAdmin

admin.site.register(Proposal, ReadOnlyAdmin)
admin.site.register(Vote, ReadOnlyAdmin)
admin.site.register(Meeting, ReadOnlyAdmin)

"""The one decorator every members' page uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from mutua.members.access import member_for_user
from mutua.members.models import Member

P = ParamSpec("P")
MemberView = Callable[Concatenate[HttpRequest, Member, P], HttpResponse]


def member_required(view: MemberView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed in and a member: the view gets the member as its second argument."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        member = member_for_user(request.user)
        if member is None:
            # A bare sign-in identity (an operator, a half-finished sign-up) has no pod or network.
            raise PermissionDenied
        return view(request, member, *args, **kwargs)

    return wrapper

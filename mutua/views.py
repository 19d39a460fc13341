"""The public landing page: the only page people who are not signed in can see."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mutua.members.access import member_for_user


def home(request: HttpRequest) -> HttpResponse:
    """Say what Mutua is; members go straight to the requests of their pods and network."""
    if member_for_user(request.user) is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "home.html", {"demo_sign_in": settings.DEMO_SIGN_IN})

"""Mutua's JSON API: the same actions as the web pages, for scripts and apps.

Handlers are adapters, like the web views: a pydantic schema in, an ``access_*`` function, one
service, a schema out. This module holds what every endpoint shares: who is calling (an API token
or the browser's session) and how errors are turned into the one ``Error`` shape
(``mutua/lib/api.py``). "Not allowed" is the same 404 as "not found".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputError
from ninja.security import APIKeyCookie, HttpBearer

from mutua.agreements import api as agreements_api
from mutua.decisions import api as decisions_api
from mutua.deliveries import api as deliveries_api
from mutua.exchange import api as exchange_api
from mutua.groups import api as groups_api
from mutua.lib.api import Error
from mutua.members import api as members_api
from mutua.members.access import member_for_user
from mutua.members.models import ApiToken, Member
from mutua.orientation import api as orientation_api
from mutua.schedules import api as schedules_api

# Writing last_used_at on every call would turn each read into a write (and, on SQLite, queue it
# behind other writers); a minute's precision is plenty to tell a live token from a forgotten one.
TOKEN_USE_PRECISION = timedelta(minutes=1)


def member_for_token(secret: str) -> Member | None:
    """The member behind a live API token; revoked and unknown tokens are nobody."""
    token = (
        ApiToken.objects.filter(token_hash=ApiToken.hash(secret), revoked_at=None)
        .select_related("member__user")
        .first()
    )
    if token is None or not token.member.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.member


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <secret>`` for scripts. No cookies, so no CSRF check."""

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        return member_for_token(token)


class SessionAuth(APIKeyCookie):
    """The signed-in browser. Unsafe methods must pass Django's CSRF check, as forms do."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Member | None:
        # Anonymous callers get a 401 rather than a CSRF failure: check who it is first.
        if member_for_user(request.user) is None:
            return None
        member: Member | None = super().__call__(request)  # runs the CSRF check
        return member

    def authenticate(self, request: HttpRequest, key: str | None) -> Member | None:
        return member_for_user(request.user)


api = NinjaAPI(
    title="Mutua",
    version="1",
    description=(
        "Requests, offers and claims for mutual aid networks. Authenticate with "
        "`Authorization: Bearer <token>` (create a token on your profile page), or call it from "
        "a signed-in browser (with the CSRF token on unsafe methods). Every error has the shape "
        "`Error`; something you may not see is reported as 404, exactly like something that "
        "does not exist."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    body = Error(code=code, message=message, fields=fields)
    return api.create_response(request, body.model_dump(), status=status)


@api.exception_handler(ValidationError)
def service_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A rule a service refused, with its code: ``empty_summary``, ``already_claimed``..."""
    code = getattr(exc, "code", None) or "invalid"
    field = exchange_api.FIELD_FOR_CODE.get(code)
    message = " ".join(str(m) for m in exc.messages)
    return error_response(request, 400, code, message, fields={field: message} if field else None)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


def _field_name(loc: tuple[Any, ...]) -> str:
    # ninja locates errors as ("body", <parameter name>, field, ...); members only know fields.
    parts = [str(part) for part in loc[2:]] if loc and loc[0] == "body" else map(str, loc[1:])
    return ".".join(parts) or "body"


@api.exception_handler(InputError)
def invalid_input(request: HttpRequest, exc: InputError) -> HttpResponse:
    """A body or query that does not fit the schema: 400 with a message per field, not 422."""
    fields: dict[str, str] = {}
    for error in exc.errors:
        name = _field_name(tuple(error.get("loc", ())))
        fields[name] = " ".join(filter(None, [fields.get(name), str(error.get("msg", ""))]))
    return error_response(
        request, 400, "invalid_input", _("Some fields are missing or invalid."), fields
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        response = error_response(
            request,
            401,
            "not_authenticated",
            _("Sign in, or send an API token as “Authorization: Bearer <token>”."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    if exc.status_code == 400:
        # ninja's only 400 is a body it cannot parse.
        message = _("The request body is not valid JSON.")
        return error_response(request, 400, "invalid_input", message, {"body": message})
    if exc.status_code == 403:
        return error_response(
            request, 403, "csrf_failed", _("The CSRF check failed. Reload the page and try again.")
        )
    return error_response(request, exc.status_code, "error", str(exc))


api.add_router("", exchange_api.router, tags=["requests and offers"])
api.add_router("", members_api.router, tags=["me"])
api.add_router("", schedules_api.router, tags=["roles and shifts"])
api.add_router("", agreements_api.router, tags=["agreements"])
api.add_router("", decisions_api.router, tags=["proposals and meetings"])
api.add_router("", deliveries_api.router, tags=["delivery runs"])
api.add_router("", groups_api.router, tags=["working groups"])
api.add_router("", orientation_api.router, tags=["welcome and handover"])

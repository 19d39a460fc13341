"""Sign-in, profile, networks and pods. Adapters only: parse, check access, call a service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from mutua.members import services
from mutua.members.access import access_pod, member_for_user, network_ids
from mutua.members.forms import (
    PROFILE_ERROR_FIELDS,
    AcceptNewcomerForm,
    ApiTokenForm,
    AskToJoinPodForm,
    ProfileForm,
    SignInCodeForm,
    SignInForm,
    SignUpForm,
    attach_error,
)
from mutua.members.models import (
    POD_MAX_HOUSEHOLDS,
    POD_MIN_HOUSEHOLDS,
    ApiToken,
    Household,
    Member,
    Network,
    Pod,
    PodMembership,
)

# A second brake next to the per-address limit in the service: one machine asking codes for many
# addresses. REMOTE_ADDR only (a forwarded header could be forged); behind a proxy, set it there.
CODES_PER_IP_PER_HOUR = 20
SESSION_EMAIL = "sign_in_email"
SESSION_NEXT = "sign_in_next"
SESSION_LANGUAGE = "member_language"  # read by mutua.members.middleware


def _member(request: HttpRequest) -> Member:
    """The signed-in member; a user without one (an operator) may not use members' pages."""
    member = member_for_user(request.user)
    if member is None:
        raise PermissionDenied
    return member


def _posted_id(request: HttpRequest, name: str) -> int:
    """A row id from a hidden field; anything that is not one is simply not found."""
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


def _ip_limited(request: HttpRequest) -> bool:
    """Count one code request for this IP address; True once it is over the hourly limit."""
    key = "sign-in-codes-ip:" + request.META.get("REMOTE_ADDR", "unknown")
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > CODES_PER_IP_PER_HOUR


def _ip_limited_message() -> str:
    return _(
        "Too many sign-in codes were asked for from your connection. Please wait an hour and try "
        "again."
    )


def _sign_in(request: HttpRequest, member: Member) -> None:
    login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_LANGUAGE] = member.preferred_language


def _safe_next(request: HttpRequest, next_url: str) -> str:
    """Where the member was going before signing in, if it is a page of this site."""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- Sign-in ------------------------------------------------------------------------------


def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for a code by email. The answer is the same whether or not the address is known."""
    if member_for_user(request.user) is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method != "POST":
        if "next" in request.GET:
            request.session[SESSION_NEXT] = request.GET["next"]
        return render(request, "members/sign_in.html", {"form": SignInForm()})

    form = SignInForm(request.POST)
    status = 400
    if form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if _ip_limited(request):
            form.add_error(None, _ip_limited_message())
            status = 429
        else:
            try:
                services.request_sign_in_code(email=email)
            except ValidationError as error:
                attach_error(form, error, {"email_invalid": "email"})
                status = 429 if error.code == "rate_limited" else 400
            else:
                request.session[SESSION_EMAIL] = email
                return redirect("members:sign_in_code")
    return render(request, "members/sign_in.html", {"form": form}, status=status)


def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Enter the emailed code; a right one signs the member in, in their own language."""
    email = request.session.get(SESSION_EMAIL)
    if not email:
        return redirect("members:sign_in")
    form = SignInCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.check_sign_in_code(email=email, code=form.cleaned_data["code"])
        except ValidationError as error:
            attach_error(form, error, {"code_wrong": "code"})
        else:
            member = member_for_user(user)
            if member is None:  # an operator: the admin is their door
                raise PermissionDenied
            next_url = str(request.session.pop(SESSION_NEXT, ""))
            _sign_in(request, member)
            request.session.pop(SESSION_EMAIL, None)
            return HttpResponseRedirect(_safe_next(request, next_url))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "members/sign_in_code.html", {"form": form, "email": email}, status=status
    )


def sign_up(request: HttpRequest) -> HttpResponse:
    """Create an account (no screening, no questions beyond how to reach you), then send a code."""
    if member_for_user(request.user) is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method != "POST":
        return render(request, "members/sign_up.html", {"form": SignUpForm()})

    form = SignUpForm(request.POST)
    status = 400
    if form.is_valid():
        if _ip_limited(request):
            form.add_error(None, _ip_limited_message())
            status = 429
        else:
            try:
                member = services.register_member(
                    email=form.cleaned_data["email"], profile=form.profile()
                )
            except ValidationError as error:
                attach_error(form, error, PROFILE_ERROR_FIELDS)
            else:
                return _send_first_code(request, member)
    return render(request, "members/sign_up.html", {"form": form}, status=status)


def _send_first_code(request: HttpRequest, member: Member) -> HttpResponse:
    try:
        services.request_sign_in_code(email=member.email)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("members:sign_in")
    request.session[SESSION_EMAIL] = member.email
    messages.success(request, _("Welcome to Mutua! Enter the code we just emailed you."))
    return redirect("members:sign_in_code")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


def demo_sign_in(request: HttpRequest) -> HttpResponse:
    """Development only: sign in as any demo member with one click. Missing outside DEBUG."""
    if not settings.DEMO_SIGN_IN:
        raise Http404
    if request.method == "POST":
        member = get_object_or_404(Member, pk=_posted_id(request, "member"))
        _sign_in(request, member)
        return redirect(settings.LOGIN_REDIRECT_URL)
    members = Member.objects.select_related("user").prefetch_related(
        Prefetch(
            "pod_memberships",
            queryset=PodMembership.objects.filter(status=PodMembership.Status.ACTIVE)
            .select_related("pod")
            .order_by("pod__name"),
            to_attr="active_pod_memberships",
        )
    )[:100]
    return render(request, "members/demo_sign_in.html", {"demo_members": members})


# --- Profile and API tokens ---------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if request.method != "POST":
        return render(request, "members/profile.html", {"form": ProfileForm.for_member(member)})
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.update_profile(member=member, profile=form.profile())
        except ValidationError as error:
            attach_error(form, error, PROFILE_ERROR_FIELDS)
        else:
            # The next page speaks the new language; so does the note confirming the change.
            request.session[SESSION_LANGUAGE] = member.preferred_language
            with translation.override(member.preferred_language):
                messages.success(request, _("Your profile is saved."))
            return redirect("members:profile")
    return render(request, "members/profile.html", {"form": form}, status=400)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List, create and revoke one's tokens. A new token's secret is shown once, never again."""
    member = _member(request)
    form = ApiTokenForm()
    context: dict[str, object] = {}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "revoke":
        token = get_object_or_404(
            ApiToken, pk=_posted_id(request, "token"), member=member, revoked_at=None
        )
        services.revoke_api_token(token=token, actor=member)
        messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
        return redirect("members:api_tokens")
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                token, secret = services.create_api_token(
                    member=member, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                attach_error(form, error, {"empty_name": "name"})
            else:
                context = {"new_token": token, "secret": secret}
                form = ApiTokenForm()
                status = 200
    context["form"] = form
    context["tokens"] = ApiToken.objects.filter(member=member).order_by("revoked_at", "-created_at")
    response = render(request, "members/api_tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the secret must not linger in a cache
    return response


# --- Networks -----------------------------------------------------------------------------


@login_required
def network_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    return render(
        request,
        "members/network_list.html",
        {"networks": Network.objects.all(), "joined": network_ids(member)},
    )


@login_required
def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request)
    network = get_object_or_404(Network, slug=slug)
    pods = Pod.objects.filter(network=network).with_household_count()
    return render(
        request,
        "members/network_detail.html",
        {"network": network, "pods": pods, "is_member": network.pk in network_ids(member)},
    )


@login_required
@require_POST
def network_join(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request)
    network = get_object_or_404(Network, slug=slug)
    services.join_network(member=member, network=network)
    messages.success(
        request,
        _("Welcome to %(network)s! Now ask to join a pod near you.") % {"network": network.name},
    )
    return redirect("members:network_detail", slug=network.slug)


# --- Pods ---------------------------------------------------------------------------------


@login_required
def my_pods(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    memberships = (
        PodMembership.objects.filter(
            member=member,
            status__in=[PodMembership.Status.ACTIVE, PodMembership.Status.PENDING],
        )
        .select_related("pod__network", "household")
        .order_by("pod__network__name", "pod__name")
    )
    networks = Network.objects.filter(
        memberships__member=member,
    ).order_by("name")
    return render(
        request,
        "members/my_pods.html",
        {
            "active": [m for m in memberships if m.status == PodMembership.Status.ACTIVE],
            "pending": [m for m in memberships if m.status == PodMembership.Status.PENDING],
            "networks": networks,
        },
    )


def _render_pod(
    request: HttpRequest,
    member: Member,
    pod: Pod,
    *,
    join_form: AskToJoinPodForm | None = None,
    bound_accept_form: tuple[int, AcceptNewcomerForm] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The pod page: who lives there (names only), its size, and newcomers to welcome."""
    households = (
        Household.objects.filter(pod=pod, memberships__status=PodMembership.Status.ACTIVE)
        .distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=PodMembership.objects.filter(status=PodMembership.Status.ACTIVE)
                .select_related("member")
                .order_by("member__display_name"),
                to_attr="active_memberships",
            )
        )
    )
    mine = (
        PodMembership.objects.filter(
            pod=pod,
            member=member,
            status__in=[PodMembership.Status.ACTIVE, PodMembership.Status.PENDING],
        )
        .select_related("household")
        .first()
    )
    can_decide = services.can_decide_admission(member, pod)
    newcomers: list[tuple[PodMembership, AcceptNewcomerForm]] = []
    if can_decide:
        all_households = list(Household.objects.filter(pod=pod))
        pending = (
            PodMembership.objects.filter(pod=pod, status=PodMembership.Status.PENDING)
            .select_related("member")
            .order_by("requested_at")
        )
        for membership in pending:
            if bound_accept_form and bound_accept_form[0] == membership.pk:
                form = bound_accept_form[1]
            else:
                form = AcceptNewcomerForm(
                    households=all_households, prefix=f"newcomer-{membership.pk}"
                )
            newcomers.append((membership, form))
    return render(
        request,
        "members/pod_detail.html",
        {
            "pod": pod,
            "size": services.pod_size(pod),
            "pod_min": POD_MIN_HOUSEHOLDS,
            "pod_max": POD_MAX_HOUSEHOLDS,
            "households": households,
            "mine": mine,
            "can_decide": can_decide,
            "newcomers": newcomers,
            "join_form": join_form or AskToJoinPodForm(),
            "errors": errors or [],
        },
        status=status,
    )


@login_required
def pod_detail(request: HttpRequest, pod_id: int) -> HttpResponse:
    member = _member(request)
    return _render_pod(request, member, access_pod(member, pod_id))


@login_required
@require_POST
def pod_join(request: HttpRequest, pod_id: int) -> HttpResponse:
    member = _member(request)
    pod = access_pod(member, pod_id)
    form = AskToJoinPodForm(request.POST)
    if form.is_valid():
        try:
            services.ask_to_join_pod(member=member, pod=pod, message=form.cleaned_data["message"])
        except ValidationError as error:
            # Shown above the page: the form itself is hidden from those already asked or in.
            return _render_pod(request, member, pod, errors=error.messages, status=400)
        else:
            messages.success(
                request, _("You asked to join %(pod)s. Its members will answer.") % {"pod": pod}
            )
            return redirect(pod)
    return _render_pod(request, member, pod, join_form=form, status=400)


@login_required
@require_POST
def pod_decide(
    request: HttpRequest, pod_id: int, membership_id: int, decision: str
) -> HttpResponse:
    """Welcome or decline a newcomer; the service applies the pod's own admission rule."""
    member = _member(request)
    pod = access_pod(member, pod_id)
    membership = get_object_or_404(
        PodMembership.objects.select_related("member", "pod"), pk=membership_id, pod=pod
    )
    if decision == "decline":
        try:
            services.decline_pod_member(membership=membership, actor=member)
        except ValidationError as error:
            return _render_pod(request, member, pod, errors=error.messages, status=400)
        messages.success(
            request, _("You answered %(name)s.") % {"name": membership.member.display_name}
        )
        return redirect(pod)
    if decision != "accept":
        raise Http404
    form = AcceptNewcomerForm(
        request.POST,
        households=list(Household.objects.filter(pod=pod)),
        prefix=f"newcomer-{membership.pk}",
    )
    if form.is_valid():
        try:
            services.accept_pod_member(
                membership=membership,
                actor=member,
                household=form.chosen_household(),
                new_household_name=form.cleaned_data["new_household_name"],
            )
        except ValidationError as error:
            return _render_pod(request, member, pod, errors=error.messages, status=400)
        messages.success(
            request,
            _("%(name)s is now part of %(pod)s.")
            % {"name": membership.member.display_name, "pod": pod.name},
        )
        return redirect(pod)
    return _render_pod(request, member, pod, bound_accept_form=(membership.pk, form), status=400)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the page language; for a signed-in member it becomes their preferred language too,
    so emails follow (and the session's language no longer overrides the choice)."""
    language = request.POST.get("language", "")
    member = member_for_user(request.user)
    if member is not None and language in dict(settings.LANGUAGES):
        services.set_preferred_language(member=member, language=language)
        request.session[SESSION_LANGUAGE] = language
    return django_set_language(request)

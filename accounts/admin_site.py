"""The staff admin site: two-factor sign-in (TOTP, django-otp), enrolment, a throttled login.

`ArtelAdminSite` replaces Django's default site (accounts/apps.py), so every `@admin.register`
lands here. With `ADMIN_REQUIRE_2FA` on, a page of the admin opens only for a staff user whose
session was verified with a one-time code:

- The login page asks for username, password and the 6-digit code of the authenticator app.
- Staff without a confirmed authenticator are sent, after the password step, to an enrolment page
  (QR code of the otpauth:// URI, or the key typed in) and are signed in once they confirm a code.
  Until then they are not signed in at all: no half-authenticated session reaches the API.
- Someone already signed in on the web (Telegram, Google) who is staff but not verified only
  gives the code (or enrols).

Failed attempts (a wrong password or code) are counted per username and client IP, and per IP:
over `ADMIN_LOGIN_FAILURES` in `ADMIN_LOGIN_LOCKOUT` seconds the login is locked with a message
saying for how long. django-otp's own per-device throttling comes on top.
"""

from __future__ import annotations

import hashlib
import math
import time
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.core.cache import cache
from django.forms.utils import ErrorDict
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.selectors import user_is_staff_member
from core.ratelimit import client_ip

ENROL_SESSION_KEY = "artel_otp_enrol"
ENROL_MAX_AGE = 600  # seconds between the password step and confirming the first code

CODE_REQUIRED = _("Enter the 6-digit code from your authenticator app.")
CODE_INVALID = _("The code is not valid. Check the time on your phone and try again.")
ENROL_EXPIRED = _("Sign in again to set up your authenticator.")
NOT_ENROLLED = _(
    "Two-factor sign-in is not set up for this account yet. Open the enrolment link a manager "
    "gave you, then sign in here."
)
ENROL_LINK_INVALID = _("This enrolment link is not valid any more. Ask a manager for a new one.")
ENROL_LINK_OPENED = _("Sign in with your password to set up your authenticator.")


# --- Login throttle -------------------------------------------------------------------------------


def _failure_keys(username: str, ip: str) -> list[str]:
    user_ip = hashlib.sha256(f"{username.strip().lower()}\0{ip}".encode()).hexdigest()[:32]
    return [f"admin-login:user-ip:{user_ip}", f"admin-login:ip:{ip}"]


def _limits() -> list[int]:
    return [settings.ADMIN_LOGIN_FAILURES, settings.ADMIN_LOGIN_FAILURES_PER_IP]


def login_locked_for(username: str, ip: str) -> int:
    """Seconds the login stays locked for this username and IP (0 = not locked)."""
    now = time.time()
    untils = cache.get_many([f"{key}:until" for key in _failure_keys(username, ip)]).values()
    remaining = max((until - now for until in untils), default=0)
    return math.ceil(remaining) if remaining > 0 else 0


def login_failed(username: str, ip: str) -> None:
    window = settings.ADMIN_LOGIN_LOCKOUT
    for key, limit in zip(_failure_keys(username, ip), _limits(), strict=True):
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
            count = 1
        if count >= limit:
            cache.set(f"{key}:until", time.time() + window, timeout=window)


def login_succeeded(username: str, ip: str) -> None:
    # The per-IP counter is kept: one good account must not reset guessing at the others.
    user_key = _failure_keys(username, ip)[0]
    cache.delete_many([user_key, f"{user_key}:until"])


def locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# --- Forms ----------------------------------------------------------------------------------------

_code_field = forms.CharField(
    label=_("Code"),
    required=False,
    max_length=8,
    widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
    ),
)


def _clean_code(value: str) -> str:
    return "".join((value or "").split())


def verified_device(user, code: str):
    """The confirmed device of `user` that accepts `code`, or None (django-otp throttles)."""
    if not code:
        return None
    return django_otp.match_token(user, code)


def has_confirmed_device(user) -> bool:
    return any(True for _device in django_otp.devices_for_user(user, confirmed=True))


class AdminLoginForm(AdminAuthenticationForm):
    """Username, password and, for staff with an authenticator, the 6-digit code."""

    otp_token = _code_field

    def __init__(self, *args, require_2fa: bool, **kwargs):
        self.require_2fa = require_2fa
        self.device = None
        self.needs_enrolment = False
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()  # authenticates; staff only (AdminAuthenticationForm)
        user = self.get_user()
        code = _clean_code(cleaned.get("otp_token"))
        if has_confirmed_device(user):
            if not code and not self.require_2fa:
                return cleaned
            if not code:
                raise forms.ValidationError(CODE_REQUIRED, code="otp_required")
            self.device = verified_device(user, code)
            if self.device is None:
                raise forms.ValidationError(CODE_INVALID, code="otp_invalid")
        elif self.require_2fa:
            # Enrolment needs the proof a manager handed out (an opened enrolment link), never
            # the password alone.
            if opened_link(self.request, user) is None:
                raise forms.ValidationError(NOT_ENROLLED, code="otp_not_enrolled")
            self.needs_enrolment = True
        return cleaned


class CodeForm(forms.Form):
    """The second step alone, for a staff user already signed in on the web."""

    otp_token = _code_field

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.device = None
        super().__init__(*args, **kwargs)

    def clean(self):
        code = _clean_code(self.cleaned_data.get("otp_token"))
        if not code:
            raise forms.ValidationError(CODE_REQUIRED, code="otp_required")
        self.device = verified_device(self.user, code)
        if self.device is None:
            raise forms.ValidationError(CODE_INVALID, code="otp_invalid")
        return self.cleaned_data


class EnrolForm(forms.Form):
    otp_token = _code_field

    def __init__(self, *args, device: TOTPDevice, link_id: int, **kwargs):
        self.device = device
        self.link_id = link_id
        super().__init__(*args, **kwargs)

    def clean(self):
        code = _clean_code(self.cleaned_data.get("otp_token"))
        if not code:
            raise forms.ValidationError(CODE_REQUIRED, code="otp_required")
        confirmed = two_factor.enrolment_confirm(
            link_id=self.link_id, device_id=self.device.pk, verify=lambda d: d.verify_token(code)
        )
        if not confirmed:
            raise forms.ValidationError(CODE_INVALID, code="otp_invalid")
        self.device.refresh_from_db()
        return self.cleaned_data


def opened_link(request, user):
    """The enrolment link opened in this browser session for `user`, if it is still open."""
    opened = request.session.get(two_factor.LINK_SESSION_KEY) or {}
    if opened.get("user") != user.pk:
        return None
    return two_factor.enrolment_link_for(link_id=opened.get("link"), user=user)


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no image request, nothing for the CSP to allow)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


# --- The site -------------------------------------------------------------------------------------


def _refuse(form, message) -> None:
    """Show only `message` on a bound form, without validating it (no password or code check
    while locked: no oracle, no used-up codes)."""
    form._errors = ErrorDict()
    form.cleaned_data = {}
    form.add_error(None, message)


def _is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def never_cache_csrf(view):
    """never_cache + csrf_protect for a method of the site (like Django's own login)."""
    return method_decorator(csrf_protect)(method_decorator(never_cache)(view))


class ArtelAdminSite(admin.AdminSite):
    site_header = _("Artel Billiards")
    site_title = _("Artel Billiards admin")
    index_title = _("Club administration")

    def role_check(self, request) -> bool:
        """The admin is for active members of the staff or manager groups (and superusers)."""
        return user_is_staff_member(user=request.user)

    def has_permission(self, request):
        if not self.role_check(request):
            return False
        return not settings.ADMIN_REQUIRE_2FA or _is_verified(request.user)

    def get_urls(self):
        return [
            path("otp/enrol/", self.admin_view_unauthenticated(self.otp_enrol), name="otp_enrol"),
            path(
                "otp/enrol/<str:token>/",
                self.admin_view_unauthenticated(self.otp_enrol_link),
                name="otp_enrol_link",
            ),
            *super().get_urls(),
        ]

    def admin_view_unauthenticated(self, view):
        return never_cache(csrf_protect(view))

    # -- helpers --

    def _next_url(self, request) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("admin:index", current_app=self.name)

    def _pending_web_user(self, request):
        """A staff user signed in (e.g. on the web) whose session still lacks the code."""
        user = request.user
        if (
            settings.ADMIN_REQUIRE_2FA
            and user.is_authenticated
            and user.is_active
            and user.is_staff
            and not _is_verified(user)
        ):
            return user
        return None

    def _render(self, request, template, context, status=200):
        context = {**self.each_context(request), **context}
        request.current_app = self.name
        return TemplateResponse(request, template, context, status=status)

    # -- login --

    @never_cache_csrf
    def login(self, request, extra_context=None):
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(self._next_url(request))
        ip = client_ip(request)
        web_user = self._pending_web_user(request)
        not_enrolled = web_user is not None and not has_confirmed_device(web_user)
        if not_enrolled and opened_link(request, web_user) is not None:
            return redirect(reverse("admin:otp_enrol", current_app=self.name))
        require = settings.ADMIN_REQUIRE_2FA
        data = request.POST if request.method == "POST" else None
        if web_user is not None:
            form = CodeForm(data, user=web_user)
            username = web_user.get_username()
        else:
            form = AdminLoginForm(request, data=data, require_2fa=require)
            username = (data or {}).get("username", "")
        status = 200
        if not_enrolled:
            _refuse(form, NOT_ENROLLED)
            status = 403
        elif data is not None:
            locked = login_locked_for(username, ip)
            if locked:
                _refuse(form, locked_message(locked))
                status = 429
            elif form.is_valid():
                login_succeeded(username, ip)
                return self._login_passed(request, form, web_user)
            elif username:
                login_failed(username, ip)
        context = {
            "title": _("Log in"),
            "form": form,
            "code_only": web_user is not None,
            "app_path": request.get_full_path(),
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "username": username,
            "require_2fa": require,
            **(extra_context or {}),
        }
        return self._render(request, "admin/artel/login.html", context, status=status)

    def _login_passed(self, request, form, web_user):
        if web_user is not None:
            django_otp.login(request, form.device)
            return HttpResponseRedirect(self._next_url(request))
        user = form.get_user()
        if form.needs_enrolment:
            # Not signed in yet: the enrolment page finishes the sign-in after a valid code.
            request.session.cycle_key()
            request.session[ENROL_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self._next_url(request),
            }
            return redirect(reverse("admin:otp_enrol", current_app=self.name))
        auth_login(request, user)
        if form.device is not None:
            django_otp.login(request, form.device)
        return HttpResponseRedirect(self._next_url(request))

    # -- enrolment --

    def _enrolling(self, request):
        """(user, backend or None, next, link) of whoever may enrol now, or None: a staff member
        who opened an enrolment link in this session and then proved the password (or is
        signed in on the web)."""
        web_user = self._pending_web_user(request)
        if web_user is not None:
            link = opened_link(request, web_user)
            return (web_user, None, self._next_url(request), link) if link else None
        pending = request.session.get(ENROL_SESSION_KEY)
        if not pending or time.time() - pending.get("at", 0) > ENROL_MAX_AGE:
            return None
        user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
        if user is None or not user.is_staff:
            return None
        link = opened_link(request, user)
        if link is None:
            return None
        return user, pending["backend"], pending.get("next") or reverse("admin:index"), link

    def otp_enrol_link(self, request, token):
        """An enrolment link a manager issued: remembered in this browser session, then the
        password step (or, signed in on the web already, straight to the enrolment page)."""
        link = two_factor.enrolment_link_valid(token)
        login_url = reverse("admin:login", current_app=self.name)
        if link is None:
            request.session.pop(two_factor.LINK_SESSION_KEY, None)
            messages.error(request, ENROL_LINK_INVALID)
            return redirect(login_url)
        request.session.cycle_key()
        request.session[two_factor.LINK_SESSION_KEY] = {"link": link.pk, "user": link.user_id}
        if self._pending_web_user(request) is not None and request.user.pk == link.user_id:
            return redirect(reverse("admin:otp_enrol", current_app=self.name))
        messages.info(request, ENROL_LINK_OPENED)
        return redirect(login_url)

    def otp_enrol(self, request):
        enrolling = self._enrolling(request)
        login_url = reverse("admin:login", current_app=self.name)
        if enrolling is None:
            request.session.pop(ENROL_SESSION_KEY, None)
            messages.info(request, ENROL_EXPIRED)
            return redirect(login_url)
        user, backend, next_url, link = enrolling
        if has_confirmed_device(user):
            # A second authenticator is added by a manager, never through a password alone.
            return redirect(login_url)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
        ip = client_ip(request)
        username = user.get_username()
        status = 200
        form = EnrolForm(
            request.POST if request.method == "POST" else None, device=device, link_id=link.pk
        )
        if request.method == "POST":
            locked = login_locked_for(username, ip)
            if locked:
                _refuse(form, locked_message(locked))
                status = 429
            elif form.is_valid():
                login_succeeded(username, ip)
                request.session.pop(ENROL_SESSION_KEY, None)
                request.session.pop(two_factor.LINK_SESSION_KEY, None)
                if not request.user.is_authenticated or request.user.pk != user.pk:
                    auth_login(request, user, backend=backend)
                django_otp.login(request, form.device)
                return HttpResponseRedirect(next_url)
            else:
                login_failed(username, ip)
        context = {
            "title": _("Set up two-factor sign-in"),
            "form": form,
            "qr_svg": qr_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
            "enrol_user": user,
            "app_path": request.get_full_path(),
        }
        return self._render(request, "admin/artel/otp_enrol.html", context, status=status)

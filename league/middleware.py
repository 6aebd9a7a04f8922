from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class LanguageMiddleware:
    """German first: the language is the visitor's choice (cookie), else the user's profile
    language, else German. The browser's Accept-Language is deliberately not consulted, so a
    partner sees the German portal unless they ask for English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in SUPPORTED:
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user and user.is_authenticated else None
        if language not in SUPPORTED:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


STAFF_PREFIXES = ("/staff/", "/admin/")


def staff_mfa_passed(request) -> bool:
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class StaffSecondFactorMiddleware:
    """The staff area needs a staff user who logged in with a second factor (TOTP).

    A staff user without an authenticator is sent to set one up; one whose session was opened
    without the second factor is asked for it before going on.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(STAFF_PREFIXES):
            denied = self.check(request)
            if denied is not None:
                return denied
        return self.get_response(request)

    def check(self, request):
        from allauth.mfa.utils import is_mfa_enabled

        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_staff:
            raise PermissionDenied
        if not is_mfa_enabled(user, ["totp"]):
            messages.warning(
                request,
                _("Staff accounts need a second factor. Please set up your authenticator app."),
            )
            return redirect("mfa_activate_totp")
        if not staff_mfa_passed(request):
            return redirect(f"{_reauth_url()}?next={request.get_full_path()}")
        return None


def _reauth_url():
    from django.urls import reverse

    return reverse("mfa_reauthenticate")

"""The interface language a user chose: saved on the user, brought back at login.

Order of precedence for a page: the language cookie (set by the header's switch, and by
a login from the saved choice), then the browser's Accept-Language, then LANGUAGE_CODE
(LocaleMiddleware). An API request without the cookie and without Accept-Language gets
its user's saved choice (LanguageFromUserTokenAuthentication below).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from preferences.models import UserPreference

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def saved_language(user) -> str | None:
    """The language `user` chose, or None when they have not chosen one. Reads the
    preference the user was loaded with when the query selected it (the API's token
    authentication does), else asks the database."""
    if user is None or not user.is_authenticated:
        return None
    try:
        language = user.preference.language
    except UserPreference.DoesNotExist:
        return None
    return language if language in SUPPORTED else None


def language_for_address(address: str) -> str:
    """The language to write to an e-mail address in: the saved choice of the user with
    that address, else LANGUAGE_CODE."""
    language = (
        UserPreference.objects.filter(user__email__iexact=address, user__is_active=True)
        .exclude(language="")
        .values_list("language", flat=True)
        .first()
    )
    return language if language in SUPPORTED else settings.LANGUAGE_CODE


def save_language(user, language: str) -> None:
    """Remember `language` as `user`'s choice (one of settings.LANGUAGES)."""
    if language not in SUPPORTED:
        raise ValueError(f"Unsupported language {language!r}.")
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})


def use_language(request: HttpRequest, language: str) -> None:
    """Answer this request in `language`, and have the response set the language cookie."""
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request.language_cookie = language


def language_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """user_logged_in: switch to the user's saved language (the cookie follows)."""
    language = saved_language(user)
    if request is not None and language:
        use_language(request, language)


class LanguageCookieMiddleware:
    """Sets the language cookie when a login asked for it (language_on_login), so the
    saved choice lasts beyond the request that logged the user in."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, "language_cookie", None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def _api_user_language(request, user) -> None:
    """A client that says which language it wants (cookie or Accept-Language) gets it;
    otherwise the API answers in the language its user saved."""
    django_request = getattr(request, "_request", request)
    if settings.LANGUAGE_COOKIE_NAME in django_request.COOKIES:
        return
    if django_request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return
    language = saved_language(user)
    if language:
        translation.activate(language)
        django_request.LANGUAGE_CODE = language


class LanguageFromUserTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, loading the user's preference in the same query; a
    client that names no language gets its user's saved one. (Browsers use the session
    and carry the language cookie a login set.)"""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__preference").get(key=key)
        except model.DoesNotExist:
            raise AuthenticationFailed(gettext("Invalid token.")) from None
        if not token.user.is_active:
            raise AuthenticationFailed(gettext("User inactive or deleted."))
        return (token.user, token)

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _api_user_language(request, result[0])
        return result

"""Sign-in security: Argon2, lockout, two-factor for staff, CSRF, headers, session expiry."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from concord.web.accounts.models import ApiToken, Role, User

from .conftest import Cast

LOGIN = "/accounts/login/"
PASSWORD = "a long test password"


def sign_in(client: Client, username: str, password: str = PASSWORD, token: str = "") -> int:
    response = client.post(LOGIN, {"username": username, "password": password, "otp_token": token})
    return response.status_code


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # type: ignore[attr-defined]
    user = User.objects.create_user("argon", password=PASSWORD, role=Role.OBSERVER)
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_sign_in_with_password_then_caseload(cast: Cast) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "clin_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("clinic:caseload")


@pytest.mark.django_db
def test_wrong_password_gives_a_form_error_not_a_hint(cast: Cast) -> None:
    client = Client()
    unknown = client.post(LOGIN, {"username": "nobody", "password": PASSWORD})
    wrong = client.post(LOGIN, {"username": "clin_a", "password": "wrong password!"})
    assert unknown.status_code == wrong.status_code == 400
    assert b"The user name or password is not right" in wrong.content
    assert unknown.content.count(b"not right") == wrong.content.count(b"not right") == 1


@pytest.mark.django_db
def test_lockout_after_repeated_failures(cast: Cast, settings: object) -> None:
    client = Client()
    for _attempt in range(4):
        assert sign_in(client, "clin_a", "wrong password!") == 400
    # The 5th failure (CONCORD_LOCKOUT_FAILURES defaults to 5) locks the account ...
    assert sign_in(client, "clin_a", "wrong password!") == 429
    # ... and then even the right password is refused.
    locked = client.post(LOGIN, {"username": "clin_a", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    # Another account is not affected: the lock is per account.
    assert sign_in(Client(), "colleague_a") == 302


@pytest.mark.django_db
def test_csrf_is_enforced_on_sign_in(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "clin_a", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_security_headers_and_csp(cast: Cast) -> None:
    response = Client().get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_sessions_expire_when_idle_and_with_the_browser(settings: object) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # type: ignore[attr-defined]
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # type: ignore[attr-defined]
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True  # type: ignore[attr-defined]
    assert settings.SESSION_COOKIE_HTTPONLY is True  # type: ignore[attr-defined]


@pytest.mark.django_db
# django-otp throttles a device for a second after a wrong code; switched off here so the
# right code can follow the wrong one at once.
@override_settings(REQUIRE_TWO_FACTOR=True, OTP_TOTP_THROTTLE_FACTOR=0)
def test_staff_must_set_up_two_factor_before_seeing_patients(cast: Cast) -> None:
    client = Client()
    assert sign_in(client, "clin_a") == 302
    response = client.get(reverse("clinic:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    setup = client.get(reverse("accounts:two_factor"))
    assert b"Set up your authenticator app" in setup.content and b"<svg" in setup.content
    device = TOTPDevice.objects.get(user=cast.users["clin_a"], confirmed=False)
    wrong = client.post(reverse("accounts:two_factor"), {"otp_token": "000000"})
    assert wrong.status_code == 200 and b"That code is not right" in wrong.content
    confirmed = client.post(
        reverse("accounts:two_factor") + "?next=/caseload/",
        {"otp_token": current_code(device), "next": "/caseload/"},
    )
    assert confirmed.status_code == 302 and confirmed["Location"] == "/caseload/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("clinic:caseload")).status_code == 200


@pytest.mark.django_db
@override_settings(REQUIRE_TWO_FACTOR=True)
def test_staff_with_an_authenticator_need_its_code_to_sign_in(cast: Cast) -> None:
    device = TOTPDevice.objects.create(user=cast.users["clin_a"], name="phone", confirmed=True)
    assert sign_in(Client(), "clin_a") == 400  # password alone is not enough
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    client = Client()
    assert sign_in(client, "clin_a", token=current_code(device)) == 302
    assert client.get(reverse("clinic:caseload")).status_code == 200


@pytest.mark.django_db
@override_settings(REQUIRE_TWO_FACTOR=True)
def test_patients_are_not_asked_for_two_factor(cast: Cast) -> None:
    client = Client()
    assert sign_in(client, "patient_a") == 302
    assert client.get(reverse("clinic:portal")).status_code == 200


@pytest.mark.django_db
def test_wrong_authenticator_codes_count_towards_the_lockout(cast: Cast) -> None:
    TOTPDevice.objects.create(user=cast.users["clin_a"], name="phone", confirmed=True)
    client = Client()
    for _attempt in range(4):
        assert sign_in(client, "clin_a", token="123456") == 400
    assert sign_in(client, "clin_a", token="123456") == 429
    assert client.post(LOGIN, {"username": "clin_a", "password": PASSWORD}).status_code == 429


@pytest.mark.django_db
def test_api_tokens_store_only_a_hash_and_can_expire_or_be_revoked(cast: Cast) -> None:
    from datetime import timedelta

    from django.utils import timezone

    token, secret = ApiToken.issue(cast.users["clin_a"], "lab system")
    assert secret.startswith("cnc_") and secret not in token.digest
    assert ApiToken.authenticate(secret) == cast.users["clin_a"]
    assert ApiToken.authenticate(secret + "x") is None
    token.revoked_at = timezone.now()
    token.save()
    assert ApiToken.authenticate(secret) is None
    _expired, old = ApiToken.issue(
        cast.users["clin_a"], "old", timezone.now() - timedelta(seconds=1)
    )
    assert ApiToken.authenticate(old) is None
    cast.users["clin_b"].is_active = False
    cast.users["clin_b"].save()
    _t, inactive = ApiToken.issue(cast.users["clin_b"], "x")
    assert ApiToken.authenticate(inactive) is None

"""Start-up refusals: production never runs with an insecure configuration."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

MINIMUM_SECRET_KEY_LENGTH = 50
KNOWN_INSECURE_PREFIXES = ("django-insecure", "changeme", "change-me", "secret", "concord-demo")


def check_production_settings(
    *,
    production: bool,
    debug: bool,
    secret_key: str,
    secure_cookies: bool,
    require_two_factor: bool,
    allowed_hosts: list[str],
) -> None:
    """Raise :class:`ImproperlyConfigured` listing every insecure production setting.

    Outside production mode this does nothing.
    """
    if not production:
        return
    problems: list[str] = []
    if debug:
        problems.append("CONCORD_DEBUG is on (concord.E001)")
    if not secret_key:
        problems.append("CONCORD_SECRET_KEY is missing (concord.E002)")
    elif (
        len(secret_key) < MINIMUM_SECRET_KEY_LENGTH
        or secret_key.lower().startswith(KNOWN_INSECURE_PREFIXES)
        or len(set(secret_key)) < 5
    ):
        problems.append(
            f"CONCORD_SECRET_KEY is a default or weak key; use at least "
            f"{MINIMUM_SECRET_KEY_LENGTH} random characters (concord.E003)"
        )
    if not secure_cookies:
        problems.append(
            "CONCORD_SECURE_COOKIES is off: cookies would travel without TLS (concord.E004)"
        )
    if not require_two_factor:
        problems.append(
            "CONCORD_REQUIRE_2FA is off: staff must use two-factor sign-in (concord.E005)"
        )
    if not allowed_hosts:
        problems.append("CONCORD_ALLOWED_HOSTS is empty (concord.E006)")
    if problems:
        raise ImproperlyConfigured(
            "Concord refuses to start in production mode: " + "; ".join(problems) + "."
        )

"""Typed helpers that read settings from environment variables and fail loudly.

Every variable read through these helpers is recorded in :data:`DECLARED`, so a test can
check that each one is documented in docs/configuration.md. A secret may also be given
as a file: ``NAME_FILE=/run/secrets/name`` reads the file's content (stripped).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DECLARED: dict[str, str] = {}
"""Variable name → kind (str, bool, int, list, secret) of every variable read so far."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, kind: str, environ: Mapping[str, str] | None) -> str | None:
    DECLARED[name] = kind
    source = os.environ if environ is None else environ
    return source.get(name)


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """Return the variable as text, or ``default`` when it is unset."""
    value = _raw(name, "str", environ)
    return default if value is None else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    """Return the variable as a boolean (1/0, true/false, yes/no, on/off)."""
    value = _raw(name, "bool", environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Return the variable as an integer, checking an optional lower bound."""
    value = _raw(name, "int", environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}.")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Return a comma-separated variable as a list of non-empty stripped items."""
    value = _raw(name, "list", environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(
    name: str, default: str, choices: tuple[str, ...], *, environ: Mapping[str, str] | None = None
) -> str:
    """Return the variable, which must be one of ``choices``."""
    value = _raw(name, "choice", environ)
    if value is None:
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}.")
    return value


def env_secret(name: str, *, environ: Mapping[str, str] | None = None) -> str | None:
    """Return a secret from ``NAME`` or from the file named by ``NAME_FILE`` (not both)."""
    direct = _raw(name, "secret", environ)
    file_name = _raw(f"{name}_FILE", "secret-file", environ)
    if direct is not None and file_name is not None:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if file_name is not None:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_name!r} cannot be read: {error}"
            ) from None
    return direct

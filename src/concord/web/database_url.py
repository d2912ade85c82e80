"""Turn ``DATABASE_URL`` into a Django ``DATABASES`` entry (PostgreSQL or SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA busy_timeout={busy_timeout_ms};"
)


def sqlite_database(path: Path, *, busy_timeout_ms: int) -> dict[str, Any]:
    """The embedded default: SQLite in WAL mode with a busy timeout and IMMEDIATE transactions.

    IMMEDIATE transactions take the write lock when a transaction starts, so two writers
    queue on ``busy_timeout`` instead of failing with "database is locked" when a read
    transaction tries to upgrade to a write.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": SQLITE_PRAGMAS.format(busy_timeout_ms=busy_timeout_ms),
            "transaction_mode": "IMMEDIATE",
            "timeout": busy_timeout_ms / 1000,
        },
        "TEST": {"NAME": str(path.with_name(path.stem + "-test.sqlite3"))},
    }


def parse_database_url(url: str, *, busy_timeout_ms: int) -> dict[str, Any]:
    """Parse ``postgres://user:password@host:port/name?sslmode=...`` or ``sqlite:///path``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        raw_path = unquote(parts.path)
        if not raw_path or raw_path == "/":
            raise ImproperlyConfigured(
                "DATABASE_URL for SQLite needs a path: sqlite:///path/db.sqlite3"
            )
        return sqlite_database(
            Path(raw_path[1:] if raw_path.startswith("//") else raw_path),
            busy_timeout_ms=busy_timeout_ms,
        )
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL needs a database name.")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": dict(parse_qsl(parts.query)),
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported; use postgres:// or sqlite:///."
    )

"""Settings come from documented environment variables and fail loudly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from concord.web import settings as concord_settings
from concord.web.database_url import parse_database_url
from concord.web.env import DECLARED, env_bool, env_int, env_list, env_secret
from concord.web.security import check_production_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
GOOD_KEY = "k3J9x-Qw8s_Vb2Lm7Np4Rt6Yz1Hc5Df0Gj8Kq3Ws9Ex2Ua7Io4Pl1Mn6Bv0Cz5Xy"


def documented_variables() -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", DOC.read_text(encoding="utf-8"), re.M))


def test_every_variable_read_is_documented_and_every_documented_one_is_read() -> None:
    assert concord_settings.SECRET_KEY  # settings are loaded, so DECLARED is complete
    read = set(DECLARED)
    assert read - documented_variables() == set(), "read but not in docs/configuration.md"
    assert documented_variables() - read == set(), "documented but never read"


def test_malformed_values_name_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"CONCORD_X=.*not a boolean"):
        env_bool("CONCORD_X", False, environ={"CONCORD_X": "maybe"})
    with pytest.raises(ImproperlyConfigured, match="CONCORD_N='ten' is not an integer"):
        env_int("CONCORD_N", 1, environ={"CONCORD_N": "ten"})
    with pytest.raises(ImproperlyConfigured, match="CONCORD_N=0 is below the minimum 1"):
        env_int("CONCORD_N", 1, minimum=1, environ={"CONCORD_N": "0"})
    assert env_list("CONCORD_L", [], environ={"CONCORD_L": " a, ,b "}) == ["a", "b"]
    assert env_bool("CONCORD_X", False, environ={"CONCORD_X": "Yes"}) is True


def test_secret_from_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text("from-a-file\n")
    assert env_secret("CONCORD_S", environ={"CONCORD_S_FILE": str(secret_file)}) == "from-a-file"
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("CONCORD_S", environ={"CONCORD_S": "x", "CONCORD_S_FILE": str(secret_file)})
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_secret("CONCORD_S", environ={"CONCORD_S_FILE": str(tmp_path / "missing")})


SAFE = {
    "production": True,
    "debug": False,
    "secret_key": GOOD_KEY,
    "secure_cookies": True,
    "require_two_factor": True,
    "allowed_hosts": ["concord.example.org"],
}


def test_production_with_safe_settings_starts() -> None:
    check_production_settings(**SAFE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"debug": True}, "concord.E001"),
        ({"secret_key": ""}, "concord.E002"),
        ({"secret_key": "django-insecure-" + "x" * 60}, "concord.E003"),
        ({"secret_key": "short"}, "concord.E003"),
        ({"secret_key": "a" * 60}, "concord.E003"),
        ({"secure_cookies": False}, "concord.E004"),
        ({"require_two_factor": False}, "concord.E005"),
        ({"allowed_hosts": []}, "concord.E006"),
    ],
)
def test_production_refuses_insecure_settings(change: dict[str, object], code: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=code.replace(".", r"\.")):
        check_production_settings(**{**SAFE, **change})  # type: ignore[arg-type]


def test_development_is_not_checked() -> None:
    check_production_settings(**{**SAFE, "production": False, "debug": True, "secret_key": ""})  # type: ignore[arg-type]


def test_production_process_refuses_to_start_with_debug(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "CONCORD_MODE": "production",
        "CONCORD_DEBUG": "true",
        "CONCORD_SECRET_KEY": GOOD_KEY,
        "CONCORD_ALLOWED_HOSTS": "x.example.org",
        "CONCORD_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "concord.web.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refuses to start in production mode" in result.stderr
    assert "concord.E001" in result.stderr


def test_database_url_parsing() -> None:
    pg = parse_database_url(
        "postgres://me:p%40ss@db.local:6543/concord?sslmode=require", busy_timeout_ms=1
    )
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql",
        "concord",
        "me",
        "p@ss",
        "db.local",
        "6543",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    lite = parse_database_url("sqlite:////srv/concord/db.sqlite3", busy_timeout_ms=1500)
    assert lite["NAME"] == "/srv/concord/db.sqlite3"
    assert lite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in lite["OPTIONS"]["init_command"]
    assert "PRAGMA busy_timeout=1500" in lite["OPTIONS"]["init_command"]
    with pytest.raises(ImproperlyConfigured, match="scheme 'mysql' is not supported"):
        parse_database_url("mysql://x/y", busy_timeout_ms=1)
    with pytest.raises(ImproperlyConfigured, match="needs a database name"):
        parse_database_url("postgres://host/", busy_timeout_ms=1)


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions() -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite-specific")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"

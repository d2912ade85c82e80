"""The database triggers that refuse UPDATE and DELETE on audit rows.

Migration ``0002_append_only_triggers`` installs them (with its own frozen copy of this
SQL). :func:`lifted` exists for test suites only: Django empties tables between
transactional tests with ``DELETE FROM``, which the SQLite trigger refuses, so such a
test lifts the triggers, clears the trail and puts them back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

INSTALL = {
    "sqlite": [
        """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END""",
        """CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit rows are append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
           FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    ],
}
REMOVE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
        "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
        "DROP FUNCTION IF EXISTS audit_refuse_change()",
    ],
}


def _execute(connection: BaseDatabaseWrapper, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


@contextmanager
def lifted(connection: BaseDatabaseWrapper | None = None) -> Iterator[None]:
    """Drop the append-only triggers for the block and install them again after it."""
    connection = connection or default_connection
    _execute(connection, REMOVE)
    try:
        yield
    finally:
        _execute(connection, INSTALL)


def clear_trail_for_tests(connection: BaseDatabaseWrapper | None = None) -> None:
    """Delete every audit row and the chain head (tests only: the trail is append-only)."""
    connection = connection or default_connection
    with lifted(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
        cursor.execute("DELETE FROM audit_chainhead")

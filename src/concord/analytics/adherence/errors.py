"""Errors raised by the adherence core.

Every adherence function validates its input before it computes anything and raises
:class:`AdherenceInputError` on the first problem it finds, naming the column and the
1-based data row(s) concerned, so the CLI and the web layer can show a precise message
and nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["AdherenceInputError"]

_ROWS_SHOWN = 10


class AdherenceInputError(ValueError):
    """Invalid adherence input: a missing id, an unparseable date, a bad duration, ...

    Parameters
    ----------
    message : str
        What is wrong, in plain words (English; the web layer may translate by column and
        the problem code in the message's first words).
    column : str or None
        The column (or argument) concerned, as the caller named it.
    rows : iterable of int
        The 1-based data rows concerned (the first data row is row 1; a CSV header line is
        not counted). Empty when the problem is not tied to rows (e.g. an unknown column).

    Attributes
    ----------
    column : str or None
    rows : tuple of int
    """

    def __init__(self, message: str, *, column: str | None = None, rows: Iterable[int] = ()):
        self.column = column
        self.rows: tuple[int, ...] = tuple(int(r) for r in rows)
        super().__init__(_with_rows(message, self.rows))


def _with_rows(message: str, rows: tuple[int, ...]) -> str:
    if not rows:
        return message
    shown = ", ".join(str(r) for r in rows[:_ROWS_SHOWN])
    more = f" and {len(rows) - _ROWS_SHOWN} more" if len(rows) > _ROWS_SHOWN else ""
    label = "row" if len(rows) == 1 else "rows"
    return f"{message} ({label} {shown}{more})"
